"""Ce que la requête sait de la personne : ses rôles actifs, le rôle et la collectivité courants.

Un seul accès typé, `acces(request)`, calculé à la première lecture puis gardé pour la durée de
la requête ; rien n'est posé en attribut libre sur `HttpRequest`. La collectivité courante est
en session (`CLE_SESSION`) ; sans choix, c'est celle du premier rôle reçu.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from core.comptes.models import Role
from core.tenancy.models import Collectivite

CLE_SESSION = "collectivite_id"
_CLE_REQUETE = "_echarpe_acces"
_CLE_ROLES = "_echarpe_roles_actifs"


def memoriser_roles_actifs(utilisateur: Any, roles: list[Role]) -> None:
    """Les rôles actifs du compte, lus avec lui (`core.comptes.backends`) : `roles_actifs`
    les rend sans relire la base pendant la requête."""
    vars(utilisateur)[_CLE_ROLES] = list(roles)


def roles_actifs(utilisateur: Any) -> list[Role]:
    # Le compte vient d'être lu (session) : `is_active` se vérifie ici, sans jointure.
    if not getattr(utilisateur, "is_authenticated", False) or not utilisateur.is_active:
        return []
    # `getattr`, pas `vars` : `request.user` est un `SimpleLazyObject` qui enveloppe le compte.
    deja_lus = getattr(utilisateur, _CLE_ROLES, None)
    if deja_lus is not None:
        return list(deja_lus)
    return list(
        Role.objects.filter(utilisateur=utilisateur, actif=True)
        .select_related("collectivite")
        .order_by("collectivite__nom")
    )


class Acces:
    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def roles(self) -> list[Role]:
        return roles_actifs(self._request.user)

    @cached_property
    def role(self) -> Role | None:
        if not self.roles:
            return None
        voulu = self._request.session.get(CLE_SESSION)
        for role in self.roles:
            if role.collectivite_id == voulu:
                return role
        # Sans choix en session : la collectivité du premier rôle reçu (la « maison » de l'agent).
        return min(self.roles, key=lambda r: (r.cree_le, r.pk))

    @property
    def collectivite(self) -> Collectivite | None:
        return self.role.collectivite if self.role else None

    @property
    def code_role(self) -> str | None:
        return self.role.role if self.role else None

    def choisir(self, collectivite_id: int) -> Collectivite | None:
        """Change de collectivité si la personne y a un rôle actif ; sinon ne change rien."""
        for role in self.roles:
            if role.collectivite_id == collectivite_id:
                self._request.session[CLE_SESSION] = collectivite_id
                self.role = role  # remplace la valeur mise en cache
                return role.collectivite
        return None


def acces(request: HttpRequest) -> Acces:
    cache = vars(request)
    trouve = cache.get(_CLE_REQUETE)
    if not isinstance(trouve, Acces):
        trouve = cache[_CLE_REQUETE] = Acces(request)
    return trouve
