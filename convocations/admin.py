from django.contrib import admin

from convocations.models import Contact, Groupe, Mandat
from core.admin_base import PerimetreAdmin


@admin.register(Contact)
class ContactAdmin(PerimetreAdmin):
    list_display = ["email", "description", "collectivite", "compte_collectivite"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["email", "description"]
    raw_id_fields = ["utilisateur"]


@admin.register(Groupe)
class GroupeAdmin(PerimetreAdmin):
    list_display = ["nom", "type", "collectivite"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter), "type"]


@admin.register(Mandat)
class MandatAdmin(PerimetreAdmin):
    list_display = ["utilisateur", "assemblee", "commission", "fonction", "debut", "fin"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter), "assemblee"]
    raw_id_fields = ["utilisateur"]
