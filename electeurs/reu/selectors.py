"""Lectures de la boîte des notifications du REU, limitées à une collectivité."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from core.tenancy.models import Collectivite
from electeurs.identite import normaliser
from electeurs.models import Electeur
from electeurs.reu.models import EtatNotificationREU, NotificationREU


def notifications_lister(
    *, collectivite: Collectivite, etat: str = "", type: str = ""
) -> QuerySet[NotificationREU]:
    notifications = NotificationREU.objects.pour(collectivite).select_related(
        "electeur", "traitee_par"
    )
    if etat:
        notifications = notifications.filter(etat=etat)
    if type:
        notifications = notifications.filter(type=type)
    return notifications


def notifications_reu_de(*, electeur: Electeur) -> QuerySet[NotificationREU]:
    """Les notifications du REU rattachées à un électeur (onglet de sa fiche), la plus récente
    d'abord ; gabarit : `electeurs/reu/_notifications_contenu.html` (`notifications_reu`)."""
    return (
        NotificationREU.objects.pour(electeur.collectivite_id)
        .filter(electeur=electeur)
        .select_related("traitee_par")
        .order_by("-recue_le", "-pk")
    )


def notifications_a_traiter_compter(collectivite: Collectivite, utilisateur: Any) -> int:
    """Compteur de l'Accueil « Notifications du REU à traiter »."""
    return (
        NotificationREU.objects.pour(collectivite)
        .filter(etat=EtatNotificationREU.A_TRAITER)
        .count()
    )


def electeurs_candidats(*, collectivite: Collectivite, q: str) -> QuerySet[Electeur]:
    """Électeurs dont le nom (de naissance ou d'usage) suivi des prénoms commence par `q`, ou
    dont l'INE vaut `q` : pour rattacher une notification à la main."""
    texte = normaliser(q)
    electeurs = Electeur.objects.pour(collectivite)
    if not texte:
        return electeurs.none()
    return electeurs.filter(
        Q(recherche_naissance__startswith=texte)
        | Q(recherche_usage__startswith=texte)
        | Q(ine=q.strip())
    ).order_by("recherche_naissance", "pk")[:20]
