"""Éditions du fichier électoral (travaux suivis de la file « documents ») : liste électorale
et liste d'émargement par bureau, tableau des inscriptions et radiations ; en PDF ou en CSV.

Les lignes sont lues en flux (`iterator`) dans l'ordre bureau, numéro d'ordre, nom ; le CSV
s'écrit morceau par morceau dans un fichier temporaire (mémoire constante). Le PDF, lui, est
composé en entier par WeasyPrint : pour une grande commune, éditez-le bureau par bureau.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from core.documents.csv import iter_csv
from core.documents.pdf import pdf_rendre
from core.templatetags.echarpe import date_fr, pluriel
from core.travaux.models import Travail
from core.travaux.services import Suivi, TravailErreur
from electeurs.models import BureauDeVote, InscriptionListe, StatutElecteur, TypeListe

TAILLE_PAQUET = 2000


class TypeEdition(models.TextChoices):
    LISTE_ELECTORALE = "liste_electorale", "Liste électorale par bureau"
    EMARGEMENT = "emargement", "Liste d'émargement par bureau"
    TABLEAU = "tableau", "Tableau des inscriptions et radiations"


class FormatEdition(models.TextChoices):
    PDF = "pdf", "PDF (à imprimer)"
    CSV = "csv", "CSV (tableur)"


@dataclass(frozen=True)
class ParametresEdition:
    edition: str
    liste: str
    format: str
    bureau_id: int | None = None
    debut: datetime.date | None = None
    fin: datetime.date | None = None

    def en_json(self) -> dict[str, object]:
        return {
            "edition": self.edition,
            "liste": self.liste,
            "format": self.format,
            "bureau_id": self.bureau_id,
            "debut": self.debut.isoformat() if self.debut else None,
            "fin": self.fin.isoformat() if self.fin else None,
        }

    @classmethod
    def depuis_json(cls, valeurs: dict[str, Any]) -> ParametresEdition:
        def _date(cle: str) -> datetime.date | None:
            brut = valeurs.get(cle)
            return datetime.date.fromisoformat(brut) if brut else None

        return cls(
            edition=str(valeurs["edition"]),
            liste=str(valeurs["liste"]),
            format=str(valeurs["format"]),
            bureau_id=int(valeurs["bureau_id"]) if valeurs.get("bureau_id") else None,
            debut=_date("debut"),
            fin=_date("fin"),
        )


# --- Lignes ---------------------------------------------------------------------------------


def _inscriptions(
    collectivite_id: int, parametres: ParametresEdition
) -> QuerySet[InscriptionListe]:
    inscriptions = (
        InscriptionListe.objects.pour(collectivite_id)
        .filter(type_liste=parametres.liste)
        .select_related("electeur", "bureau")
    )
    if parametres.bureau_id:
        inscriptions = inscriptions.filter(bureau_id=parametres.bureau_id)
    return inscriptions


def _ordre(inscriptions: QuerySet[InscriptionListe]) -> QuerySet[InscriptionListe]:
    # Bureau, numéro d'ordre, puis nom : les inscriptions sans bureau ni numéro à la fin.
    return inscriptions.order_by(
        models.F("bureau__code").asc(nulls_last=True),
        models.F("numero_ordre").asc(nulls_last=True),
        "electeur__recherche_naissance",
        "pk",
    )


def _adresse(e: Any) -> str:
    voie = " ".join(x for x in (e.numero_voie, e.libelle_voie) if x)
    morceaux = [voie, e.complement_1, e.complement_2, e.lieu_dit, f"{e.code_postal} {e.commune}"]
    return ", ".join(m.strip() for m in morceaux if m and m.strip())


def _bureau(inscription: InscriptionListe) -> str:
    bureau = inscription.bureau
    return f"{bureau.code} — {bureau.libelle}" if bureau else ""


def _ligne_liste(inscription: InscriptionListe) -> dict[str, Any]:
    e = inscription.electeur
    return {
        "bureau": _bureau(inscription),
        "numero": inscription.numero_ordre,
        "nom_naissance": e.nom_naissance,
        "nom_usage": e.nom_usage,
        "prenoms": e.prenoms,
        "sexe": e.sexe,
        "naissance": e.date_naissance_affichee,
        "lieu_naissance": e.commune_naissance_libelle or e.pays_naissance,
        "nationalite": e.nationalite,
        "adresse": _adresse(e),
    }


@dataclass(frozen=True)
class _Colonne:
    cle: str
    libelle: str


COLONNES_LISTE = [
    _Colonne("bureau", "Bureau de vote"),
    _Colonne("numero", "N° d'ordre"),
    _Colonne("nom_naissance", "Nom de naissance"),
    _Colonne("nom_usage", "Nom d'usage"),
    _Colonne("prenoms", "Prénoms"),
    _Colonne("sexe", "Sexe"),
    _Colonne("naissance", "Date de naissance"),
    _Colonne("lieu_naissance", "Lieu de naissance"),
    _Colonne("nationalite", "Nationalité"),
    _Colonne("adresse", "Adresse"),
]
COLONNES_EMARGEMENT = [
    _Colonne("bureau", "Bureau de vote"),
    _Colonne("numero", "N° d'ordre"),
    _Colonne("nom_naissance", "Nom de naissance"),
    _Colonne("nom_usage", "Nom d'usage"),
    _Colonne("prenoms", "Prénoms"),
    _Colonne("naissance", "Date de naissance"),
    _Colonne("signature", "Signature"),
]
COLONNES_TABLEAU = [
    _Colonne("mouvement", "Mouvement"),
    _Colonne("date", "Date"),
    *COLONNES_LISTE[:8],
    _Colonne("motif", "Motif"),
]


def _lignes_liste(
    collectivite_id: int, parametres: ParametresEdition
) -> tuple[int, Iterator[dict[str, Any]]]:
    inscriptions = _ordre(
        _inscriptions(collectivite_id, parametres).filter(electeur__statut=StatutElecteur.INSCRIT)
    )
    total = inscriptions.count()
    return total, (_ligne_liste(i) for i in inscriptions.iterator(chunk_size=TAILLE_PAQUET))


def _lignes_tableau(
    collectivite_id: int, parametres: ParametresEdition
) -> tuple[int, Iterator[dict[str, Any]]]:
    if not parametres.debut or not parametres.fin:
        raise TravailErreur("Le tableau demande une date de début et une date de fin.")
    periode = (parametres.debut, parametres.fin)
    base = _inscriptions(collectivite_id, parametres)
    inscrits = _ordre(base.filter(electeur__date_inscription__range=periode))
    radies = _ordre(base.filter(electeur__date_radiation__range=periode))
    total = inscrits.count() + radies.count()

    def lignes() -> Iterator[dict[str, Any]]:
        for inscription in inscrits.iterator(chunk_size=TAILLE_PAQUET):
            yield {
                **_ligne_liste(inscription),
                "mouvement": "Inscription",
                "date": inscription.electeur.date_inscription,
                "motif": "",
            }
        for inscription in radies.iterator(chunk_size=TAILLE_PAQUET):
            yield {
                **_ligne_liste(inscription),
                "mouvement": "Radiation",
                "date": inscription.electeur.date_radiation,
                "motif": inscription.electeur.motif_radiation,
            }

    return total, lignes()


# --- Production -----------------------------------------------------------------------------


def _avancer(suivi: Suivi, lignes: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for ligne in lignes:
        yield ligne
        suivi.avancer()


def _titre(parametres: ParametresEdition, bureau: BureauDeVote | None) -> str:
    titre = TypeEdition(parametres.edition).label.replace(" par bureau", "")
    titre = f"{titre} — {TypeListe(parametres.liste).label.lower()}"
    if bureau is not None:
        titre += f" — bureau {bureau.code}"
    if parametres.edition == TypeEdition.TABLEAU and parametres.debut and parametres.fin:
        titre += f" du {date_fr(parametres.debut)} au {date_fr(parametres.fin)}"
    return str(titre)


def _nom_fichier(parametres: ParametresEdition, bureau: BureauDeVote | None) -> str:
    morceaux = [parametres.edition.replace("_", "-"), parametres.liste.lower()]
    morceaux.append(f"bureau-{bureau.code}" if bureau else "tous-bureaux")
    if parametres.debut and parametres.fin:
        morceaux += [parametres.debut.strftime("%Y%m%d"), parametres.fin.strftime("%Y%m%d")]
    return slugify("-".join(morceaux)) + f".{parametres.format}"


def edition_produire(*, suivi: Suivi, travail: Travail) -> None:
    """Produit l'édition décrite par les paramètres du travail et termine son suivi."""
    parametres = ParametresEdition.depuis_json(travail.parametres)
    collectivite = travail.collectivite
    bureau = None
    if parametres.bureau_id:
        bureau = BureauDeVote.objects.pour(collectivite).filter(pk=parametres.bureau_id).first()
        if bureau is None:
            raise TravailErreur("Ce bureau de vote n'existe plus.")
    if parametres.edition == TypeEdition.TABLEAU:
        total, lignes = _lignes_tableau(collectivite.pk, parametres)
        colonnes = COLONNES_TABLEAU
    else:
        total, lignes = _lignes_liste(collectivite.pk, parametres)
        colonnes = (
            COLONNES_EMARGEMENT if parametres.edition == TypeEdition.EMARGEMENT else COLONNES_LISTE
        )
    if parametres.liste == TypeListe.PRINCIPALE:
        colonnes = [c for c in colonnes if c.cle != "nationalite"]
    suivi.definir_total(total)
    nom = _nom_fichier(parametres, bureau)
    message = f"{pluriel(total, 'ligne éditée', 'lignes éditées')}."
    lignes = _avancer(suivi, lignes)
    with tempfile.TemporaryDirectory(prefix="echarpe-edition-") as dossier:
        chemin = Path(dossier) / nom
        if parametres.format == FormatEdition.CSV:
            _ecrire_csv(chemin, colonnes, lignes)
        else:
            chemin.write_bytes(
                _pdf(collectivite, _titre(parametres, bureau), parametres, colonnes, lignes)
            )
        # Terminé ici, tant que le fichier temporaire existe.
        suivi.terminer(nom, chemin, message=message)


def _ecrire_csv(
    chemin: Path, colonnes: Sequence[_Colonne], lignes: Iterator[dict[str, Any]]
) -> None:
    with chemin.open("wb") as fichier:
        fichier.writelines(
            iter_csv(
                ([ligne.get(c.cle, "") for c in colonnes] for ligne in lignes),
                entetes=[c.libelle for c in colonnes],
            )
        )


def _cellule_pdf(valeur: object) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, datetime.date):
        return date_fr(valeur)
    return str(valeur)


def _pdf(
    collectivite: Any,
    titre: str,
    parametres: ParametresEdition,
    colonnes: Sequence[_Colonne],
    lignes: Iterator[dict[str, Any]],
) -> bytes:
    # Une section (et une nouvelle page) par bureau de vote ; le bureau est dans son titre.
    pdf_colonnes = [c for c in colonnes if c.cle != "bureau"]
    sections = []
    for bureau, groupe in groupby(lignes, key=lambda ligne: ligne["bureau"]):
        cellules = [[_cellule_pdf(ligne.get(c.cle)) for c in pdf_colonnes] for ligne in groupe]
        sections.append(
            {"bureau": bureau, "lignes": cellules, "legende": pluriel(len(cellules), "ligne")}
        )
    return pdf_rendre(
        "electeurs/editions/edition.html",
        {
            "collectivite": collectivite,
            "titre": titre,
            "colonnes": pdf_colonnes,
            "sections": sections,
            "signature": parametres.edition == TypeEdition.EMARGEMENT,
            "edite_le": timezone.localdate(),
        },
    )
