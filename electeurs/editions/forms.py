from __future__ import annotations

from typing import Any

from django import forms

from core.tenancy.models import Collectivite
from electeurs.editions.services import FormatEdition, ParametresEdition, TypeEdition
from electeurs.models import BureauDeVote, TypeListe


class EditionForm(forms.Form):
    edition = forms.ChoiceField(
        label="Édition", choices=TypeEdition.choices, widget=forms.RadioSelect
    )
    liste = forms.ChoiceField(label="Liste", choices=TypeListe.choices)
    bureau = forms.ModelChoiceField(
        label="Bureau de vote",
        queryset=BureauDeVote.objects.none(),
        required=False,
        empty_label="Tous les bureaux",
    )
    format = forms.ChoiceField(
        label="Format", choices=FormatEdition.choices, widget=forms.RadioSelect
    )
    debut = forms.DateField(
        label="Du",
        required=False,
        input_formats=["%d/%m/%Y"],
        help_text="Tableau des inscriptions et radiations seulement ; jj/mm/aaaa.",
    )
    fin = forms.DateField(
        label="Au",
        required=False,
        input_formats=["%d/%m/%Y"],
        help_text="Tableau des inscriptions et radiations seulement ; jj/mm/aaaa.",
    )

    def __init__(self, *args: Any, collectivite: Collectivite, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "edition": TypeEdition.LISTE_ELECTORALE,
                "liste": TypeListe.PRINCIPALE,
                "format": FormatEdition.PDF,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["bureau"].queryset = BureauDeVote.objects.pour(collectivite).order_by("code")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        if donnees.get("edition") == TypeEdition.TABLEAU:
            debut, fin = donnees.get("debut"), donnees.get("fin")
            if not debut and "debut" not in self.errors:
                self.add_error("debut", "Indiquez la date de début du tableau.")
            if not fin and "fin" not in self.errors:
                self.add_error("fin", "Indiquez la date de fin du tableau.")
            if debut and fin and fin < debut:
                self.add_error("fin", "La date de fin précède la date de début.")
        return donnees

    def parametres(self) -> ParametresEdition:
        donnees = self.cleaned_data
        tableau = donnees["edition"] == TypeEdition.TABLEAU
        bureau = donnees.get("bureau")
        return ParametresEdition(
            edition=donnees["edition"],
            liste=donnees["liste"],
            format=donnees["format"],
            bureau_id=bureau.pk if bureau else None,
            debut=donnees.get("debut") if tableau else None,
            fin=donnees.get("fin") if tableau else None,
        )
