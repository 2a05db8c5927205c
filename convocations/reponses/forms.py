"""Formulaires du côté de l'élu et de la saisie par un agent."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from convocations.reponses.selectors import mandataires_possibles
from convocations.reponses.services import piece_verifier, presences_possibles, taille_max_piece
from convocations.seances.models import Destinataire, Presence


class MotDePasseSeanceForm(forms.Form):
    mot_de_passe = forms.CharField(
        label="Mot de passe de la séance",
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="Il figure dans le courriel de convocation ou vous a été donné par la mairie.",
        error_messages={"required": "Saisissez le mot de passe de la séance."},
    )


class _ChoixMandataire(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.nom or obj.email)


class ReponseForm(forms.Form):
    presence = forms.ChoiceField(
        label="Votre réponse",
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez votre réponse."},
    )
    mandataire = _ChoixMandataire(
        label="Pouvoir à",
        queryset=Destinataire.objects.none(),
        required=False,
        empty_label="Choisissez un membre",
        help_text="Seulement si vous donnez pouvoir : le membre qui votera en votre nom "
        "(CGCT, art. L2121-20). Il ne peut porter qu'un seul pouvoir.",
        error_messages={"invalid_choice": "Choisissez un membre de la liste."},
    )
    commentaire = forms.CharField(
        label="Commentaire (facultatif)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    piece = forms.FileField(
        label="Document joint (facultatif)",
        required=False,
        help_text="Par exemple votre pouvoir signé. PDF, PNG ou JPEG.",
    )

    def __init__(self, *args: Any, destinataire: Destinataire, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.destinataire = destinataire
        cast(forms.ChoiceField, self.fields["presence"]).choices = presences_possibles(destinataire)
        if destinataire.membre:
            cast(forms.ModelChoiceField, self.fields["mandataire"]).queryset = (  # type: ignore[type-arg]
                mandataires_possibles(destinataire)
            )
        else:
            del self.fields["mandataire"]
        self.fields["piece"].help_text += f" {taille_max_piece() // (1024 * 1024)} Mo au plus."
        self.fields["piece"].widget.attrs["accept"] = "application/pdf,image/png,image/jpeg"

    def clean_piece(self) -> Any:
        piece = self.cleaned_data.get("piece")
        if piece:
            piece_verifier(piece)
        return piece

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        if donnees.get("presence") == Presence.POUVOIR:
            if not donnees.get("mandataire"):
                self.add_error("mandataire", "Choisissez le membre qui votera pour vous.")
        else:
            donnees["mandataire"] = None
        return donnees


class ReponseAgentForm(ReponseForm):
    """La saisie par un agent (téléphone, courrier) ; lui seul peut retenir l'exception pour
    maladie au-delà de trois séances consécutives."""

    exception_maladie = forms.BooleanField(
        label="Maladie dûment constatée (pouvoir au-delà de trois séances consécutives)",
        required=False,
    )
    justification = forms.CharField(
        label="Justification de l'exception",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Par exemple : certificat médical du 02/12/2026.",
    )

    def __init__(self, *args: Any, destinataire: Destinataire, **kwargs: Any) -> None:
        super().__init__(*args, destinataire=destinataire, **kwargs)
        self.fields["presence"].label = "Réponse de l'élu"
        if not destinataire.membre:
            del self.fields["exception_maladie"]
            del self.fields["justification"]

    def clean(self) -> dict[str, Any]:
        donnees = super().clean()
        if donnees.get("exception_maladie") and not (donnees.get("justification") or "").strip():
            self.add_error("justification", "Justifiez l'exception pour maladie.")
        return donnees


class NouveauLienForm(forms.Form):
    email = forms.EmailField(
        label="Votre adresse électronique",
        max_length=254,
        help_text="Celle à laquelle vous recevez les convocations.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Saisissez votre adresse électronique.",
            "invalid": "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.",
        },
    )
