"""Administration Django pour le personnel de la plateforme.

Chaque modèle rattaché à une collectivité est limité aux collectivités où la personne a un
rôle, sauf pour un superutilisateur. Le journal est en lecture seule.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from core.comptes.forms import valider_logo
from core.comptes.models import Invitation, Role, Utilisateur
from core.comptes.services import (
    CHAMPS_COLLECTIVITE,
    role_creer,
    role_modifier,
    role_supprimer,
    verifier_dernier_administrateur,
)
from core.delais.models import Delai
from core.journal.models import ChaineJournal, EntreeJournal
from core.liens.models import CompteurIdentite, LienSecurise
from core.mail.comptes import CHAMPS_COMPTE, compte_smtp_enregistrer, verifier_changement_serveur
from core.mail.forms import ChampsCompteMixin
from core.mail.models import CompteSMTP, CourrierRecu, MessageEnvoye
from core.tenancy.models import Collectivite
from core.travaux.models import Travail


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


def personnes_du_perimetre(request: HttpRequest) -> QuerySet[Utilisateur]:
    """Les personnes qu'un membre du personnel peut voir dans une liste de choix : celles qui
    ont un rôle dans une de ses collectivités (jamais les gens d'ailleurs)."""
    qs = Utilisateur.objects.all()
    if request.user.is_superuser:
        return qs
    return qs.filter(roles__collectivite__in=collectivites_de(request)).distinct()


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


def _refuser(admin_: admin.ModelAdmin[Any], request: HttpRequest, erreur: ValidationError) -> None:
    """Règle violée au moment d'écrire (concurrence) : message d'erreur, pas de succès."""
    request._echarpe_refus = True  # type: ignore[attr-defined]
    admin_.message_user(request, " ".join(erreur.messages), messages.ERROR)


def _enregistrer_role(request: HttpRequest, role: Role) -> Role:
    """Création ou modification d'un rôle depuis l'admin, par les services de Paramètres."""
    par = cast(Utilisateur, request.user)
    if role.pk:
        return role_modifier(role=role, par=par, nouveau_role=role.role, actif=role.actif)
    cree = role_creer(
        utilisateur=role.utilisateur,
        collectivite=role.collectivite,
        role=role.role,
        actif=role.actif,
    )
    role.pk = cree.pk
    role._state.adding = False
    return cree


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
                        role_supprimer(role=sous_form.instance, par=cast(Utilisateur, request.user))
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
            _refuser(self, request, erreur)
        return None

    def message_user(self, request: HttpRequest, message: Any, *args: Any, **kwargs: Any) -> None:
        niveau = args[0] if args else kwargs.get("level", messages.INFO)
        if getattr(request, "_echarpe_refus", False) and niveau == messages.SUCCESS:
            return
        super().message_user(request, message, *args, **kwargs)


@admin.register(Role)
class RoleAdmin(RoleAdminMixin, PerimetreAdmin):
    list_display = ["utilisateur", "collectivite", "role", "actif", "cree_le"]
    list_filter = ["role", "actif", "collectivite"]
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
            _refuser(self, request, erreur)

    def delete_model(self, request: HttpRequest, obj: Role) -> None:
        try:
            role_supprimer(role=obj, par=cast(Utilisateur, request.user))
        except ValidationError as erreur:
            _refuser(self, request, erreur)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        try:
            with transaction.atomic():
                for role in queryset:
                    role_supprimer(role=role, par=cast(Utilisateur, request.user))
        except ValidationError as erreur:
            _refuser(self, request, erreur)

    def message_user(self, request: HttpRequest, message: Any, *args: Any, **kwargs: Any) -> None:
        niveau = args[0] if args else kwargs.get("level", messages.INFO)
        if getattr(request, "_echarpe_refus", False) and niveau == messages.SUCCESS:
            return
        super().message_user(request, message, *args, **kwargs)


class CompteSMTPAdminForm(ChampsCompteMixin, forms.ModelForm):
    """Le formulaire valide ; l'enregistrement passe par `compte_smtp_enregistrer`
    (`CompteSMTPAdmin.save_model`) : chiffrement, journal, résultat du test remis à zéro."""

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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        champs = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Le service ne déplace pas un compte d'une collectivité ou d'une personne à
            # l'autre : on en crée un nouveau.
            champs += ["collectivite", "utilisateur"]
        return champs

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        donnees = form.cleaned_data
        enregistre = compte_smtp_enregistrer(
            compte=obj if change else None,
            collectivite=obj.collectivite,
            utilisateur=obj.utilisateur,
            donnees={champ: donnees[champ] for champ in CHAMPS_COMPTE if champ in donnees},
            mot_de_passe=donnees.get("mot_de_passe") or None,
            par=cast(Utilisateur, request.user),
        )
        # L'admin poursuit avec `obj` (message, redirection) : il devient la ligne enregistrée.
        obj.pk = enregistre.pk
        obj.refresh_from_db()


@admin.register(MessageEnvoye)
class MessageEnvoyeAdmin(LectureSeuleAdmin, PerimetreAdmin):
    list_display = [
        "cree_le",
        "sujet",
        "destinataires",
        "compte_libelle",
        "statut",
        "code_smtp",
        "rebond_code",
    ]
    list_filter = ["statut", "collectivite"]
    search_fields = ["sujet", "destinataires", "message_id"]
    date_hierarchy = "cree_le"


@admin.register(CourrierRecu)
class CourrierRecuAdmin(LectureSeuleAdmin, PerimetreAdmin):
    """Messages relevés dans les boîtes des comptes d'envoi (rebonds, courrier entrant)."""

    list_display = ["cree_le", "compte", "nature", "statut", "message_envoye", "tentatives"]
    list_filter = ["statut", "nature", "collectivite"]
    search_fields = ["message_id", "uid", "erreur"]
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


@admin.register(Invitation)
class InvitationAdmin(LectureSeuleAdmin):
    """Superutilisateurs seulement : la personne invitée vient souvent d'une autre
    collectivité, que le personnel de la collectivité invitante n'a pas à connaître."""

    list_display = ["cree_le", "utilisateur", "collectivite", "role", "statut", "expire_le"]
    list_filter = ["statut", "role"]
    search_fields = ["utilisateur__username", "collectivite__nom"]
    list_select_related = ["utilisateur", "collectivite"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


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
        self.delete_queryset(request, CompteurIdentite.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        from core.journal.services import journaliser

        # Rendre ses essais à quelqu'un se trace (chaîne de la plateforme).
        with transaction.atomic():
            for compteur in queryset:
                journaliser(
                    action="identite_debloquee",
                    collectivite=None,
                    par=cast(Utilisateur, request.user),
                    objet=compteur,
                    details={"echecs": compteur.echecs},
                )
                compteur.delete()
