"""Socle commun des pages de l'admin Django : périmètre de la personne, lecture seule, refus.

Chaque modèle rattaché à une collectivité est limité aux collectivités où la personne a un
rôle, sauf pour un superutilisateur. Les `admin.py` de chaque sous-paquet s'en servent ;
`core/admin.py` les importe pour que Django les découvre.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from core.comptes.models import Utilisateur
from core.tenancy.models import Collectivite


def collectivites_de(request: HttpRequest) -> QuerySet[Collectivite]:
    if request.user.is_superuser:
        return Collectivite.objects.all()
    return Collectivite.objects.filter(
        roles__utilisateur=cast(Utilisateur, request.user), roles__actif=True
    )


def personnes_du_perimetre(request: HttpRequest) -> QuerySet[Utilisateur]:
    """Les personnes qu'un membre du personnel peut voir dans une liste de choix : celles qui
    ont un rôle dans une de ses collectivités (jamais les gens d'ailleurs)."""
    qs = Utilisateur.objects.all()
    if request.user.is_superuser:
        return qs
    return qs.filter(roles__collectivite__in=collectivites_de(request)).distinct()


def personne(request: HttpRequest) -> Utilisateur:
    """La personne connectée, passée en `par` aux services (l'admin exige une connexion)."""
    return cast(Utilisateur, request.user)


class PerimetreMixin:
    """Limite les lignes et les choix de collectivité au périmètre de la personne (pour un
    ModelAdmin comme pour un inline). Les lignes sans collectivité (chaîne « plateforme » du
    journal) restent aux superutilisateurs."""

    champ_collectivite = "collectivite"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.champ_collectivite}__in": collectivites_de(request)})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not request.user.is_superuser:
            if db_field.name == "collectivite":
                kwargs["queryset"] = collectivites_de(request)
            elif db_field.related_model is Utilisateur and "queryset" not in kwargs:
                kwargs["queryset"] = personnes_du_perimetre(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not request.user.is_superuser:
            if db_field.related_model is Collectivite:
                kwargs["queryset"] = collectivites_de(request)
            elif db_field.related_model is Utilisateur and "queryset" not in kwargs:
                kwargs["queryset"] = personnes_du_perimetre(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class PerimetreAdmin(PerimetreMixin, admin.ModelAdmin):
    pass


class LectureSeuleAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def refuser(admin_: admin.ModelAdmin[Any], request: HttpRequest, erreur: ValidationError) -> None:
    """Règle violée au moment d'écrire (concurrence) : message d'erreur, pas de succès."""
    request._echarpe_refus = True  # type: ignore[attr-defined]
    admin_.message_user(request, " ".join(erreur.messages), messages.ERROR)


class RefusMixin:
    """Après `refuser`, le message de succès que l'admin ajoute ensuite est retenu."""

    def message_user(self, request: HttpRequest, message: Any, *args: Any, **kwargs: Any) -> None:
        niveau = args[0] if args else kwargs.get("level", messages.INFO)
        if getattr(request, "_echarpe_refus", False) and niveau == messages.SUCCESS:
            return
        super().message_user(request, message, *args, **kwargs)  # type: ignore[misc]
