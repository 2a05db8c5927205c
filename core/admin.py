"""Administration Django pour le personnel de la plateforme.

Chaque modèle rattaché à une collectivité est limité aux collectivités où la personne a un
rôle, sauf pour un superutilisateur. Le journal est en lecture seule.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from core.forms import valider_logo
from core.models import (
    ChaineJournal,
    Collectivite,
    CompteSMTP,
    Delai,
    EntreeJournal,
    LienSecurise,
    MessageEnvoye,
    Role,
    Travail,
    TypeRole,
    Utilisateur,
)
from core.services import CHAMPS_COLLECTIVITE
from core.smtp import CHAMPS_COMPTE, verifier_changement_serveur


def collectivites_de(request: HttpRequest) -> QuerySet[Collectivite]:
    if request.user.is_superuser:
        return Collectivite.objects.all()
    return Collectivite.objects.filter(
        roles__utilisateur=cast(Utilisateur, request.user), roles__actif=True
    )


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
        if db_field.name == "collectivite" and not request.user.is_superuser:
            kwargs["queryset"] = collectivites_de(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class PerimetreAdmin(PerimetreMixin, admin.ModelAdmin):
    pass


class LectureSeuleAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def personnes_attribuables(request: HttpRequest) -> QuerySet[Utilisateur]:
    """Personnes à qui un membre du personnel (non superutilisateur) peut donner un rôle : ni
    le personnel de la plateforme, ni une personne qui a un rôle hors de son périmètre."""
    qs = Utilisateur.objects.all()
    if request.user.is_superuser:
        return qs
    return qs.filter(is_staff=False, is_superuser=False).exclude(
        roles__in=Role.objects.exclude(collectivite__in=collectivites_de(request))
    )


class RoleAdminForm(forms.ModelForm):
    """La règle de Paramètres vaut aussi ici : la collectivité garde un administrateur actif."""

    class Meta:
        model = Role
        fields = ["utilisateur", "collectivite", "role", "actif"]

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        avant = self.instance
        if avant.pk and avant.role == TypeRole.ADMINISTRATEUR and avant.actif:
            reste_admin = (
                donnees.get("role") == TypeRole.ADMINISTRATEUR and donnees.get("actif") is True
            )
            autres = (
                Role.objects.filter(
                    collectivite_id=avant.collectivite_id,
                    role=TypeRole.ADMINISTRATEUR,
                    actif=True,
                )
                .exclude(pk=avant.pk)
                .exists()
            )
            if not reste_admin and not autres:
                raise ValidationError(
                    "La collectivité doit garder au moins un administrateur actif : nommez-en "
                    "un autre avant de modifier ce rôle."
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


class RoleInline(RoleAdminMixin, PerimetreMixin, admin.TabularInline):
    model = Role
    extra = 0
    fields = ["collectivite", "role", "actif"]


class CollectiviteAdminForm(forms.ModelForm):
    """Même contrôle du logo que l'écran Paramètres (type réel, taille, nom aléatoire)."""

    class Meta:
        model = Collectivite
        fields = ["nom", "slug", "type", *CHAMPS_COLLECTIVITE, "logo"]

    def clean_logo(self) -> Any:
        return valider_logo(self.cleaned_data.get("logo"), modifie="logo" in self.changed_data)


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


@admin.register(Utilisateur)
class UtilisateurAdmin(UserAdmin):
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
        personne = request.user
        if (
            obj is not None
            and not personne.is_superuser
            and obj.pk != personne.pk
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


@admin.register(Role)
class RoleAdmin(RoleAdminMixin, PerimetreAdmin):
    list_display = ["utilisateur", "collectivite", "role", "actif", "cree_le"]
    list_filter = ["role", "actif", "collectivite"]
    search_fields = ["utilisateur__username", "utilisateur__last_name", "collectivite__nom"]
    autocomplete_fields = ["utilisateur"]
    list_select_related = ["utilisateur", "collectivite"]


class CompteSMTPAdminForm(forms.ModelForm):
    mot_de_passe = forms.CharField(
        label="Mot de passe",
        required=False,
        strip=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False),
        help_text="Laissez vide pour garder le mot de passe enregistré (il faut le saisir à "
        "nouveau si le serveur ou l'identifiant change). Il est chiffré.",
    )

    class Meta:
        model = CompteSMTP
        fields = ["collectivite", "utilisateur", *CHAMPS_COMPTE]

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        if self.instance.pk is not None:
            try:
                verifier_changement_serveur(
                    compte=self.instance, donnees=donnees, mot_de_passe=donnees.get("mot_de_passe")
                )
            except ValidationError as erreur:
                self.add_error(None, erreur)
        return donnees

    def save(self, commit: bool = True) -> Any:
        from core.smtp import chiffrer

        if self.cleaned_data.get("mot_de_passe"):
            self.instance.mot_de_passe_chiffre = chiffrer(self.cleaned_data["mot_de_passe"])
        return super().save(commit=commit)


@admin.register(CompteSMTP)
class CompteSMTPAdmin(PerimetreAdmin):
    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "utilisateur" and not request.user.is_superuser:
            kwargs["queryset"] = Utilisateur.objects.filter(
                roles__collectivite__in=collectivites_de(request)
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    form = CompteSMTPAdminForm
    list_display = [
        "adresse_expediteur",
        "utilisateur",
        "collectivite",
        "hote",
        "port",
        "securite",
        "dernier_test_reussi",
    ]
    list_filter = ["securite", "collectivite", "dernier_test_reussi"]
    search_fields = ["adresse_expediteur", "hote", "utilisateur__username"]
    list_select_related = ["utilisateur", "collectivite"]
    readonly_fields = ["derniere_verification", "dernier_resultat", "dernier_test_reussi"]


@admin.register(MessageEnvoye)
class MessageEnvoyeAdmin(LectureSeuleAdmin, PerimetreAdmin):
    list_display = ["cree_le", "sujet", "destinataires", "compte_libelle", "statut", "code_smtp"]
    list_filter = ["statut", "collectivite"]
    search_fields = ["sujet", "destinataires", "message_id"]
    date_hierarchy = "cree_le"


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
    list_filter = ["action", "collectivite"]
    search_fields = ["action", "objet_libelle", "sujet_libelle", "acteur_libelle"]
    date_hierarchy = "horodatage"
    list_select_related = ["collectivite"]


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
    list_filter = ["statut", "type", "collectivite"]
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
    list_filter = ["objectif", "usage_unique", "collectivite"]
    search_fields = ["cible_id", "objectif"]
    exclude = ["hash_jeton"]


@admin.register(Delai)
class DelaiAdmin(admin.ModelAdmin):
    """Valeurs nationales : personnel de la plateforme ; surcharges : leur collectivité."""

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
        from django.db.models import Q

        return qs.filter(
            Q(collectivite__isnull=True) | Q(collectivite__in=collectivites_de(request))
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "collectivite" and not request.user.is_superuser:
            kwargs["queryset"] = collectivites_de(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
