"""Oublier le compte gardé en cache (`core.comptes.garde`) dès qu'une écriture le touche."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.comptes.backends import roles_actifs_lus
from core.comptes.garde import DUREE_COMPTE_GARDE, cle_compte, oublier_comptes
from core.comptes.models import Role, Utilisateur
from core.tenancy.models import Collectivite


@receiver(post_save, sender=Utilisateur, dispatch_uid="compte_garde_utilisateur_save")
@receiver(post_delete, sender=Utilisateur, dispatch_uid="compte_garde_utilisateur_delete")
def _oublier_utilisateur(sender: Any, instance: Utilisateur, **kwargs: Any) -> None:
    # La date de dernière connexion, écrite à chaque connexion, ne sert à rien de ce qui est
    # gardé (les pages qui la montrent la lisent en base) : le compte gardé à la connexion
    # (`_garder_a_la_connexion`) survit ainsi à la validation de la requête de connexion.
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return
    oublier_comptes([instance.pk])


@receiver(post_save, sender=Role, dispatch_uid="compte_garde_role_save")
@receiver(post_delete, sender=Role, dispatch_uid="compte_garde_role_delete")
def _oublier_role(sender: Any, instance: Role, **kwargs: Any) -> None:
    oublier_comptes([instance.utilisateur_id])


@receiver(post_save, sender=Collectivite, dispatch_uid="compte_garde_collectivite_save")
def _oublier_collectivite(sender: Any, instance: Collectivite, **kwargs: Any) -> None:
    # Les rôles gardés portent leur collectivité (nom, population, réglages) : chaque compte
    # qui y a un rôle la relit.
    oublier_comptes(
        Role.objects.filter(collectivite=instance).values_list("utilisateur_id", flat=True)
    )


@receiver(user_logged_in, dispatch_uid="compte_garde_connexion")
def _garder_a_la_connexion(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """La première page après la connexion trouve le compte gardé, comme les suivantes."""
    cache.set(cle_compte(user.pk), roles_actifs_lus(user.pk), DUREE_COMPTE_GARDE)
