"""Formulaires de l'espace élu et de l'accès des élus."""

from __future__ import annotations

from typing import Any

from django import forms

from core.dates import ChampDateFr


class NaissanceForm(forms.Form):
    date_naissance = ChampDateFr(
        label="Date de naissance de l'élu",
        help_text="Au format jj/mm/aaaa. L'élu la saisira pour prouver son identité.",
        error_messages={"required": "Indiquez la date de naissance."},
    )


class LienPerduForm(forms.Form):
    email = forms.EmailField(
        label="Votre adresse électronique",
        max_length=254,
        error_messages={
            "required": "Indiquez votre adresse électronique.",
            "invalid": "Cette adresse électronique n'est pas valide.",
        },
    )
    date_naissance = ChampDateFr(
        label="Votre date de naissance",
        help_text="Au format jj/mm/aaaa, par exemple 14/07/1980.",
        error_messages={"required": "Indiquez votre date de naissance."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["date_naissance"].widget.attrs.update({"autocomplete": "bday"})


class AdresseForm(forms.Form):
    """Adresse tapée deux fois (seed 002) : une faute de frappe ne détourne pas les courriels."""

    email = forms.EmailField(
        label="Adresse personnelle",
        max_length=254,
        error_messages={
            "required": "Indiquez l'adresse.",
            "invalid": "Cette adresse électronique n'est pas valide.",
        },
    )
    confirmation = forms.EmailField(
        label="Confirmation de l'adresse",
        max_length=254,
        help_text="Saisissez-la une deuxième fois, sans la copier.",
        error_messages={
            "required": "Saisissez l'adresse une deuxième fois.",
            "invalid": "Cette adresse électronique n'est pas valide.",
        },
    )

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        email, confirmation = donnees.get("email"), donnees.get("confirmation")
        if email and confirmation and email.strip().lower() != confirmation.strip().lower():
            self.add_error("confirmation", "Les deux adresses ne sont pas identiques.")
        return donnees


class NoticeAccuseForm(forms.Form):
    lu = forms.BooleanField(
        label="J'ai pris connaissance de cette notice.",
        error_messages={"required": "Cochez la case pour indiquer que vous avez lu la notice."},
    )
    actualites = forms.BooleanField(
        label="J'accepte de recevoir des informations sur l'avancement des projets.",
        required=False,
    )
    evenements = forms.BooleanField(
        label="J'accepte de recevoir des invitations aux événements.", required=False
    )


class ConsentementsForm(forms.Form):
    actualites = forms.BooleanField(
        label="Informations sur l'avancement des projets", required=False
    )
    evenements = forms.BooleanField(label="Invitations aux événements", required=False)


class NoticeRgpdForm(forms.Form):
    texte = forms.CharField(
        label="Texte de la notice",
        widget=forms.Textarea(attrs={"rows": 18}),
        max_length=20000,
        error_messages={"required": "Le texte de la notice ne peut pas être vide."},
    )
    adresse_dpd = forms.CharField(
        label="Adresse du délégué à la protection des données (DPD)",
        max_length=300,
        help_text="Adresse électronique ou postale où les élus exercent leurs droits.",
        error_messages={"required": "Indiquez l'adresse du DPD."},
    )


class NoteForm(forms.Form):
    texte = forms.CharField(
        label="Votre note",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        error_messages={
            "required": "Écrivez votre note.",
            "max_length": "Votre note dépasse 5 000 caractères.",
        },
    )


class RattachementForm(forms.Form):
    email = forms.EmailField(
        label="Adresse où cette collectivité vous écrit",
        max_length=254,
        error_messages={
            "required": "Indiquez l'adresse.",
            "invalid": "Cette adresse électronique n'est pas valide.",
        },
    )
