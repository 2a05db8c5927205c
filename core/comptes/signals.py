"""Oublier le compte gardé en cache (`core.comptes.garde`) dès qu'une écriture le touche."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.comptes.garde import oublier_comptes
from core.comptes.models import Role, Utilisateur
from core.tenancy.models import Collectivite


@receiver(post_save, sender=Utilisateur, dispatch_uid="compte_garde_utilisateur_save")
@receiver(post_delete, sender=Utilisateur, dispatch_uid="compte_garde_utilisateur_delete")
def _oublier_utilisateur(sender: Any, instance: Utilisateur, **kwargs: Any) -> None:
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
