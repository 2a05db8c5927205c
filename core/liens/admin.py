"""Admin Django : liens sécurisés (lecture seule) et compteurs d'essais d'identification."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin_base import LectureSeuleAdmin, PerimetreAdmin, personne
from core.liens.models import CompteurIdentite, LienSecurise
from core.liens.services import compteurs_identite_supprimer


@admin.register(LienSecurise)
class LienSecuriseAdmin(LectureSeuleAdmin, PerimetreAdmin):
    list_display = [
        "cree_le",
        "objectif",
        "cible_type",
        "cible_id",
        "expire_le",
        "utilise_le",
        "revoque_le",
        "verrouille_le",
    ]
    list_filter = ["objectif", "usage_unique", ("collectivite", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["cible_id", "objectif"]
    exclude = ["hash_jeton"]


@admin.register(CompteurIdentite)
class CompteurIdentiteAdmin(admin.ModelAdmin):
    """Essais d'identification par personne : supprimer la ligne rend ses essais à la
    personne. Sans collectivité : superutilisateurs seulement."""

    list_display = ["cible_type", "cible_id", "echecs", "dernier_echec", "verrouille_le"]
    readonly_fields = ["cible_type", "cible_id", "echecs", "dernier_echec", "verrouille_le"]
    search_fields = ["cible_id"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def delete_model(self, request: HttpRequest, obj: CompteurIdentite) -> None:
        compteurs_identite_supprimer(compteurs=[obj], par=personne(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        compteurs_identite_supprimer(compteurs=list(queryset), par=personne(request))
