"""Admin Django : les délais. Valeurs nationales : personnel de la plateforme ; surcharges :
leur collectivité. Chaque écriture passe par un service qui la journalise."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from core.admin_base import collectivites_de, personne
from core.delais.models import Delai
from core.delais.services import delai_creer, delai_modifier, delai_supprimer


@admin.register(Delai)
class DelaiAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "libelle",
        "valeur",
        "unite",
        "reference",
        "confirme",
        "valide_du",
        "valide_au",
        "collectivite",
    ]
    list_filter = [
        "unite",
        "confirme",
        "surchargeable",
        ("collectivite", admin.EmptyFieldListFilter),
    ]
    search_fields = ["code", "libelle", "reference"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(
            Q(collectivite__isnull=True) | Q(collectivite__in=collectivites_de(request))
        )

    # Une valeur nationale vaut pour toutes les collectivités : seul un superutilisateur la
    # change ou la supprime ; le personnel d'une collectivité la lit et gère ses surcharges.
    def has_change_permission(self, request: HttpRequest, obj: Delai | None = None) -> bool:
        if obj is not None and obj.collectivite_id is None and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Delai | None = None) -> bool:
        if obj is not None and obj.collectivite_id is None and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        if not request.user.is_superuser and "collectivite" in form.base_fields:
            # Le personnel n'ajoute que des surcharges de ses collectivités.
            form.base_fields["collectivite"].required = True
        return form

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "collectivite" and not request.user.is_superuser:
            kwargs["queryset"] = collectivites_de(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Delai, form: Any, change: bool) -> None:
        if not change:
            delai_creer(delai=obj, par=personne(request))
            return
        # Le formulaire a déjà modifié `obj` : le service relit la ligne enregistrée pour
        # journaliser les vraies différences.
        delai_modifier(
            delai=obj,
            par=personne(request),
            donnees={champ: form.cleaned_data[champ] for champ in form.changed_data},
        )
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Delai) -> None:
        delai_supprimer(delai=obj, par=personne(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        if not request.user.is_superuser:
            queryset = queryset.filter(collectivite__isnull=False)
        with transaction.atomic():
            for delai in queryset:
                delai_supprimer(delai=delai, par=personne(request))
