"""Saisie des dates à la française : un seul analyseur pour toute l'application.

`parser_date_fr` sert aux formulaires (`ChampDateFr`), aux fichiers CSV et aux filtres. Les
années sont bornées (1900–2100) : une date saisie n'a jamais de sens au-delà, et les bornes
évitent tout débordement dans les calculs qui suivent (`date.max + 1 jour`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms

__all__ = [
    "ANNEE_MAX",
    "ANNEE_MIN",
    "ChampDateFr",
    "DateInvalide",
    "parser_date_fr",
]

ANNEE_MIN = 1900
ANNEE_MAX = 2100
# Au-delà, la saisie ne peut pas être une date : inutile de l'analyser ou de la recopier.
LONGUEUR_MAX = 40

# jj/mm/aaaa, j/m/aaaa ; le même séparateur (/ . -) entre les trois nombres.
_DATE_FR = re.compile(r"([0-9]{1,2})([/.\-])([0-9]{1,2})\2([0-9]{4})")
_DATE_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class DateInvalide(ValueError):
    """Saisie qui n'est pas une date acceptée ; `motif` dit pourquoi.

    `motif` : « format » (saisie illisible), « inexistante » (31/02), « annee_hors_limites ».
    """

    def __init__(self, message: str, *, motif: str) -> None:
        super().__init__(message)
        self.motif = motif


def _extrait(texte: str) -> str:
    return texte[:LONGUEUR_MAX]


def parser_date_fr(texte: str) -> date:
    """« 14/07/1980 », « 1/7/1980 », « 14.07.1980 », « 14-07-1980 » ou « 1980-07-14 » → date.

    Lève `ValueError` (plus précisément `DateInvalide`) avec un message en français pour toute
    autre saisie, pour une date qui n'existe pas et pour une année hors de 1900–2100.
    """
    if not isinstance(texte, str):
        raise DateInvalide("date invalide (format attendu jj/mm/aaaa)", motif="format")
    propre = texte.strip()
    invalide = f"date invalide : « {_extrait(propre)} » (format attendu jj/mm/aaaa)"
    if len(propre) > LONGUEUR_MAX:
        raise DateInvalide(invalide, motif="format")
    if correspondance := _DATE_ISO.fullmatch(propre):
        annee, mois, jour = (int(x) for x in correspondance.groups())
    elif correspondance := _DATE_FR.fullmatch(propre):
        jour, mois, annee = (int(correspondance.group(i)) for i in (1, 3, 4))
    else:
        raise DateInvalide(invalide, motif="format")
    if not ANNEE_MIN <= annee <= ANNEE_MAX:
        raise DateInvalide(
            f"année hors limites : « {propre} » (années acceptées : {ANNEE_MIN} à {ANNEE_MAX})",
            motif="annee_hors_limites",
        )
    try:
        return date(annee, mois, jour)
    except ValueError:
        raise DateInvalide(invalide, motif="inexistante") from None


class ChampDateFr(forms.CharField):
    """Date saisie en texte jj/mm/aaaa (les agents la tapent, les navigateurs varient).

    Rend une `date` (ou `None` si le champ est vide et facultatif). Les messages d'erreur sont
    en français et peuvent être remplacés par `error_messages` : « invalid », « inexistante »,
    « annee_hors_limites ».
    """

    default_error_messages = {
        "invalid": "Saisissez une date au format jj/mm/aaaa, par exemple 14/07/1980.",
        "inexistante": (
            "Cette date n'existe pas. Saisissez une date au format jj/mm/aaaa, "
            "par exemple 14/07/1980."
        ),
        "annee_hors_limites": (
            f"Année hors limites : saisissez une année comprise entre {ANNEE_MIN} et {ANNEE_MAX}."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        # La longueur se vérifie sur le texte, pas sur la date rendue.
        kwargs.pop("max_length", None)
        kwargs.pop("min_length", None)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "10")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, date):
            return f"{value:%d/%m/%Y}"
        return value

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        if isinstance(value, date):
            return value
        texte = super().to_python(value)
        if texte is None or texte in self.empty_values:
            return None
        try:
            return parser_date_fr(texte)
        except DateInvalide as erreur:
            code = erreur.motif if erreur.motif in self.error_messages else "invalid"
            raise forms.ValidationError(self.error_messages[code], code=code) from erreur
