"""Espaces personnels (registre) : une personne sans rôle d'agent arrive sur le sien au lieu
d'une impasse ; qui a aussi un rôle reste à l'Accueil et trouve le lien dans le menu."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse

from core.registry import EspacePersonnel, registre


@pytest.fixture
def espace_de_test() -> Iterator[EspacePersonnel]:
    espace = EspacePersonnel(
        "test",
        "Espace de test",
        "journal:liste",
        lambda u: u.username in {"u-sans-role", "u-secretariat"},
    )
    avant = dict(registre.espaces_personnels)
    registre.espaces_personnels.clear()
    registre.ajouter_espace_personnel(espace)
    yield espace
    registre.espaces_personnels.clear()
    registre.espaces_personnels.update(avant)


def test_sans_role_la_personne_arrive_sur_son_espace(monde, espace_de_test):
    reponse = monde.client("sans_role").get(reverse("pages:accueil"))
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("journal:liste")


def test_sans_espace_personnel_la_page_sans_acces_reste(monde, espace_de_test):
    reponse = monde.client("elu").get(reverse("pages:accueil"))
    assert reponse.status_code == 200
    assert "core/sans_acces.html" in [t.name for t in reponse.templates]


def test_un_agent_qui_a_aussi_un_espace_reste_a_l_accueil_et_voit_le_lien(monde, espace_de_test):
    reponse = monde.client("secretariat").get(reverse("pages:accueil"))
    assert reponse.status_code == 200
    assert f'href="{reverse("journal:liste")}">Espace de test' in reponse.content.decode()
    autre = monde.client("lecture").get(reverse("pages:accueil"))
    assert "Espace de test" not in autre.content.decode()


def test_l_anonyme_n_a_aucun_espace(espace_de_test):
    class Anonyme:
        is_authenticated = False

    assert registre.espaces_de(Anonyme()) == []
