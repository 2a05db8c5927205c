"""Collectivité courante et contrôle d'accès des vues du back-office.

La collectivité courante est en session ; le middleware la place sur `request.collectivite`
avec le rôle de la personne (`request.role`). Les vues du back-office héritent de
`EspaceAgentMixin` et lisent leurs lignes par `Modele.objects.pour(request.collectivite)` :
un identifiant d'une autre collectivité répond donc 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from core.models import Collectivite, Role, Utilisateur
from core.permissions import Action, Capacite, role_peut

CLE_SESSION = "collectivite_id"


def roles_actifs(utilisateur: Any) -> list[Role]:
    if not getattr(utilisateur, "is_authenticated", False):
        return []
    return list(
        Role.objects.filter(utilisateur=utilisateur, actif=True, utilisateur__is_active=True)
        .select_related("collectivite")
        .order_by("collectivite__nom")
    )


def _role_courant(request: HttpRequest) -> Role | None:
    roles = request.roles_actifs  # type: ignore[attr-defined]
    if not roles:
        return None
    voulu = request.session.get(CLE_SESSION)
    for role in roles:
        if role.collectivite_id == voulu:
            return role
    # Sans choix en session : la collectivité du premier rôle reçu (la « maison » de l'agent).
    return min(roles, key=lambda r: (r.cree_le, r.pk))


class CollectiviteMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.roles_actifs = SimpleLazyObject(lambda: roles_actifs(request.user))  # type: ignore[attr-defined]
        request.role_courant = SimpleLazyObject(lambda: _role_courant(request))  # type: ignore[attr-defined]
        return self.get_response(request)


def collectivite_courante(request: HttpRequest) -> Collectivite | None:
    role = request.role_courant  # type: ignore[attr-defined]
    return role.collectivite if role else None


def role_courant(request: HttpRequest) -> str | None:
    role = request.role_courant  # type: ignore[attr-defined]
    return role.role if role else None


def choisir_collectivite(request: HttpRequest, collectivite_id: int) -> Collectivite | None:
    """Change de collectivité si la personne y a un rôle actif ; sinon ne change rien."""
    for role in request.roles_actifs:  # type: ignore[attr-defined]
        if role.collectivite_id == collectivite_id:
            request.session[CLE_SESSION] = collectivite_id
            request.role_courant = role  # type: ignore[attr-defined]
            return role.collectivite
    return None


def peut(
    request: HttpRequest, capacite: Capacite | str, action: Action | str = Action.LIRE
) -> bool:
    return role_peut(role_courant(request), capacite, action)


class EspaceAgentMixin(AccessMixin):
    """Vue du back-office : connexion, rôle dans la collectivité courante, droit demandé.

    `capacite` et `action` disent ce que la vue demande ; `action_post` ce que demande un POST.
    """

    capacite: Capacite = Capacite.ACCUEIL
    action: Action = Action.LIRE
    action_post: Action | None = None
    request: HttpRequest
    collectivite: Collectivite
    agent: Utilisateur

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if collectivite_courante(request) is None:
            raise PermissionDenied("Votre compte n'a de rôle d'agent dans aucune collectivité.")
        action = self.action_post if request.method == "POST" and self.action_post else self.action
        if not peut(request, self.capacite, action):
            raise PermissionDenied("Votre rôle ne permet pas d'ouvrir cette page.")
        self.collectivite = collectivite_courante(request)  # type: ignore[assignment]
        self.agent = cast(Utilisateur, request.user)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def texte_de_recherche(request: HttpRequest, nom: str = "q", *, longueur: int = 100) -> str:
    """Texte d'une boîte de recherche, nettoyé : PostgreSQL refuse l'octet NUL dans un texte
    (sinon une erreur 500), et une recherche n'a pas besoin de plus de `longueur` caractères."""
    return request.GET.get(nom, "").replace("\x00", "").strip()[:longueur]
