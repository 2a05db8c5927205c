"""Formulaires de la préparation d'une séance."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from convocations.models import Contact, Groupe
from convocations.seances.models import NatureDocument, Seance, TypeSeance
from convocations.seances.services import VARIABLES_MESSAGE, adresses_lire
from core.dates import ChampDateFr

_HEURE = re.compile(r"^\s*(\d{1,2})\s*(?:h|:|H)\s*(\d{2})?\s*$")


class ChampHeure(forms.CharField):
    """Heure tapée « 18 h 30 », « 18h30 », « 18:30 » ou « 18 h »."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Par exemple 18 h 30.")
        super().__init__(**kwargs)
        # La longueur se vérifie sur le texte, pas sur l'heure rendue.
        self.widget.attrs.setdefault("maxlength", "10")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, time):
            return f"{value.hour} h {value.minute:02d}"
        return value

    def to_python(self, value: Any) -> time | None:  # type: ignore[override]
        texte = super().to_python(value)
        if not texte:
            return None
        m = _HEURE.match(texte)
        if m is None or int(m.group(1)) > 23 or int(m.group(2) or 0) > 59:
            raise forms.ValidationError("Saisissez une heure comme 18 h 30.")
        return time(int(m.group(1)), int(m.group(2) or 0))


def _date_heure(jour: Any, heure: time | None) -> datetime | None:
    if jour is None or heure is None:
        return None
    return timezone.make_aware(datetime.combine(jour, heure))


class SeanceForm(forms.Form):
    type = forms.ChoiceField(label="Type de séance", choices=TypeSeance.choices)
    titre = forms.CharField(label="Titre", max_length=200)
    commission = forms.CharField(
        label="Nom de la commission",
        max_length=100,
        required=False,
        help_text="Pour une commission seulement, par exemple « Finances ».",
    )
    jour = ChampDateFr(label="Date de la séance", help_text="Au format jj/mm/aaaa.")
    heure = ChampHeure(label="Heure")
    lieu = forms.CharField(label="Lieu", max_length=200)
    distanciel_autorise = forms.BooleanField(
        label="Participation à distance autorisée", required=False
    )
    reponses_jour = ChampDateFr(
        label="Réponses modifiables jusqu'au (date)",
        required=False,
        help_text="Facultatif. Sans date, les élus peuvent changer leur réponse jusqu'à la séance.",
    )
    reponses_heure = ChampHeure(label="Réponses modifiables jusqu'à (heure)", required=False)
    urgence = forms.BooleanField(
        label="Urgence",
        required=False,
        help_text="Permet d'envoyer après le dernier jour légal (CGCT, art. L2121-11 et "
        "L2121-12). La justification est journalisée et imprimée sur la convocation.",
    )
    urgence_justification = forms.CharField(
        label="Justification de l'urgence",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    mot_de_passe = forms.CharField(
        label="Mot de passe d'accès (facultatif)",
        required=False,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Protège le message et les documents. Communiquez-le aux élus par un autre "
        "moyen. Il est enregistré haché : laissez vide pour garder l'actuel.",
    )
    retirer_mot_de_passe = forms.BooleanField(label="Retirer le mot de passe", required=False)
    copie = forms.CharField(
        label="Copie (cc)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Une adresse par ligne. À l'envoi, chaque adresse en copie devient un "
        "destinataire : elle reçoit son propre exemplaire, avec son lien et son suivi.",
    )
    copie_cachee = forms.CharField(
        label="Copie cachée (cci)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Une adresse par ligne. Comme la copie : chaque message n'a qu'un "
        "destinataire, personne ne voit les autres adresses.",
    )
    objet_message = forms.CharField(
        label="Objet du courriel", max_length=250, required=False, help_text=""
    )
    corps_message = forms.CharField(
        label="Texte du courriel", required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, seance: Seance | None = None, **kwargs: Any) -> None:
        if seance is not None and "initial" not in kwargs and not args:
            local = timezone.localtime(seance.date)
            reponses = (
                timezone.localtime(seance.reponses_jusqu_au) if seance.reponses_jusqu_au else None
            )
            kwargs["initial"] = {
                "type": seance.type,
                "titre": seance.titre,
                "commission": seance.commission,
                "jour": local.date(),
                "heure": local.time(),
                "lieu": seance.lieu,
                "distanciel_autorise": seance.distanciel_autorise,
                "reponses_jour": reponses.date() if reponses else None,
                "reponses_heure": reponses.time() if reponses else None,
                "urgence": seance.urgence,
                "urgence_justification": seance.urgence_justification,
                "copie": seance.copie,
                "copie_cachee": seance.copie_cachee,
                "objet_message": seance.objet_message,
                "corps_message": seance.corps_message,
                "version": seance.modifie_le.isoformat(),
            }
        super().__init__(*args, **kwargs)
        variables = ", ".join(f"{{{v}}} ({texte})" for v, texte in VARIABLES_MESSAGE.items())
        self.fields[
            "corps_message"
        ].help_text = f"Laissez vide pour le texte par défaut. Variables possibles : {variables}."
        self.fields[
            "objet_message"
        ].help_text = "Laissez vide pour « Convocation : {seance} du {date} »."
        if seance is None or not seance.mot_de_passe:
            del self.fields["retirer_mot_de_passe"]

    def clean_version(self) -> datetime | None:
        texte = self.cleaned_data.get("version") or ""
        try:
            return datetime.fromisoformat(texte) if texte else None
        except ValueError:
            return None

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        if donnees.get("reponses_jour") and not donnees.get("reponses_heure"):
            self.add_error("reponses_heure", "Indiquez aussi l'heure limite des réponses.")
        return donnees

    def donnees_seance(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "type": d["type"],
            "titre": d["titre"],
            "commission": d.get("commission", ""),
            "date": _date_heure(d["jour"], d["heure"]),
            "lieu": d["lieu"],
            "distanciel_autorise": d["distanciel_autorise"],
            "reponses_jusqu_au": _date_heure(d.get("reponses_jour"), d.get("reponses_heure")),
            "urgence": d["urgence"],
            "urgence_justification": d["urgence_justification"],
            "copie": d["copie"],
            "copie_cachee": d["copie_cachee"],
            "objet_message": d["objet_message"],
            "corps_message": d["corps_message"],
        }


class PointForm(forms.Form):
    titre = forms.CharField(label="Intitulé du point", max_length=300)
    rapporteur = forms.CharField(label="Rapporteur", max_length=150, required=False)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DocumentForm(forms.Form):
    nature = forms.ChoiceField(
        label="Nature du document",
        choices=[(v, label) for v, label in NatureDocument.choices],
    )
    titre = forms.CharField(
        label="Titre", max_length=200, required=False, help_text="Facultatif : la nature sinon."
    )
    fichier = forms.FileField(
        label="Fichier",
        help_text="PDF, ODT, DOCX, XLSX, ODS, PNG ou JPEG. Une nouvelle lettre, note, "
        "procès-verbal ou compte rendu devient une nouvelle version.",
        error_messages={"required": "Choisissez un fichier.", "empty": "Le fichier est vide."},
    )


def _libelle_contact(contact: Contact) -> str:
    return f"{contact.description} ({contact.email})" if contact.description else contact.email


class DestinatairesForm(forms.Form):
    groupes = forms.ModelMultipleChoiceField(
        label="Groupes",
        queryset=Groupe.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tous les membres du groupe, à la date de la séance pour un groupe automatique.",
    )
    contacts = forms.ModelMultipleChoiceField(
        label="Contacts",
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    adresses = forms.CharField(
        label="Autres adresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Une adresse par ligne (invités, agents…).",
    )

    def __init__(self, *args: Any, collectivite: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groupes = self.fields["groupes"]
        contacts = self.fields["contacts"]
        assert isinstance(groupes, forms.ModelMultipleChoiceField)
        assert isinstance(contacts, forms.ModelMultipleChoiceField)
        groupes.queryset = Groupe.objects.pour(collectivite).order_by("nom", "pk")
        contacts.queryset = Contact.objects.pour(collectivite).order_by("description", "email")
        contacts.label_from_instance = _libelle_contact  # type: ignore[method-assign,assignment]

    def clean_adresses(self) -> list[str]:
        try:
            return adresses_lire(self.cleaned_data.get("adresses", ""))
        except forms.ValidationError as erreur:
            raise forms.ValidationError(erreur.message_dict["adresses"]) from erreur

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        if not self.errors and not (
            donnees.get("groupes") or donnees.get("contacts") or donnees.get("adresses")
        ):
            raise forms.ValidationError("Choisissez un groupe, un contact ou tapez une adresse.")
        return donnees
