"""Formulaires des délais : valeur locale d'un délai que la loi laisse au choix."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from core.delais import parser_date_fr


class ChampDateFr(forms.Field):
    """Date saisie en texte jj/mm/aaaa (les agents la tapent, les navigateurs varient)."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "10")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, date):
            return f"{value:%d/%m/%Y}"
        return value

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        texte = str(value).strip()
        if not texte:
            return None
        if len(texte) > 30:
            raise forms.ValidationError(
                "Saisissez une date au format jj/mm/aaaa, par exemple 14/07/1980.",
                code="invalid",
            )
        try:
            return parser_date_fr(texte)
        except ValueError as erreur:
            raise forms.ValidationError(str(erreur), code="invalid") from erreur


class DelaiSurchargerForm(forms.Form):
    valeur = forms.IntegerField(
        label="Nouvelle valeur",
        min_value=0,
        max_value=365,
        error_messages={
            "required": "Indiquez la valeur du délai.",
            "invalid": "Saisissez un nombre entier, par exemple 3.",
            "min_value": "La valeur ne peut pas être négative.",
            "max_value": "La valeur ne peut pas dépasser 365.",
        },
    )
    valide_du = ChampDateFr(
        label="En vigueur à partir du",
        help_text="Au format jj/mm/aaaa, aujourd'hui ou plus tard.",
        error_messages={"required": "Indiquez la date d'entrée en vigueur."},
    )

    def __init__(self, *args: Any, unite: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if unite:
            self.fields["valeur"].label = f"Nouvelle valeur ({unite})"
        self.fields["valide_du"].widget.attrs.update({"autocomplete": "off"})
