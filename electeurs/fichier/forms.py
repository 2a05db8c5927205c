"""Formulaires du fichier électoral : filtres de la liste, contact, INE, bureau de vote."""

from __future__ import annotations

from typing import Any

from django import forms

from core.formulaires import EntreeTexte, SelectLeger
from core.tenancy.models import Collectivite
from electeurs.fichier.selectors import bureaux_choix
from electeurs.models import BureauDeVote, Electeur, StatutElecteur, TypeListe


class BureauChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class FiltresElecteursForm(forms.Form):
    """La boîte de recherche et les filtres de la liste (GET)."""

    q = forms.CharField(
        label="Nom, date de naissance ou INE",
        required=False,
        max_length=100,
        widget=EntreeTexte(attrs={"type": "search", "autocomplete": "off"}),
        help_text="Début du nom puis des prénoms (« dupre hel »), date jj/mm/aaaa ou INE.",
    )
    bureau = BureauChoiceField(
        label="Bureau de vote",
        queryset=BureauDeVote.objects.none(),
        required=False,
        empty_label="Tous les bureaux",
        widget=SelectLeger,
        error_messages={"invalid_choice": "Choisissez un bureau de la liste."},
    )
    liste = forms.ChoiceField(
        label="Liste",
        required=False,
        choices=[("", "Toutes les listes"), *TypeListe.choices],
        widget=SelectLeger,
        error_messages={"invalid_choice": "Choisissez une liste de la liste proposée."},
    )
    statut = forms.ChoiceField(
        label="Statut",
        required=False,
        choices=[("", "Tous les statuts"), *StatutElecteur.choices],
        widget=SelectLeger,
        error_messages={"invalid_choice": "Choisissez un statut de la liste proposée."},
    )

    def __init__(self, *args: Any, collectivite: Collectivite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bureau"].queryset = bureaux_choix(  # type: ignore[attr-defined]
            collectivite=collectivite
        )

    def filtres(self) -> dict[str, Any]:
        """Les filtres valides (un champ en erreur est ignoré, son message est affiché)."""
        donnees = getattr(self, "cleaned_data", {})
        return {
            "texte": (donnees.get("q") or "").replace("\x00", ""),
            "bureau": donnees.get("bureau"),
            "liste": donnees.get("liste") or None,
            "statut": donnees.get("statut") or None,
        }


class ContactForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Electeur
        fields = ["courriel", "telephone", "adresse_contact"]
        widgets = {"adresse_contact": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "courriel": "Pour les avis envoyés par courriel.",
            "adresse_contact": "Si elle diffère de l'adresse de rattachement.",
        }
        error_messages = {
            "courriel": {"invalid": "Saisissez un courriel valide, par exemple nom@exemple.fr."}
        }


class IneForm(forms.Form):
    ine = forms.CharField(
        label="Identifiant national d'électeur (INE)",
        required=False,
        max_length=40,
        help_text="Imprimé sur la carte électorale. Laissez vide pour l'effacer.",
    )

    def clean_ine(self) -> str:
        ine = "".join((self.cleaned_data.get("ine") or "").split()).upper()
        if ine and not (ine.isalnum() and ine.isascii() and 6 <= len(ine) <= 20):
            raise forms.ValidationError(
                "L'INE s'écrit avec 6 à 20 chiffres ou lettres, sans autre signe."
            )
        return ine


class BureauForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = BureauDeVote
        fields = [
            "code",
            "libelle",
            "adresse",
            "circonscription_code",
            "circonscription_libelle",
            "canton_libelle",
        ]
        widgets = {"adresse": forms.Textarea(attrs={"rows": 3})}
