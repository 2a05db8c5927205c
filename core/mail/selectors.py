"""Lectures des comptes d'envoi pour les pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.mail.models import CompteSMTP
from core.mail.outbox import (
    MessageBoite,
    boite_demo_lisible,
    boite_demo_message,
    boite_demo_noms,
)
from core.tenancy.models import Collectivite


def comptes_des_agents(*, collectivite: Collectivite) -> QuerySet[CompteSMTP]:
    """Les comptes d'envoi personnels des agents de la collectivité (sans le compte de la
    collectivité), avec leur agent, par nom d'agent."""
    return (
        CompteSMTP.objects.pour(collectivite)
        .filter(utilisateur__isnull=False)
        .select_related("utilisateur")
        .order_by("utilisateur__last_name", "utilisateur__first_name", "pk")
    )


def boite_demo_courriels(*, utilisateur: Any) -> list[MessageBoite]:
    """Les courriels de la boîte de démonstration que `utilisateur` peut lire (voir
    `boite_demo_lisible`), en-têtes seulement."""
    courriels = []
    for nom in boite_demo_noms():
        courriel = boite_demo_message(nom, complet=False)
        if courriel is not None and boite_demo_lisible(courriel, utilisateur):
            courriels.append(courriel)
    return courriels
