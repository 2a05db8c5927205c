from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from convocations.models import Assemblee, Fonction, Groupe, Mandat, TypeGroupe
from core.comptes.models import Role, Utilisateur
from core.tenancy.models import Collectivite


class ContactForm(forms.Form):
    email = forms.CharField(label="Adresse électronique", max_length=254)
    description = forms.CharField(
        label="Description", max_length=200, required=False, help_text="Nom et prénom, ou service."
    )
    groupes = forms.ModelMultipleChoiceField(
        label="Groupes",
        queryset=Groupe.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Les groupes automatiques suivent les mandats et ne se cochent pas ici.",
    )
    utilisateur = forms.ModelChoiceField(
        label="Compte Écharpe (agent ou élu)",
        queryset=Utilisateur.objects.none(),
        required=False,
        empty_label="Aucun",
    )
    compte_collectivite = forms.BooleanField(
        label="Compte de la collectivité (convocable)", required=False
    )

    def __init__(self, *args: Any, collectivite: Collectivite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groupes = self.fields["groupes"]
        assert isinstance(groupes, forms.ModelMultipleChoiceField)
        groupes.queryset = Groupe.objects.pour(collectivite).filter(type=TypeGroupe.MANUEL)
        personnes = self.fields["utilisateur"]
        assert isinstance(personnes, forms.ModelChoiceField)
        # Seulement les personnes de cette collectivité : ses agents et ses élus.
        personnes.queryset = Utilisateur.objects.filter(
            Q(pk__in=Role.objects.pour(collectivite).values("utilisateur_id"))
            | Q(pk__in=Mandat.objects.pour(collectivite).values("utilisateur_id"))
        ).order_by("last_name", "first_name", "pk")


class GroupeForm(forms.Form):
    nom = forms.CharField(label="Nom du groupe", max_length=100)


class MandatForm(forms.Form):
    assemblee = forms.ChoiceField(label="Assemblée", choices=Assemblee.choices)
    commission = forms.CharField(
        label="Nom de la commission",
        max_length=100,
        required=False,
        help_text="Seulement pour une commission (par exemple « Finances »).",
    )
    fonction = forms.ChoiceField(label="Fonction", choices=Fonction.choices)
    debut = forms.DateField(label="Début du mandat", help_text="Par exemple 25/05/2026.")
    fin = forms.DateField(label="Fin du mandat", required=False)


class MandatTerminerForm(forms.Form):
    fin = forms.DateField(label="Dernier jour du mandat", help_text="Par exemple 31/12/2026.")


class ImportForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier CSV",
        help_text=(
            "Colonne 1 : adresse électronique ; colonne 2 : description ; colonnes 3 et "
            "suivantes : groupes. Format « CSV (séparateur : point-virgule) »."
        ),
    )
