"""Banc : import d'un extrait ELIRE de 1 000 000 de lignes contre un `COPY` du même fichier.

Voir bench/README.md. Lancé par `make bench` (scripts/bench.sh).
"""

from __future__ import annotations

import random
from pathlib import Path

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
