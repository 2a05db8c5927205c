"""Lectures des travaux suivis."""

from __future__ import annotations

from typing import Any

from core.tenancy.models import Collectivite
from core.travaux.models import StatutTravail, Travail


def travaux_en_cours_compter(collectivite: Collectivite, utilisateur: Any) -> int:
    """Travaux de la personne encore en attente ou en cours (compteur de l'Accueil)."""
    return (
        Travail.objects.pour(collectivite)
        .filter(
            demandeur=utilisateur, statut__in=[StatutTravail.EN_ATTENTE, StatutTravail.EN_COURS]
        )
        .count()
    )
