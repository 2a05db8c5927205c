"""Fixtures communes : deux collectivités, une personne par profil, un client par profil.

Les profils du tableau d'accès (`core.comptes.permissions`) plus ceux qui ne doivent rien voir :
`anonyme`, `sans_role`, `elu` (utilisateur sans rôle d'agent), `autre_collectivite`
(administrateur d'une autre collectivité).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from core.models import Collectivite, Role, TypeRole, Utilisateur
from tests.factories import CollectiviteFactory, RoleFactory, UtilisateurFactory

PROFILS_AGENTS = [r.value for r in TypeRole]
PROFILS = ["anonyme", *PROFILS_AGENTS, "sans_role", "elu", "autre_collectivite"]


@dataclass
class Monde:
    collectivite: Collectivite
    autre: Collectivite
    personnes: dict[str, Utilisateur]

    def client(self, profil: str, *, csrf: bool = False) -> Client:
        client = Client(enforce_csrf_checks=csrf)
        if profil != "anonyme":
            client.force_login(self.personnes[profil])
        return client


@pytest.fixture
def monde(db) -> Monde:
    collectivite = CollectiviteFactory(nom="Saint-Test", slug="saint-test")
    autre = CollectiviteFactory(nom="Autre-Ville", slug="autre-ville")
    personnes: dict[str, Utilisateur] = {}
    for role in PROFILS_AGENTS:
        personnes[role] = RoleFactory(
            collectivite=collectivite, role=role, utilisateur__username=f"u-{role}"
        ).utilisateur
    personnes["sans_role"] = UtilisateurFactory(username="u-sans-role")
    personnes["elu"] = UtilisateurFactory(username="u-elu", first_name="Élise")
    personnes["autre_collectivite"] = RoleFactory(
        collectivite=autre, role=TypeRole.ADMINISTRATEUR, utilisateur__username="u-autre"
    ).utilisateur
    return Monde(collectivite=collectivite, autre=autre, personnes=personnes)


@pytest.fixture
def collectivite(monde: Monde) -> Collectivite:
    return monde.collectivite


@pytest.fixture
def admin_client(monde: Monde) -> Client:
    """Client connecté en administrateur de la collectivité (remplace celui de pytest-django)."""
    return monde.client(TypeRole.ADMINISTRATEUR)


@pytest.fixture
def administrateur(monde: Monde) -> Utilisateur:
    return monde.personnes[TypeRole.ADMINISTRATEUR]


__all__ = ["Monde", "PROFILS", "PROFILS_AGENTS", "Role"]


@pytest.fixture(autouse=True)
def _cache_vide():
    """Le cache en mémoire survit d'un test à l'autre : chaque test part d'un cache vide."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
