from django.contrib import admin

from convocations.elus.models import AccuseNotice, CourrielElu, NoticeRgpd
from convocations.models import (
    Contact,
    Destinataire,
    DocumentSeance,
    EnvoiConvocation,
    Groupe,
    Mandat,
    PieceReponse,
    PointOrdreDuJour,
    Pouvoir,
    Reponse,
    Seance,
)
from core.admin_base import LectureSeuleAdmin, PerimetreAdmin


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


class _PointInline(admin.TabularInline):
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
