"""Admin Django : comptes, rôles et invitations. Les écritures passent par les services de
`core.comptes.services` (règle du dernier administrateur, verrous, journal)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin_base import (
    LectureSeuleAdmin,
    PerimetreAdmin,
    PerimetreMixin,
    RefusMixin,
    collectivites_de,
    personne,
    refuser,
)
from core.comptes.models import Invitation, Role, Utilisateur
from core.comptes.services import (
    role_creer,
    role_modifier,
    role_supprimer,
    utilisateur_enregistrer,
    verifier_dernier_administrateur,
)


def personnes_attribuables(request: HttpRequest) -> QuerySet[Utilisateur]:
    """Personnes à qui un membre du personnel (non superutilisateur) peut donner un rôle :
    celles de son périmètre qui n'ont aucun lien ailleurs (ni rôle hors de ses collectivités,
    ni statut de personnel de la plateforme)."""
    qs = Utilisateur.objects.all()
    if request.user.is_superuser:
        return qs
    return (
        qs.filter(is_staff=False, is_superuser=False)
        .filter(roles__collectivite__in=collectivites_de(request))
        .exclude(roles__in=Role.objects.exclude(collectivite__in=collectivites_de(request)))
        .distinct()
    )


class RoleAdminForm(forms.ModelForm):
    """La règle du dernier administrateur est celle du service (`comptes.services`), affichée ici
    à sa place ; l'enregistrement passe ensuite par le service, sous verrou."""

    class Meta:
        model = Role
        fields = ["utilisateur", "collectivite", "role", "actif"]

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        if self.instance.pk:
            enregistre = Role.objects.filter(pk=self.instance.pk).first()
            if enregistre is not None:
                verifier_dernier_administrateur(
                    role=enregistre,
                    nouveau_role=donnees.get("role"),
                    actif=bool(donnees.get("actif")),
                )
        return donnees


class RoleAdminMixin:
    form: type[forms.ModelForm[Any]] = RoleAdminForm

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "utilisateur":
            kwargs["queryset"] = personnes_attribuables(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Retirer un accès passe par « actif » (règle du dernier administrateur, journal).
        return request.user.is_superuser and super().has_delete_permission(request, obj)  # type: ignore[misc]


def _enregistrer_role(request: HttpRequest, role: Role) -> Role:
    """Création ou modification d'un rôle depuis l'admin, par les services de Paramètres."""
    if role.pk:
        return role_modifier(
            role=role, par=personne(request), nouveau_role=role.role, actif=role.actif
        )
    cree = role_creer(
        utilisateur=role.utilisateur,
        collectivite=role.collectivite,
        role=role.role,
        actif=role.actif,
        par=personne(request),
    )
    role.pk = cree.pk
    role._state.adding = False
    return cree


class RoleInline(RoleAdminMixin, PerimetreMixin, admin.TabularInline):
    model = Role
    extra = 0
    fields = ["collectivite", "role", "actif"]


@admin.register(Utilisateur)
class UtilisateurAdmin(RefusMixin, UserAdmin):
    list_display = [
        "username",
        "last_name",
        "first_name",
        "email",
        "is_staff",
        "is_active",
        "last_login",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "roles__role"]
    search_fields = ["username", "first_name", "last_name", "email"]
    inlines = [RoleInline]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            "Identité (vérification des liens)",
            {"fields": ["date_naissance", "departement_naissance", "telephone"]},
        ),
    )

    # Seul un superutilisateur distribue les droits de la plateforme : sinon un membre du
    # personnel pourrait se nommer superutilisateur ou élargir son périmètre.
    CHAMPS_RESERVES = ("is_superuser", "is_staff", "groups", "user_permissions")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return (
            qs.filter(roles__collectivite__in=collectivites_de(request))
            .exclude(is_superuser=True)
            .distinct()
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        connectee = request.user
        if (
            obj is not None
            and not connectee.is_superuser
            and obj.pk != connectee.pk
            and (
                obj.is_staff
                or obj.is_superuser
                or obj.roles.exclude(collectivite__in=collectivites_de(request)).exists()
            )
        ):
            # Quelqu'un qui travaille aussi ailleurs : seul un superutilisateur le modifie
            # (mot de passe, courriel), sinon un périmètre donnerait accès à un autre.
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        champs = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return champs
        return (*champs, *self.CHAMPS_RESERVES)

    def save_model(self, request: HttpRequest, obj: Utilisateur, form: Any, change: bool) -> None:
        # Personnel, superutilisateur, compte actif : le service journalise ce qui change.
        utilisateur_enregistrer(utilisateur=obj, par=personne(request))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Role:
            return super().save_formset(request, form, formset, change)
        # Les rôles passent par les services : la règle du dernier administrateur et ses
        # verrous sont les mêmes qu'en Paramètres.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        try:
            with transaction.atomic():
                for sous_form in formset.deleted_forms:
                    if sous_form.instance.pk:
                        role_supprimer(role=sous_form.instance, par=personne(request))
                        formset.deleted_objects.append(sous_form.instance)
                for sous_form in formset.forms:
                    if sous_form in formset.deleted_forms or not sous_form.has_changed():
                        continue
                    role = sous_form.instance
                    role.utilisateur = form.instance
                    nouveau = not role.pk
                    _enregistrer_role(request, role)
                    if nouveau:
                        formset.new_objects.append(role)
                    else:
                        formset.changed_objects.append((role, sous_form.changed_data))
        except ValidationError as erreur:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            refuser(self, request, erreur)
        return None


@admin.register(Role)
class RoleAdmin(RefusMixin, RoleAdminMixin, PerimetreAdmin):
    list_display = ["utilisateur", "collectivite", "role", "actif", "cree_le"]
    list_filter = ["role", "actif", ("collectivite", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["utilisateur__username", "utilisateur__last_name", "collectivite__nom"]
    autocomplete_fields = ["utilisateur"]
    list_select_related = ["utilisateur", "collectivite"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Un rôle ne change ni de personne ni de collectivité : on en crée un autre.
        champs = tuple(super().get_readonly_fields(request, obj))
        return (*champs, "utilisateur", "collectivite") if obj is not None else champs

    def save_model(self, request: HttpRequest, obj: Role, form: Any, change: bool) -> None:
        try:
            _enregistrer_role(request, obj)
        except ValidationError as erreur:
            refuser(self, request, erreur)

    def delete_model(self, request: HttpRequest, obj: Role) -> None:
        try:
            role_supprimer(role=obj, par=personne(request))
        except ValidationError as erreur:
            refuser(self, request, erreur)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        try:
            with transaction.atomic():
                for role in queryset:
                    role_supprimer(role=role, par=personne(request))
        except ValidationError as erreur:
            refuser(self, request, erreur)


@admin.register(Invitation)
class InvitationAdmin(LectureSeuleAdmin):
    """Superutilisateurs seulement : le compte qui a accepté vient souvent d'une autre
    collectivité, que le personnel de la collectivité invitante n'a pas à connaître."""

    list_display = [
        "cree_le",
        "email",
        "collectivite",
        "role",
        "statut",
        "expire_le",
        "utilisateur",
    ]
    list_filter = ["statut", "role"]
    search_fields = ["email", "utilisateur__username", "collectivite__nom"]
    list_select_related = ["utilisateur", "collectivite"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser
