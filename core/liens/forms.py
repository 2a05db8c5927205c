"""Formulaires des liens sécurisés : vérification d'identité, choix du mot de passe."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm

from core.dates import ChampDateFr


class IdentiteForm(forms.Form):
    date_naissance = ChampDateFr(
        label="Date de naissance",
        help_text="Au format jj/mm/aaaa, par exemple 14/07/1980.",
        error_messages={"required": "Indiquez votre date de naissance."},
    )
    departement = forms.CharField(
        label="Département de naissance",
        max_length=3,
        help_text="Deux chiffres (2A ou 2B pour la Corse, trois chiffres outre-mer) ; 99 si "
        "vous êtes né ou née à l'étranger.",
        error_messages={"required": "Indiquez votre département de naissance."},
    )

    def __init__(self, *args: Any, departement: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date_naissance"].widget.attrs.update({"autocomplete": "bday"})
        if not departement:
            del self.fields["departement"]


class MotDePasseForm(SetPasswordForm):
    """Choix du mot de passe à l'activation du compte (validateurs de Django)."""

    error_messages = {"password_mismatch": "Les deux mots de passe ne correspondent pas."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields["new_password1"].help_text = (
            "Au moins 10 caractères, pas uniquement des chiffres, ni trop proche de votre "
            "nom ou de votre identifiant."
        )
        self.fields["new_password2"].label = "Confirmez le mot de passe"
        self.fields["new_password2"].help_text = "Saisissez le même mot de passe."
