"""Admin Django : comptes d'envoi (par `compte_smtp_enregistrer`), messages envoyés et
courriers relevés (lecture seule)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from core.admin_base import LectureSeuleAdmin, PerimetreAdmin, collectivites_de, personne
from core.comptes.models import Utilisateur
from core.mail.comptes import CHAMPS_COMPTE, compte_smtp_enregistrer, verifier_changement_serveur
from core.mail.forms import ChampsCompteMixin
from core.mail.models import (
    CompteSMTP,
    CourrierRecu,
    EnvoiActivation,
    EnvoiInvitation,
    MessageEnvoye,
)


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
    list_filter = [
        "securite",
        ("collectivite", admin.RelatedOnlyFieldListFilter),
        "dernier_test_reussi",
    ]
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
            par=personne(request),
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
    list_filter = ["statut", ("collectivite", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["sujet", "destinataires", "message_id"]
    date_hierarchy = "cree_le"


@admin.register(EnvoiActivation)
class EnvoiActivationAdmin(LectureSeuleAdmin, PerimetreAdmin):
    """Liens d'activation envoyés par le chemin des envois en nombre (état de chaque envoi)."""

    list_display = ["cree_le", "utilisateur", "statut", "tentatives", "code_smtp", "envoye_le"]
    list_filter = ["statut", ("collectivite", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["utilisateur__username", "reponse_smtp"]
    list_select_related = ["utilisateur"]
    date_hierarchy = "cree_le"


@admin.register(EnvoiInvitation)
class EnvoiInvitationAdmin(LectureSeuleAdmin, PerimetreAdmin):
    """Invitations envoyées par le chemin des envois en nombre (état de chaque envoi)."""

    list_display = ["cree_le", "invitation", "statut", "tentatives", "code_smtp", "envoye_le"]
    list_filter = ["statut", ("collectivite", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["invitation__email", "reponse_smtp"]
    list_select_related = ["invitation"]
    date_hierarchy = "cree_le"


@admin.register(CourrierRecu)
class CourrierRecuAdmin(LectureSeuleAdmin, PerimetreAdmin):
    """Messages relevés dans les boîtes des comptes d'envoi (rebonds, courrier entrant)."""

    list_display = ["cree_le", "compte", "nature", "statut", "message_envoye", "tentatives"]
    list_filter = ["statut", "nature", ("collectivite", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["message_id", "uid", "erreur"]
    date_hierarchy = "cree_le"
