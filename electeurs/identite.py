"""Reconnaître une personne : textes normalisés pour la recherche et l'identité.

Un électeur se reconnaît à son état civil (l'extrait de la liste électorale n'a pas d'INE) :
noms, prénoms, sexe, date et lieu de naissance. Deux lignes qui ne diffèrent que par la
casse, les accents, les tirets ou les espaces sont la même personne ; deux lignes aux mêmes
noms et date de naissance mais d'un autre lieu de naissance sont deux personnes (homonymes
possibles, jamais fusionnés sans l'agent).
"""

from __future__ import annotations

import re
import unicodedata

_NON_ALPHANUM = re.compile(r"[^a-z0-9]+")
# Ligatures que la décomposition Unicode ne sépare pas.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def normaliser(texte: str | None) -> str:
    """Minuscules sans accents ; tout ce qui n'est ni lettre ni chiffre devient une espace.

    « Dupré-Léger  Hélène » → « dupre leger helene ».
    """
    if not texte:
        return ""
    texte = texte.lower().translate(_LIGATURES)
    decompose = unicodedata.normalize("NFKD", texte)
    sans_accents = "".join(c for c in decompose if not unicodedata.combining(c))
    return _NON_ALPHANUM.sub(" ", sans_accents).strip()


def date_cle(jour: int | None, mois: int | None, annee: int | None) -> str:
    """La date de naissance telle qu'elle est connue : « 00/00/1953 » si jour et mois manquent."""
    return f"{jour or 0:02d}/{mois or 0:02d}/{annee or 0:04d}"


def cle_homonymie(
    *, nom_naissance: str, prenoms: str, jour: int | None, mois: int | None, annee: int | None
) -> str:
    """Mêmes noms, prénoms et date de naissance : homonymes possibles (lieu non compris)."""
    return "|".join((normaliser(nom_naissance), normaliser(prenoms), date_cle(jour, mois, annee)))


def cle_identite(
    *,
    nom_naissance: str,
    prenoms: str,
    sexe: str,
    jour: int | None,
    mois: int | None,
    annee: int | None,
    lieu_naissance: str,
) -> str:
    """L'état civil complet : deux lignes de même clé sont la même personne.

    `lieu_naissance` : le code de la commune de naissance s'il est connu, sinon son libellé
    (ou le pays pour une personne née à l'étranger).
    """
    return "|".join(
        (
            cle_homonymie(
                nom_naissance=nom_naissance, prenoms=prenoms, jour=jour, mois=mois, annee=annee
            ),
            (sexe or "").upper(),
            normaliser(lieu_naissance),
        )
    )
