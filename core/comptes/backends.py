"""Moteur d'authentification d'Écharpe : celui de Django, dont la lecture du compte à chaque
requête rapporte aussi ses rôles actifs.

Chaque page du back-office lit le compte (session), puis ses rôles (`core.tenancy.acces`) :
deux allers-retours vers la base. Ici, une seule requête lit les rôles actifs avec leur compte
et leur collectivité ; `acces(request)` les retrouve sans relire la base. Un compte sans rôle
actif (personnel de la plateforme, agent retiré) est lu comme le fait Django.
"""

from __future__ import annotations

from functools import cache as une_fois
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import connection
from django.db.models import Model

from core.comptes.garde import DUREE_COMPTE_GARDE, cle_compte
from core.comptes.models import Role, Utilisateur
from core.tenancy.acces import memoriser_roles_actifs
from core.tenancy.models import Collectivite

BACKEND_COMPTES = "core.comptes.backends.ComptesBackend"


# Les colonnes lues, dans l'ordre du SELECT de `select_related` : le rôle, son compte, sa
# collectivité.
_MODELES: tuple[type[Model], ...] = (Role, Utilisateur, Collectivite)


_TEMOIN = -987_654_321


@une_fois
def _colonnes_roles_actifs() -> tuple[tuple[str, ...], ...]:
    """Les noms des colonnes de chaque modèle lu, dans l'ordre du SELECT (une fois par
    processus, comme le SQL)."""
    return tuple(tuple(f.attname for f in m._meta.concrete_fields) for m in _MODELES)


@une_fois
def _sql_roles_actifs() -> tuple[str, tuple[Any, ...]]:
    """Le SQL de la lecture des rôles actifs avec leur compte et leur collectivité, écrit une
    fois par processus par l'ORM : chaque page du back-office le rejoue avec l'identifiant du
    compte, sans reconstruire ni recompiler la requête (un tiers du temps de la lecture)."""
    requete = (
        Role.objects.filter(utilisateur_id=_TEMOIN, actif=True)
        .select_related("utilisateur", "collectivite")
        .order_by("collectivite__nom")
    )
    sql, parametres = requete.query.sql_with_params()
    if list(parametres).count(_TEMOIN) != 1:
        raise RuntimeError(f"Paramètres inattendus pour la lecture des rôles : {parametres}")
    return sql, tuple(parametres)


def roles_actifs_lus(user_id: int) -> list[Role]:
    colonnes = _colonnes_roles_actifs()
    with connection.cursor() as curseur:
        sql, parametres = _sql_roles_actifs()
        curseur.execute(sql, [user_id if p == _TEMOIN else p for p in parametres])
        lignes = curseur.fetchall()
    roles: list[Role] = []
    for ligne in lignes:
        objets: list[Any] = []
        debut = 0
        for modele, noms in zip(_MODELES, colonnes, strict=True):
            objets.append(modele.from_db(connection.alias, noms, ligne[debut : debut + len(noms)]))
            debut += len(noms)
        role, utilisateur, collectivite = objets
        role.utilisateur = utilisateur
        role.collectivite = collectivite
        roles.append(role)
    return roles


class ComptesBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Utilisateur | None:
        try:
            identifiant = int(user_id)
        except (TypeError, ValueError):
            return None
        cle = cle_compte(identifiant)
        roles: list[Role] | None = cache.get(cle)
        if roles is None:
            roles = roles_actifs_lus(identifiant)
            cache.set(cle, roles, DUREE_COMPTE_GARDE)
        if not roles:
            return super().get_user(user_id)  # type: ignore[return-value]
        utilisateur = roles[0].utilisateur
        if not self.user_can_authenticate(utilisateur):
            return None
        for role in roles:
            role.utilisateur = utilisateur
        memoriser_roles_actifs(utilisateur, roles)
        return utilisateur
