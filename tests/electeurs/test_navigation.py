"""Une seule entrée de la navigation principale porte `aria-current`, celle de la rubrique."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conftest import Monde

pytestmark = pytest.mark.django_db


def _courantes(monde: Monde, url: str) -> list[str]:
    page = monde.client("agent_elections").get(url).content.decode()
    navigation = page[page.index('aria-label="Navigation principale"') :]
    navigation = navigation[: navigation.index("</nav>")]
    return re.findall(r'aria-current="page">([^<]+)</a>', navigation)


@pytest.mark.parametrize(
    ("url_name", "attendue"),
    [
        ("pages:accueil", "Accueil"),
        ("electeurs:liste", "Électeurs"),
        ("electeurs:bureaux", "Électeurs"),
        ("electeurs:reu_liste", "Notifications du REU"),
        ("electeurs:reu_nouvelle", "Notifications du REU"),
        ("electeurs:editions", "Éditions"),
    ],
)
def test_une_seule_entree_courante(monde: Monde, url_name: str, attendue: str) -> None:
    assert _courantes(monde, reverse(url_name)) == [attendue]
