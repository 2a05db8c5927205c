"""Onglet « Éditions » d'une séance : barre d'onglets, résumé du quorum et de la règle de délai,
formulaires selon le rôle, erreurs en français."""

from __future__ import annotations

import pytest
from django.urls import reverse

from convocations.editions.services import TYPE_EMARGEMENT
from convocations.seances.onglets import onglets_seance
from core.comptes.models import TypeRole
from core.travaux.models import Travail

A, S, L = TypeRole.ADMINISTRATEUR, TypeRole.SECRETARIAT, TypeRole.LECTURE
pytestmark = pytest.mark.django_db


def _url(seance) -> str:
    return reverse("convocations:seance_editions", args=[seance.pk])


def test_l_onglet_est_inscrit_au_registre_des_onglets():
    (onglet,) = [o for o in onglets_seance.tous() if o.cle == "editions"]
    assert (onglet.titre, onglet.url_name) == ("Éditions", "convocations:seance_editions")


def test_la_page_montre_l_onglet_courant_le_quorum_et_la_regle(monde, seance_editions):
    reponse = monde.client(S).get(_url(seance_editions.seance))
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert f'<a href="{_url(seance_editions.seance)}" aria-current="page">Éditions</a>' in html
    assert "Membres en exercice : 7 ; quorum : 4 présents" in html
    assert "le quorum ne serait pas atteint" in html
    assert "Dernier jour d'envoi : 24/11/2026" in html
    assert "Éditer la liste d'émargement" in html
    assert "Éditer le dossier de preuve" in html


def test_la_lecture_seule_voit_la_page_sans_les_boutons(monde, seance_editions):
    html = monde.client(L).get(_url(seance_editions.seance)).content.decode()
    assert "Éditer le dossier de preuve" not in html
    assert "demandez-les au secrétariat" in html


def test_les_editions_recentes_de_la_seance_sont_listees(
    monde, seance_editions, django_capture_on_commit_callbacks
):
    client = monde.client(A)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(seance_editions.seance), {"edition": "emargement", "format": "csv"})
    travail = Travail.objects.get(type=TYPE_EMARGEMENT)
    html = client.get(_url(seance_editions.seance)).content.decode()
    assert reverse("travaux:detail", args=[travail.pk]) in html
    assert "Liste d&#x27;émargement, Conseil municipal du 28 novembre (CSV)" in html


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        ({"edition": "autre"}, "Choisissez une édition proposée par la page."),
        ({"edition": "emargement", "format": "docx"}, "Choisissez le format PDF ou CSV."),
        ({"edition": "emargement"}, "Choisissez le format PDF ou CSV."),
    ],
)
def test_une_demande_invalide_est_refusee_en_francais(monde, seance_editions, donnees, message):
    reponse = monde.client(S).post(_url(seance_editions.seance), donnees)
    assert reponse.status_code == 400
    assert message in reponse.content.decode()
    assert not Travail.objects.exists()
