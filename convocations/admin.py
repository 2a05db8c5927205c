from django.contrib import admin

from convocations.elus.models import AccuseNotice, AdresseElu, CourrielElu, NoteElu, NoticeRgpd
from convocations.envoi.models import AbonnementResume
from convocations.models import (
    Contact,
    Destinataire,
    DocumentSeance,
    EnvoiConvocation,
    Groupe,
    ImportContacts,
    Mandat,
    PieceReponse,
    PointOrdreDuJour,
    Pouvoir,
    Reponse,
    Seance,
)
from core.admin_base import LectureSeuleAdmin, PerimetreAdmin, PerimetreMixin


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


class _PointInline(PerimetreMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = PointOrdreDuJour
    extra = 0
    exclude = ["collectivite"]


@admin.register(Seance)
class SeanceAdmin(PerimetreAdmin):
    list_display = ["titre", "type", "date", "etat", "collectivite"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter), "type", "etat"]
    search_fields = ["titre", "lieu"]
    date_hierarchy = "date"
    raw_id_fields = ["cree_par"]
    inlines = [_PointInline]


@admin.register(Destinataire)
class DestinataireAdmin(PerimetreAdmin):
    list_display = ["email", "nom", "seance", "membre", "nombre_envois", "lu_le", "presence"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter), "membre", "presence"]
    search_fields = ["email", "nom", "seance__titre"]
    raw_id_fields = ["seance", "contact", "utilisateur", "mandat"]


@admin.register(EnvoiConvocation)
class EnvoiConvocationAdmin(PerimetreAdmin):
    list_display = ["destinataire", "motif", "statut", "envoye_le", "code_smtp"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter), "statut", "motif"]
    search_fields = ["destinataire__email", "destinataire__nom"]
    raw_id_fields = ["destinataire", "message", "par"]


@admin.register(DocumentSeance)
class DocumentSeanceAdmin(PerimetreAdmin):
    list_display = ["titre", "nature", "version", "seance", "taille"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter), "nature"]
    search_fields = ["titre", "nom_fichier", "seance__titre"]
    raw_id_fields = ["seance", "ajoute_par"]


@admin.register(Reponse)
class ReponseAdmin(PerimetreAdmin):
    list_display = ["destinataire", "presence", "canal", "cree_le"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter), "presence", "canal"]
    search_fields = ["destinataire__email", "destinataire__nom"]
    raw_id_fields = ["destinataire", "mandataire", "par"]


@admin.register(Pouvoir)
class PouvoirAdmin(PerimetreAdmin):
    list_display = ["mandant", "mandataire", "seance", "revoque_le", "exception_maladie"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter), "exception_maladie"]
    search_fields = ["mandant__nom", "mandataire__nom", "seance__titre"]
    raw_id_fields = ["seance", "mandant", "mandataire", "par"]


# Réponses des élus (convocations/reponses).
@admin.register(PieceReponse)
class PieceReponseAdmin(PerimetreAdmin):
    list_display = ["nom_fichier", "destinataire", "reponse", "taille", "cree_le"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["nom_fichier", "destinataire__nom", "destinataire__email"]
    raw_id_fields = ["destinataire", "reponse"]


# --- Accès des élus (convocations/elus) : en lecture seule, les écritures passent par les
# services journalisés (notice : page « Notice RGPD des élus »).
@admin.register(NoticeRgpd)
class NoticeRgpdAdmin(LectureSeuleAdmin, PerimetreAdmin):
    list_display = ["collectivite", "adresse_dpd", "modifie_le"]


@admin.register(AccuseNotice)
class AccuseNoticeAdmin(LectureSeuleAdmin, PerimetreAdmin):
    list_display = ["utilisateur", "collectivite", "lu_le", "actualites", "evenements"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter)]


@admin.register(CourrielElu)
class CourrielEluAdmin(LectureSeuleAdmin, PerimetreAdmin):
    list_display = ["cree_le", "motif", "email", "statut", "tentatives", "envoye_le"]
    list_filter = ["statut", "motif", ("collectivite", admin.RelatedOnlyFieldListFilter)]


@admin.register(AdresseElu)
class AdresseEluAdmin(LectureSeuleAdmin, PerimetreAdmin):
    """Une adresse personnelle ne compte qu'une fois confirmée par le lien envoyé à elle."""

    list_display = ["utilisateur", "email", "confirmee_le", "remplacee_le", "collectivite"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["email", "utilisateur__username", "utilisateur__last_name"]
    list_select_related = ["utilisateur", "collectivite"]


@admin.register(NoteElu)
class NoteEluAdmin(LectureSeuleAdmin, PerimetreAdmin):
    list_display = ["seance", "auteur", "contact", "cree_le", "collectivite"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["texte", "seance__titre"]
    list_select_related = ["seance", "auteur", "contact", "collectivite"]


# --- Carnet et envoi (imports de contacts, résumés quotidiens) : en lecture seule ------------
@admin.register(ImportContacts)
class ImportContactsAdmin(LectureSeuleAdmin, PerimetreAdmin):
    """Le contenu du fichier déposé reste hors de l'admin (adresses des contacts)."""

    list_display = ["nom_fichier", "par", "cree_le", "collectivite"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["nom_fichier"]
    list_select_related = ["par", "collectivite"]
    exclude = ["contenu"]


@admin.register(AbonnementResume)
class AbonnementResumeAdmin(LectureSeuleAdmin, PerimetreAdmin):
    list_display = ["utilisateur", "dernier_envoi_le", "collectivite"]
    list_filter = [("collectivite", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["utilisateur", "collectivite"]
