"""Matrice d'accès des agents, rôles et comptes (voir `tests/matrice.py`)."""

from __future__ import annotations

from typing import Any

from core.comptes.models import Role
from tests.conftest import Monde
from tests.matrice import A, Cas, E, L, attendus


def _role_agent(monde: Monde) -> dict[str, Any]:
    return {"pk": Role.objects.get(utilisateur=monde.personnes[E]).pk}


def _role_lecture(monde: Monde) -> dict[str, Any]:
    return {"pk": Role.objects.get(utilisateur=monde.personnes[L]).pk}


CAS_MATRICE = [
    Cas("comptes:agents", attendus({A})),
    Cas("comptes:agent_ajouter", attendus({A})),
    Cas("comptes:agent_modifier", attendus({A}, autre=404), kwargs=_role_agent),
    Cas(
        "comptes:agent_activation",
        attendus({A}, ok=302, autre=404),
        kwargs=_role_lecture,
        methode="post",
    ),
]

_AUTHENTIFICATION = "Authentification : publique par nature, testée dans test_auth.py."
_INVITATIONS = "Invitations reçues : tout compte connecté, chacun les siennes (test_securite.py)."
HORS_MATRICE = {
    "login": _AUTHENTIFICATION,
    "logout": _AUTHENTIFICATION,
    "password_change": _AUTHENTIFICATION,
    "password_change_done": _AUTHENTIFICATION,
    "password_reset": _AUTHENTIFICATION,
    "password_reset_done": _AUTHENTIFICATION,
    "password_reset_confirm": _AUTHENTIFICATION,
    "password_reset_complete": _AUTHENTIFICATION,
    "comptes:invitations": _INVITATIONS,
    "comptes:invitation_accepter": _INVITATIONS,
    "comptes:invitation_refuser": _INVITATIONS,
}
