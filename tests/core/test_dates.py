"""L'analyseur unique des dates saisies à la française et son champ de formulaire."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from core.dates import ANNEE_MAX, ANNEE_MIN, ChampDateFr, DateInvalide, parser_date_fr

# --- parser_date_fr ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("14/07/1980", date(1980, 7, 14)),
        ("1/7/1980", date(1980, 7, 1)),
        ("14.07.1980", date(1980, 7, 14)),
        ("14-07-1980", date(1980, 7, 14)),
        ("1980-07-14", date(1980, 7, 14)),
        ("  14/07/1980\n", date(1980, 7, 14)),
        ("29/02/2024", date(2024, 2, 29)),
        ("01/01/1900", date(1900, 1, 1)),
        ("31/12/2100", date(2100, 12, 31)),
        ("1900-01-01", date(1900, 1, 1)),
    ],
)
def test_formats_acceptes(texte, attendu):
    assert parser_date_fr(texte) == attendu


@pytest.mark.parametrize(
    "texte",
    [
        "",
        "demain",
        "14/07/80",
        "14/07",
        "1980",
        "14/07-1980",  # séparateurs mélangés
        "1980/07/14",
        "1980-7-14",
        "14 07 1980",
        "14/07/1980 12:00",
        "١٤/٠٧/١٩٨٠",  # chiffres arabes-indiens : pas des chiffres ASCII
        "14/07/1980\x00",
    ],
)
def test_saisies_refusees(texte):
    with pytest.raises(DateInvalide) as exc:
        parser_date_fr(texte)
    assert exc.value.motif == "format"
    assert str(exc.value) == f"date invalide : « {texte.strip()} » (format attendu jj/mm/aaaa)"


def test_une_date_qui_n_existe_pas():
    with pytest.raises(ValueError) as exc:
        parser_date_fr("31/02/2024")
    assert str(exc.value) == "date invalide : « 31/02/2024 » (format attendu jj/mm/aaaa)"
    assert exc.value.motif == "inexistante"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="date invalide"):
        parser_date_fr("00/01/2000")
    with pytest.raises(ValueError, match="date invalide"):
        parser_date_fr("2026-13-01")


@pytest.mark.parametrize(
    "texte", ["31/12/9999", "01/01/0001", "31/12/1899", "01/01/2101", "9999-12-31", "0000-01-01"]
)
def test_annee_hors_limites(texte):
    with pytest.raises(ValueError) as exc:
        parser_date_fr(texte)
    assert str(exc.value).startswith(f"année hors limites : « {texte} »")
    assert "1900 à 2100" in str(exc.value)
    assert exc.value.motif == "annee_hors_limites"  # type: ignore[attr-defined]


def test_un_texte_long_n_est_pas_recopie_en_entier():
    with pytest.raises(ValueError) as exc:
        parser_date_fr("1" * 10_000)
    assert len(str(exc.value)) < 100


def test_autre_chose_qu_un_texte_leve_value_error():
    with pytest.raises(ValueError, match="jj/mm/aaaa"):
        parser_date_fr(None)  # type: ignore[arg-type]


@given(st.text(max_size=60))
def test_propriete_ne_leve_que_value_error(texte):
    try:
        resultat = parser_date_fr(texte)
    except ValueError as exc:
        assert isinstance(exc, DateInvalide)
        assert str(exc).startswith(("date invalide : « ", "année hors limites : « "))
    else:
        assert ANNEE_MIN <= resultat.year <= ANNEE_MAX


@given(st.from_regex(r"\A\s*[0-9]{1,4}[/.\-][0-9]{1,4}[/.\-][0-9]{1,5}\s*\Z", fullmatch=True))
def test_propriete_ne_leve_que_value_error_sur_des_presque_dates(texte):
    try:
        resultat = parser_date_fr(texte)
    except ValueError as exc:
        assert isinstance(exc, DateInvalide)
    else:
        assert isinstance(resultat, date)


@given(st.dates(date(ANNEE_MIN, 1, 1), date(ANNEE_MAX, 12, 31)))
def test_propriete_relit_ce_qu_il_affiche(jour):
    assert parser_date_fr(f"{jour:%d/%m/%Y}") == jour
    assert parser_date_fr(f"{jour.day}.{jour.month}.{jour.year}") == jour
    assert parser_date_fr(jour.isoformat()) == jour


# --- ChampDateFr -------------------------------------------------------------------------------


class Formulaire(forms.Form):
    le = ChampDateFr(label="Le", error_messages={"required": "Indiquez la date."})
    facultatif = ChampDateFr(label="Facultatif", required=False)


def _erreurs(donnees):
    form = Formulaire(donnees)
    assert not form.is_valid()
    return form.errors


def test_le_champ_rend_une_date():
    form = Formulaire({"le": " 14/07/1980 ", "facultatif": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"le": date(1980, 7, 14), "facultatif": None}


@pytest.mark.parametrize(
    ("saisie", "message"),
    [
        ("", "Indiquez la date."),
        ("demain", "Saisissez une date au format jj/mm/aaaa, par exemple 14/07/1980."),
        ("31/02/2024", "Cette date n'existe pas. Saisissez une date au format jj/mm/aaaa"),
        ("31/12/9999", "Année hors limites : saisissez une année comprise entre 1900 et 2100."),
        ("x" * 500, "Saisissez une date au format jj/mm/aaaa"),
    ],
)
def test_le_champ_donne_des_erreurs_en_francais(saisie, message):
    erreurs = _erreurs({"le": saisie})
    assert list(erreurs) == ["le"]
    assert erreurs["le"][0].startswith(message)


def test_le_champ_affiche_une_date_a_la_francaise():
    form = Formulaire(initial={"le": date(2026, 11, 25)})
    assert 'value="25/11/2026"' in str(form["le"])
    assert 'maxlength="10"' in str(form["le"])
    # Une saisie refusée revient telle quelle dans le champ.
    assert 'value="31/02/2024"' in str(Formulaire({"le": "31/02/2024"})["le"])
