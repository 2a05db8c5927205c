"""Admin Django : les travaux de fond."""

from __future__ import annotations

from django.contrib import admin

from core.admin_base import PerimetreAdmin
from core.travaux.models import Travail


@admin.register(Travail)
class TravailAdmin(PerimetreAdmin):
    list_display = [
        "cree_le",
        "libelle",
        "type",
        "collectivite",
        "statut",
        "progression",
        "total",
        "demandeur",
    ]
    list_filter = ["statut", "type", ("collectivite", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["libelle", "type", "erreur"]
    readonly_fields = [
        "commence_le",
        "termine_le",
        "tentatives",
        "battement_le",
        "mis_en_file_le",
        "mises_en_file",
    ]
    list_select_related = ["collectivite", "demandeur"]
