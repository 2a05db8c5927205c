"""Formulaire de la page « Éditions » d'une séance."""

from __future__ import annotations

from typing import Any

from django import forms

from convocations.editions.services import TYPE_DOSSIER_PREUVE, TYPE_EMARGEMENT, FormatEmargement

EDITIONS = {
    "emargement": TYPE_EMARGEMENT,
    "dossier_preuve": TYPE_DOSSIER_PREUVE,
}


class EditionSeanceForm(forms.Form):
    edition = forms.ChoiceField(
        label="Édition",
        choices=[("emargement", "Liste d'émargement"), ("dossier_preuve", "Dossier de preuve")],
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Choisissez une édition proposée par la page."},
    )
    format = forms.ChoiceField(
        label="Format",
        choices=FormatEmargement.choices,
        initial=FormatEmargement.PDF,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choisissez le format PDF ou CSV."},
    )

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        if donnees.get("edition") == "emargement" and not donnees.get("format"):
            self.add_error("format", "Choisissez le format PDF ou CSV.")
        return donnees

    @property
    def type_travail(self) -> str:
        return EDITIONS[self.cleaned_data["edition"]]
