from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from core.formulaires import SelectLeger
from electeurs.reu.models import EtatNotificationREU, TypeNotificationREU

TAILLE_FICHIER_MAX = 5 * 1024 * 1024


class NotificationForm(forms.Form):
    type = forms.ChoiceField(label="Type", choices=TypeNotificationREU.choices)
    recue_le = forms.DateField(
        label="Reçue le", help_text="Au format jj/mm/aaaa.", input_formats=["%d/%m/%Y"]
    )
    texte = forms.CharField(
        label="Texte de la notification",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
    )


class ImportForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier des notifications (CSV)",
        help_text="Le fichier exporté d'ELIRE, séparé par des points-virgules ; 5 Mo au plus.",
    )

    def clean_fichier(self) -> UploadedFile:
        fichier: UploadedFile = self.cleaned_data["fichier"]
        if not fichier.size:
            raise ValidationError("Le fichier est vide (0 octet).")
        if fichier.size > TAILLE_FICHIER_MAX:
            raise ValidationError("Le fichier dépasse 5 Mo : découpez-le.")
        return fichier


class FiltresForm(forms.Form):
    etat = forms.ChoiceField(
        label="État",
        required=False,
        choices=[("", "Tous"), *EtatNotificationREU.choices],
        widget=SelectLeger,
    )
    type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "Tous"), *TypeNotificationREU.choices],
        widget=SelectLeger,
    )


class LierForm(forms.Form):
    electeur = forms.IntegerField(label="Électeur", widget=forms.HiddenInput)
