"""Matrice d'accès des agents, rôles et comptes (voir `tests/matrice.py`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from core.comptes.models import Invitation, Role
from tests.conftest import Monde
from tests.matrice import A, Cas, E, L, attendus


def _role_agent(monde: Monde) -> dict[str, Any]:
    return {"pk": Role.objects.get(utilisateur=monde.personnes[E]).pk}


def _role_lecture(monde: Monde) -> dict[str, Any]:
    return {"pk": Role.objects.get(utilisateur=monde.personnes[L]).pk}


def _invitation(monde: Monde) -> dict[str, Any]:
    invitation = Invitation.objects.create(
        collectivite=monde.collectivite,
        email="invite@exemple.test",
        role=L,
        expire_le=timezone.now() + timedelta(days=14),
    )
    return {"pk": invitation.pk}


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
    Cas(
        "comptes:invitation_renvoyer",
        attendus({A}, ok=302, autre=404),
        kwargs=_invitation,
        methode="post",
    ),
    Cas(
        "comptes:invitation_annuler",
        attendus({A}, ok=302, autre=404),
        kwargs=_invitation,
        methode="post",
    ),
]

_AUTHENTIFICATION = "Authentification : publique par nature, testée dans test_auth.py."
_INVITATION = (
    "Page du lien d'invitation : l'accès se fait par jeton (test_invitations.py, test_securite.py)."
)
HORS_MATRICE = {
    "login": _AUTHENTIFICATION,
    "logout": _AUTHENTIFICATION,
    "password_change": _AUTHENTIFICATION,
    "password_change_done": _AUTHENTIFICATION,
    "password_reset": _AUTHENTIFICATION,
    "password_reset_done": _AUTHENTIFICATION,
    "password_reset_confirm": _AUTHENTIFICATION,
    "password_reset_complete": _AUTHENTIFICATION,
    "comptes:invitation": _INVITATION,
}
