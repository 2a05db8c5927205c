"""Lectures du fichier électoral, toujours limitées à une collectivité."""

from __future__ import annotations

from django.db.models import QuerySet

from core.tenancy.models import Collectivite
from electeurs.models import Electeur


def electeurs_lister(*, collectivite: Collectivite) -> QuerySet[Electeur]:
    """Les électeurs de la collectivité, dans l'ordre alphabétique."""
    return Electeur.objects.pour(collectivite).order_by("recherche_naissance", "pk")
