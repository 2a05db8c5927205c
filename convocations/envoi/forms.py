from __future__ import annotations

from django import forms


class PapierForm(forms.Form):
    le = forms.DateField(
        label="Envoyé ou remis sur papier le",
        help_text="Format : 25/11/2026.",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": "Indiquez la date de l'envoi papier.",
            "invalid": "Date invalide : écrivez-la comme 25/11/2026.",
        },
    )
