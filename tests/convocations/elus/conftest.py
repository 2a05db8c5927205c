"""Un élu de la collectivité du `monde`, avec contact et mandat, sans accès encore."""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.http import HttpResponse

from convocations.models import Contact
from core.comptes.models import Utilisateur
from tests.conftest import Monde
from tests.convocations.factories import ContactFactory, MandatFactory
from tests.factories import UtilisateurFactory

NAISSANCE = date(1970, 5, 12)


def texte(reponse: HttpResponse) -> str:
    """Le contenu de la page, entités HTML décodées (l'apostrophe devient « ' »)."""
    return html.unescape(reponse.content.decode())


def nouvel_elu(monde: Monde, *, username: str = "elu.dupont", actif: bool = False) -> Contact:
    utilisateur = UtilisateurFactory(
        username=username,
        first_name="Jeanne",
        last_name="Dupont",
        email=f"{username}@mairie.test",
        date_naissance=NAISSANCE,
    )
    if not actif:
        utilisateur.set_unusable_password()
        utilisateur.save()
    contact = ContactFactory(
        collectivite=monde.collectivite,
        email=utilisateur.email,
        description="Jeanne Dupont",
        utilisateur=utilisateur,
    )
    MandatFactory(collectivite=monde.collectivite, utilisateur=utilisateur)
    return contact  # type: ignore[no-any-return]


@pytest.fixture
def contact_elu(monde: Monde) -> Contact:
    return nouvel_elu(monde)


@pytest.fixture
def elu(monde: Monde) -> Utilisateur:
    return nouvel_elu(monde, username="elu.martin", actif=True).utilisateur  # type: ignore[return-value]
