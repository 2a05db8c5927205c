"""Fabrique d'extraits ELIRE pour les tests de l'import."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from core.tenancy.models import Collectivite
from electeurs.imports.colonnes import COLONNES, ENTETES_ELIRE
from electeurs.imports.moteur import Bilan
from electeurs.imports.services import extrait_analyser

ECHANTILLON = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "electeurs"
    / "ListesElecteursActifs-com85194-13-02-2026-08h44.csv"
)

DEFAUT: dict[str, str] = {
    "code_ugle": "85194",
    "libelle_ugle": "Les Sables-d'Olonne",
    "type_liste": "Liste principale",
    "nom_naissance": "DUPRÉ",
    "nom_usage": "",
    "prenoms": "Hélène",
    "sexe": "F",
    "date_naissance": "04/07/1953",
    "commune_naissance_code": "85194",
    "commune_naissance_libelle": "LES SABLES-D'OLONNE",
    "departement_naissance": "85",
    "pays_naissance": "FRANCE",
    "nationalite": "Française",
    "numero_voie": "12",
    "libelle_voie": "RUE DES HALLES",
    "complement_1": "",
    "complement_2": "",
    "lieu_dit": "",
    "code_postal": "85100",
    "commune": "LES SABLES-D'OLONNE",
    "pays": "FRANCE",
    "bureau_code": "0001",
    "bureau_libelle": "HOTEL DE VILLE",
    "circonscription_code": "8501",
    "canton_libelle": "Les Sables-d'Olonne",
    "circonscription_libelle": "1re circonscription",
    "numero_ordre": "1",
}
NOMS = [nom for nom in COLONNES if nom != "ine"]


def extrait(
    *lignes: dict[str, str],
    entetes: list[str] | None = None,
    noms: list[str] | None = None,
    sep: str = ";",
    fin: str = "\n",
    encodage: str = "utf-8",
) -> bytes:
    """Un extrait dans la disposition ELIRE ; chaque ligne modifie `DEFAUT`."""
    noms = noms or NOMS
    entetes = entetes or [
        ENTETES_ELIRE[NOMS.index(n)] if n in NOMS else COLONNES[n][0] for n in noms
    ]

    def q(valeur: str) -> str:
        return '"' + valeur.replace('"', '""') + '"' if valeur else ""

    sortie = [sep.join(f'"{e}"' for e in entetes)]
    for ligne in lignes:
        valeurs = {**DEFAUT, **ligne}
        cellules = [q(valeurs.get(n, "")) for n in noms[:-1]] + [valeurs.get(noms[-1], "")]
        sortie.append(sep.join(cellules))
    return (fin.join(sortie) + fin).encode(encodage)


def importer(
    contenu: bytes, collectivite: Collectivite, *, appliquer: bool = True, **options: Any
) -> Bilan:
    return extrait_analyser(
        ouvrir=lambda: io.BytesIO(contenu),
        collectivite=collectivite,
        appliquer=appliquer,
        **options,
    )


def messages(bilan: Bilan) -> list[str]:
    return [str(e) for e in bilan.erreurs]
