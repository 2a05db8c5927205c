"""Banc : import d'un extrait ELIRE de 1 000 000 de lignes contre un `COPY` du même fichier.

Voir bench/README.md. Lancé par `make bench` (scripts/bench.sh).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from electeurs.imports.colonnes import ENTETES_ELIRE

_NOMS = [
    "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU",
    "LAURENT", "SIMON", "MICHEL", "LEFÈVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL",
    "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT", "FONTAINE", "ROUSSEAU", "VINCENT",
    "MULLER", "LEFEBVRE", "FAURE", "ANDRÉ", "MERCIER", "BLANC", "GUÉRIN", "BOYER", "GARNIER",
    "CHEVALIER", "FRANÇOIS", "LEGRAND", "GAUTHIER", "GARCIA", "PERRIN", "ROBIN", "CLÉMENT",
    "MORIN", "NICOLAS", "HENRY", "ROUSSEL", "MATHIEU", "GAUTIER", "MASSON", "DUPRÉ", "LŒWY",
]  # fmt: skip
_PRENOMS = [
    "Jean", "Marie", "Hélène", "Pierre", "Anne", "Michel", "Françoise", "André", "Élodie",
    "Nathalie", "Philippe", "Isabelle", "Louis", "Chloé", "Jérôme", "Céline", "Noël", "Zoé",
]  # fmt: skip
_LISTES = ["Liste principale"] * 18 + [
    "Liste complémentaire municipale",
    "Liste complémentaire européenne",
]


def _q(texte: str) -> str:
    return f'"{texte}"' if texte else ""


def generer(
    chemin: Path, *, lignes: int, code_ugle: str = "85194", bureaux: int = 40, graine: int = 8
) -> Path:
    """Écrit un extrait dans la disposition exacte d'ELIRE : UTF-8 sans BOM, fins de ligne LF,
    en-têtes entre guillemets, valeurs entre guillemets sauf la dernière et les vides (`;;`).

    Chaque ligne est une personne distincte (le numéro de ligne entre dans les prénoms)."""
    hasard = random.Random(graine)
    par_bureau = max(1, lignes // bureaux + 1)
    with chemin.open("w", encoding="utf-8", newline="\n") as sortie:
        sortie.write(";".join(f'"{e}"' for e in ENTETES_ELIRE) + "\n")
        tampon: list[str] = []
        for i in range(lignes):
            nom = _NOMS[i % len(_NOMS)]
            usage = _NOMS[(i * 7) % len(_NOMS)] if i % 3 == 0 else ""
            prenoms = f"{_PRENOMS[i % len(_PRENOMS)]} {_PRENOMS[(i // 7) % len(_PRENOMS)]} N{i}"
            sexe = "F" if i % 2 else "M"
            jour = "00" if i % 997 == 0 else f"{hasard.randint(1, 28):02d}"
            mois = "00" if i % 997 == 0 else f"{hasard.randint(1, 12):02d}"
            annee = 1930 + i % 77
            bureau = i // par_bureau + 1
            numero = i % par_bureau + 1
            valeurs = [
                code_ugle,
                "Les Sables-d'Olonne",
                _LISTES[i % len(_LISTES)],
                nom,
                usage,
                prenoms,
                sexe,
                f"{jour}/{mois}/{annee}",
                f"{85000 + i % 300}",
                "LA ROCHE-SUR-YON",
                "85",
                "FRANCE",
                "Française",
                str(1 + i % 120),
                "RUE DES ÉCOLES",
                "",
                "",
                "",
                "85100",
                "LES SABLES-D'OLONNE",
                "FRANCE",
                f"{bureau:04d}",
                f"BUREAU {bureau}",
                "8501",
                "Les Sables-d'Olonne",
                "1re circonscription",
            ]
            tampon.append(";".join(_q(v) for v in valeurs) + f";{numero}\n")
            if len(tampon) >= 10_000:
                sortie.writelines(tampon)
                tampon.clear()
        sortie.writelines(tampon)
    return chemin


# --- Mesure -----------------------------------------------------------------------------------

LIGNES = 1_000_000
SLUG = "banc-import-reu"
CODE_INSEE = "85194"


@dataclass
class Resultat:
    lignes: int
    octets: int
    secondes_copy: float
    secondes_import: float
    rss_pic_kio: int
    comptes: dict[str, int]
    # Plancher de l'écriture (`plancher`) : les lignes seules, puis avec leurs index.
    secondes_ecriture: float = 0.0
    secondes_plancher: float = 0.0

    @property
    def rapport(self) -> float:
        return self.secondes_import / self.secondes_copy if self.secondes_copy else 0.0

    @property
    def rapport_plancher(self) -> float:
        return self.secondes_import / self.secondes_plancher if self.secondes_plancher else 0.0

    def fois_copy(self, secondes: float) -> float:
        return secondes / self.secondes_copy if self.secondes_copy else 0.0


def _francais(valeur: float, decimales: int = 0) -> str:
    texte = f"{valeur:,.{decimales}f}".replace(",", "\u202f")
    return texte.replace(".", ",")


def vmhwm_kio() -> int:
    """Pic de mémoire résidente du processus (VmHWM), en Kio ; 0 hors Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as statut:
            for ligne in statut:
                if ligne.startswith("VmHWM:"):
                    return int(ligne.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def copier(chemin: Path) -> float:
    """`COPY` du fichier dans une table nue de colonnes texte : le plancher de PostgreSQL."""
    from django.db import connection

    with connection.cursor() as curseur:
        curseur.execute("DROP TABLE IF EXISTS banc_copy_brut")
        curseur.execute(
            "CREATE TABLE banc_copy_brut ("
            + ", ".join(f"c{i} text" for i in range(len(ENTETES_ELIRE)))
            + ")"
        )
        debut = time.perf_counter()
        with (
            chemin.open("rb") as fichier,
            curseur.cursor.copy(
                "COPY banc_copy_brut FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)"
            ) as flux,
        ):
            while bloc := fichier.read(1 << 20):
                flux.write(bloc)
        secondes = time.perf_counter() - debut
        curseur.execute("DROP TABLE banc_copy_brut")
    return secondes


def collectivite_du_banc() -> Any:
    from core.tenancy.models import Collectivite

    collectivite, _ = Collectivite.objects.update_or_create(
        slug=SLUG, defaults={"nom": "Banc-sur-Import", "code_insee": CODE_INSEE}
    )
    return collectivite


def importer(chemin: Path) -> tuple[float, int, dict[str, int]]:
    """L'import (application comprise) dans ce processus : durée, pic de RSS, comptes."""
    from electeurs.imports.services import extrait_analyser

    collectivite = collectivite_du_banc()
    debut = time.perf_counter()
    bilan = extrait_analyser(
        ouvrir=lambda: chemin.open("rb"), collectivite=collectivite, appliquer=True
    )
    secondes = time.perf_counter() - debut
    if bilan.erreurs:
        raise RuntimeError(f"Import refusé : {bilan.erreurs[0]}")
    return secondes, vmhwm_kio(), bilan.comptes()


TABLES_ECRITES = ["electeurs_electeur", "electeurs_inscriptionliste"]


def plancher(*, collectivite_id: int, dossier: Path) -> tuple[float, float]:
    """Le plancher de l'écriture, quel que soit l'importeur : les lignes que l'import vient
    d'écrire (électeurs et inscriptions, toutes colonnes, identifiants compris), réécrites par
    `COPY` dans les mêmes tables vidées, puis leurs index et clés étrangères reconstruits par le
    même code que l'import (`moteur._index_suspendus`). Ni lecture de l'extrait, ni contrôle,
    ni calcul : ce que tout import de ce fichier doit au moins payer. Tout est annulé ensuite.

    Rend (durée de l'écriture des lignes, durée totale avec les index)."""
    from django.db import connection, transaction

    from electeurs.imports import moteur

    fichiers: list[tuple[str, str, Path]] = []
    with connection.cursor() as curseur:
        for table in TABLES_ECRITES:
            colonnes = ", ".join(
                champ.name
                for champ in connection.introspection.get_table_description(curseur, table)
            )
            chemin = dossier / f"{table}.copie"
            with (
                chemin.open("wb") as sortie,
                curseur.cursor.copy(
                    f"COPY (SELECT {colonnes} FROM {table} WHERE collectivite_id = "
                    f"{int(collectivite_id)}) TO STDOUT"
                ) as flux,
            ):
                for bloc in flux:
                    sortie.write(bloc)
            fichiers.append((table, colonnes, chemin))
    with transaction.atomic():
        with connection.cursor() as curseur:
            # Les vérifications différées en attente (clés étrangères) empêchent TRUNCATE.
            curseur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            curseur.execute("SET CONSTRAINTS ALL DEFERRED")
            curseur.execute(f"TRUNCATE {', '.join(TABLES_ECRITES)} CASCADE")
            debut = time.perf_counter()
            with moteur._index_suspendus(TABLES_ECRITES, suspendre=True):
                for table, colonnes, chemin in fichiers:
                    with (
                        chemin.open("rb") as entree,
                        curseur.cursor.copy(f"COPY {table} ({colonnes}) FROM STDIN") as flux,
                    ):
                        while bloc := entree.read(1 << 20):
                            flux.write(bloc)
                ecriture = time.perf_counter() - debut
            total = time.perf_counter() - debut
        transaction.set_rollback(True)
    for _table, _colonnes, chemin in fichiers:
        chemin.unlink()
    return ecriture, total


def mesurer(*, lignes: int, dossier: Path, sous_processus: bool = True) -> Resultat:
    """Génère l'extrait, le copie (`COPY`), puis l'importe ; dans un processus à part pour
    que le pic de mémoire soit celui de l'import seul."""
    from django.db import connection

    chemin = generer(dossier / f"ListesElecteursActifs-com{CODE_INSEE}-banc.csv", lignes=lignes)
    collectivite_du_banc()
    secondes_copy = copier(chemin)
    if sous_processus:
        sortie = subprocess.run(
            [sys.executable, "-m", "bench.import_reu", "--enfant", str(chemin)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "BANC_IMPORT_BASE": connection.settings_dict["NAME"]},
        )
        mesure = json.loads(sortie.stdout.strip().splitlines()[-1])
        secondes, rss, comptes = mesure["secondes"], mesure["rss_kio"], mesure["comptes"]
    else:
        secondes, rss, comptes = importer(chemin)
    ecriture, total = plancher(collectivite_id=collectivite_du_banc().pk, dossier=dossier)
    return Resultat(
        lignes, chemin.stat().st_size, secondes_copy, secondes, rss, comptes, ecriture, total
    )


def resume(resultat: Resultat) -> str:
    return "\n".join(
        [
            f"  Extrait ELIRE généré             : {_francais(resultat.lignes)} lignes, "
            f"{_francais(resultat.octets / 1024 / 1024)} Mio",
            f"  COPY dans une table de textes    : {_francais(resultat.secondes_copy, 1)} s",
            f"  Import (lecture, contrôles, écriture) : {_francais(resultat.secondes_import, 1)} s",
            f"  Pic de mémoire de l'import       : {_francais(resultat.rss_pic_kio / 1024)} Mio "
            "(objectif : 300 Mio au plus)",
            f"  Nouveaux électeurs               : {_francais(resultat.comptes['nouveaux'])}",
            "",
            f"  Rapport import / COPY : {_francais(resultat.rapport, 2)} (objectif : 3 au plus)",
            "",
            "  Plancher de l'écriture (les lignes écrites par l'import, réécrites par COPY) :",
            f"    électeurs et inscriptions seuls  : {_francais(resultat.secondes_ecriture, 1)} s"
            f" ({_francais(resultat.fois_copy(resultat.secondes_ecriture), 2)} × COPY)",
            f"    … avec index et clés étrangères  : {_francais(resultat.secondes_plancher, 1)} s"
            f" ({_francais(resultat.fois_copy(resultat.secondes_plancher), 2)} × COPY)",
            f"  Rapport import / plancher : {_francais(resultat.rapport_plancher, 2)}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lignes", type=int, default=LIGNES)
    parser.add_argument("--enfant", help=argparse.SUPPRESS)
    parser.add_argument(
        "--detail", action="store_true", help="durée de chaque requête de l'import (diagnostic)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection

    if args.enfant:
        if os.environ.get("BANC_DETAIL"):
            # Durée de chaque requête du moteur, sur la sortie d'erreur.
            logging.basicConfig(stream=sys.stderr, format="%(message)s")
            logging.getLogger("electeurs.imports.moteur").setLevel(logging.DEBUG)
        connection.settings_dict["NAME"] = os.environ["BANC_IMPORT_BASE"]
        secondes, rss, comptes = importer(Path(args.enfant))
        print(json.dumps({"secondes": secondes, "rss_kio": rss, "comptes": comptes}))
        return 0

    if args.detail:
        os.environ["BANC_DETAIL"] = "1"
    nom_base = connection.settings_dict["NAME"]
    print("Création de la base de test et migrations…", file=sys.stderr)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with tempfile.TemporaryDirectory(prefix="banc-import-") as dossier:
            print(f"Extrait de {_francais(args.lignes)} lignes, COPY, import…", file=sys.stderr)
            resultat = mesurer(lignes=args.lignes, dossier=Path(dossier))
    finally:
        connection.close()
        connection.creation.destroy_test_db(nom_base, verbosity=0)
    print(resume(resultat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
