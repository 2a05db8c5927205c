"""Admin Django : le journal, en lecture seule."""

from __future__ import annotations

from django.contrib import admin

from core.admin_base import LectureSeuleAdmin, PerimetreAdmin
from core.journal.models import ChaineJournal, EntreeJournal


@admin.register(ChaineJournal)
class ChaineJournalAdmin(LectureSeuleAdmin, PerimetreAdmin):
    list_display = ["__str__", "dernier_numero", "dernier_hash"]


@admin.register(EntreeJournal)
class EntreeJournalAdmin(LectureSeuleAdmin, PerimetreAdmin):
    list_display = [
        "horodatage",
        "numero",
        "collectivite",
        "acteur_libelle",
        "action",
        "objet_libelle",
        "sujet_libelle",
    ]
    list_filter = ["action", ("collectivite", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["action", "objet_libelle", "sujet_libelle", "acteur_libelle"]
    date_hierarchy = "horodatage"
    list_select_related = ["collectivite"]
