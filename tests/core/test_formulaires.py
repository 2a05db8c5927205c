"""Une `ValidationError` de service sur un formulaire : sous le champ, ou en tête."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from core.formulaires import erreurs_vers_formulaire


class _Form(forms.Form):
    nom = forms.CharField(required=False)


def _form() -> _Form:
    form = _Form({"nom": "x"})
    assert form.is_valid()
    return form


def test_erreur_de_champ_sous_le_champ() -> None:
    form = _form()
    erreurs_vers_formulaire(form, ValidationError({"nom": "Nom déjà pris."}))
    assert form.errors["nom"] == ["Nom déjà pris."]
    assert form.non_field_errors() == []


def test_champ_absent_du_formulaire_en_tete_sans_500() -> None:
    form = _form()
    erreurs_vers_formulaire(form, ValidationError({"courriel": "Adresse refusée."}))
    assert form.non_field_errors() == ["Adresse refusée."]
    assert "courriel" not in form.errors


def test_message_simple_et_liste_en_tete() -> None:
    form = _form()
    erreurs_vers_formulaire(form, ValidationError(["Un.", "Deux."]))
    assert form.non_field_errors() == ["Un.", "Deux."]
