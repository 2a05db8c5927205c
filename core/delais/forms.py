"""Formulaires des délais : valeur locale d'un délai que la loi laisse au choix."""

from __future__ import annotations

from typing import Any

from django import forms

from core.dates import ChampDateFr


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
