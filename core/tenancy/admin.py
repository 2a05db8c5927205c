"""Admin Django : les collectivités. Les modifications passent par `collectivite_modifier`
(journal « avant → après »), comme sur la page Paramètres."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin_base import PerimetreAdmin, collectivites_de, personne
from core.comptes.forms import valider_logo
from core.tenancy.models import Collectivite
from core.tenancy.services import CHAMPS_COLLECTIVITE, collectivite_creer, collectivite_modifier


class CollectiviteAdminForm(forms.ModelForm):
    """Même contrôle du logo que l'écran Paramètres (type réel, taille, nom aléatoire)."""

    class Meta:
        model = Collectivite
        fields = ["nom", "slug", "type", *CHAMPS_COLLECTIVITE, "logo"]

    def clean_logo(self) -> Any:
        return valider_logo(self.cleaned_data.get("logo"), modifie="logo" in self.changed_data)

    def donnees_modifiees(self) -> dict[str, Any]:
        """Les champs changés, pour le service ; « Effacer » le logo le vide."""
        donnees = {champ: self.cleaned_data[champ] for champ in self.changed_data}
        if donnees.get("logo") is False:
            donnees["logo"] = ""
        return donnees


@admin.register(Collectivite)
class CollectiviteAdmin(PerimetreAdmin):
    form = CollectiviteAdminForm
    champ_collectivite = "pk"
    list_display = ["nom", "type", "code_insee", "population_legale", "membre_3500_ou_plus"]
    list_filter = ["type", "membre_3500_ou_plus", "alsace_moselle"]
    search_fields = ["nom", "code_insee", "siren", "slug"]
    prepopulated_fields = {"slug": ["nom"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs if request.user.is_superuser else qs.filter(pk__in=collectivites_de(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def save_model(self, request: HttpRequest, obj: Collectivite, form: Any, change: bool) -> None:
        if not change:
            collectivite_creer(collectivite=obj, par=personne(request))
            return
        # Le formulaire a déjà modifié `obj` : le service part de la ligne enregistrée pour
        # voir les vraies différences (journal) et faire l'unique écriture.
        collectivite_modifier(
            collectivite=Collectivite.objects.get(pk=obj.pk),
            par=personne(request),
            donnees=form.donnees_modifiees(),
        )
        obj.refresh_from_db()
