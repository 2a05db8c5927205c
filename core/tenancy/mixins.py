"""Contrôle d'accès des vues du back-office, limité à la collectivité courante.

La collectivité et le rôle courants se lisent par `acces(request)` (`core.tenancy.acces`).
Les vues du back-office héritent de `EspaceAgentMixin` : il vérifie la capacité et l'action
demandées, pose `self.collectivite` et `self.agent`, et donne `get_queryset()` (le `model` de
la vue limité à la collectivité courante) et `get_object()` (404 pour l'identifiant d'une
autre collectivité). Une vue de liste ou de détail n'écrit donc aucun `.pour()` à la main.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from core.comptes.models import Utilisateur
from core.comptes.permissions import Action, Capacite, role_peut
from core.tenancy.acces import acces
from core.tenancy.models import Collectivite, ModeleCollectivite


def collectivite_courante(request: HttpRequest) -> Collectivite | None:
    return acces(request).collectivite


def role_courant(request: HttpRequest) -> str | None:
    return acces(request).code_role


def choisir_collectivite(request: HttpRequest, collectivite_id: int) -> Collectivite | None:
    return acces(request).choisir(collectivite_id)


def peut(
    request: HttpRequest, capacite: Capacite | str, action: Action | str = Action.LIRE
) -> bool:
    return role_peut(role_courant(request), capacite, action)


class EspaceAgentMixin(AccessMixin):
    """Vue du back-office : connexion, rôle dans la collectivité courante, droit demandé.

    `capacite` et `action` disent ce que la vue demande ; `action_post` ce que demande un POST.
    """

    capacite: Capacite = Capacite.ACCUEIL
    model: type[ModeleCollectivite] | None = None
    action: Action = Action.LIRE
    action_post: Action | None = None
    request: HttpRequest
    collectivite: Collectivite
    agent: Utilisateur
    kwargs: dict[str, Any]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if collectivite_courante(request) is None:
            raise PermissionDenied("Votre compte n'a de rôle d'agent dans aucune collectivité.")
        action = self.action_post if request.method == "POST" and self.action_post else self.action
        if not peut(request, self.capacite, action):
            raise PermissionDenied("Votre rôle ne permet pas d'ouvrir cette page.")
        self.collectivite = cast(Collectivite, collectivite_courante(request))
        self.agent = cast(Utilisateur, request.user)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_queryset(self) -> QuerySet[Any]:
        """Les lignes du `model` de la vue, de la collectivité courante seulement."""
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} : attribut `model` manquant.")
        return self.model._default_manager.filter(collectivite=self.collectivite)

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Any:
        """L'objet demandé (`pk` de l'URL) ; 404 s'il est d'une autre collectivité."""
        return get_object_or_404(
            queryset if queryset is not None else self.get_queryset(), pk=self.kwargs["pk"]
        )


def texte_de_recherche(request: HttpRequest, nom: str = "q", *, longueur: int = 100) -> str:
    """Texte d'une boîte de recherche, nettoyé : PostgreSQL refuse l'octet NUL dans un texte
    (sinon une erreur 500), et une recherche n'a pas besoin de plus de `longueur` caractères."""
    return request.GET.get(nom, "").replace("\x00", "").strip()[:longueur]
