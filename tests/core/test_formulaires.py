"""Une `ValidationError` de service sur un formulaire : sous le champ, ou en tête."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from core.formulaires import EntreeTexte, SelectLeger, champ_html, echapper, erreurs_vers_formulaire


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


class _FormChamps(forms.Form):
    nom = forms.CharField(label="Nom <complet> & prénom", help_text="Aide <em>riche</em>.")
    commune = forms.CharField(required=False, label="Commune")
    accepte = forms.BooleanField(required=False, label="J'accepte")
    choix = forms.ChoiceField(
        label="Choix",
        choices=[("", "Tous"), ("a", "A & <b>"), ("b", "Bé")],
        required=False,
        widget=SelectLeger,
    )
    date = forms.CharField(required=False, label="Date", widget=EntreeTexte)


@pytest.mark.parametrize(
    "donnees",
    [
        None,
        {"nom": "", "commune": "x", "choix": "zz", "date": '"><script>'},
        {"nom": "Éa <b>", "accepte": "on", "choix": "a"},
    ],
)
def test_champ_html_identique_au_composant(donnees: dict[str, str] | None) -> None:
    """`champ_html` (page du journal) rend au caractère près `components/champ.html`, erreurs,
    aide, case à cocher, champ obligatoire et textes à échapper compris."""
    form = _FormChamps(donnees)
    if donnees is not None:
        # Le deuxième jeu a des erreurs (nom manquant, choix inconnu) : rendues par les deux.
        assert form.is_valid() == ("commune" not in donnees)
    for champ in form:
        attendu = render_to_string("components/champ.html", {"field": champ})
        assert champ_html(champ) == attendu


def test_select_leger_echappe_et_selectionne() -> None:
    form = _FormChamps({"choix": "a"})
    assert str(form["choix"]) == (
        '<select id="id_choix" name="choix"><option value="">Tous</option>'
        '<option value="a" selected>A &amp; &lt;b&gt;</option><option value="b">Bé</option>'
        "</select>"
    )


def test_echapper_comme_django() -> None:
    for valeur in ['<a href="x">l\'a & b</a>', mark_safe("<b>sûr</b>"), 12, "é"]:
        assert echapper(valeur) == conditional_escape(valeur)
