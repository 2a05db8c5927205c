"""Lectures de l'import de l'extrait REU."""

from __future__ import annotations

from django.db.models import QuerySet

from core.tenancy.models import Collectivite
from electeurs.imports.models import ImportREU


def imports_lister(*, collectivite: Collectivite) -> QuerySet[ImportREU]:
    return ImportREU.objects.pour(collectivite).select_related("depose_par")
