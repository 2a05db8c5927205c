from django.contrib import admin

from core.admin_base import LectureSeuleAdmin, PerimetreAdmin, PerimetreMixin
from electeurs.identite import normaliser
from electeurs.models import (
    BureauDeVote,
    Electeur,
    Etape,
    ImportREU,
    InscriptionListe,
    MembreCommission,
    Mouvement,
    NomElecteur,
    NotificationREU,
    Piece,
    ReunionCommission,
    Scrutin,
)


@admin.register(BureauDeVote)
class BureauDeVoteAdmin(PerimetreAdmin):
    list_display = ("code", "libelle", "circonscription_libelle", "canton_libelle", "collectivite")
    list_filter = (("collectivite", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("code", "libelle")


class InscriptionListeInline(PerimetreMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = InscriptionListe
    extra = 0
    fields = ("type_liste", "bureau", "numero_ordre")
    readonly_fields = ("type_liste", "bureau", "numero_ordre")
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Electeur)
class ElecteurAdmin(PerimetreAdmin):
    list_display = (
        "nom_naissance",
        "nom_usage",
        "prenoms",
        "date_naissance_affichee",
        "statut",
        "ine",
        "collectivite",
    )
    list_filter = ("statut", "sexe", ("collectivite", admin.RelatedOnlyFieldListFilter))
    search_fields = ("recherche_naissance", "recherche_usage", "ine")
    inlines = [InscriptionListeInline]

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        # Les champs de recherche sont normalisés (sans accents ni casse) : la saisie aussi.
        return super().get_search_results(request, queryset, normaliser(search_term))

    @admin.display(description="né(e) le")
    def date_naissance_affichee(self, obj: Electeur) -> str:
        return obj.date_naissance_affichee


@admin.register(NomElecteur)
class NomElecteurAdmin(PerimetreMixin, LectureSeuleAdmin):
    """La table des noms du mode approchant de la recherche, tenue par l'import et les fiches."""

    list_display = ("nom", "collectivite")
    list_filter = (("collectivite", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("nom",)


@admin.register(ImportREU)
class ImportREUAdmin(PerimetreMixin, LectureSeuleAdmin):
    """Les imports passent par leur page (aperçu, confirmation, travail suivi) ; ici, l'historique.
    Le fichier déposé n'est servi que par la page de l'import (permissions)."""

    list_display = ("nom_fichier", "etat", "depose_par", "cree_le", "applique_le", "collectivite")
    list_filter = ("etat", ("collectivite", admin.RelatedOnlyFieldListFilter))
    search_fields = ("nom_fichier",)
    list_select_related = ("depose_par", "collectivite")
    exclude = ("fichier",)
    date_hierarchy = "cree_le"


# --- Procédure (sous-paquet `procedure`) : en lecture seule, chaque étape passe par ses
# services (ordre des étapes, délais, journal) depuis les pages Mouvements.
class EtapeInline(PerimetreMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Etape
    extra = 0
    fields = ("type", "date", "avis", "canal", "numero_lrar", "par")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Mouvement)
class MouvementAdmin(PerimetreMixin, LectureSeuleAdmin):
    list_display = ("electeur", "type", "liste", "origine", "recue_le", "etat", "echeance")
    list_filter = ("etat", "type", "origine", ("collectivite", admin.RelatedOnlyFieldListFilter))
    search_fields = ("electeur__recherche_naissance",)
    list_select_related = ("electeur",)
    inlines = [EtapeInline]


@admin.register(Piece)
class PieceAdmin(PerimetreMixin, LectureSeuleAdmin):
    """Le fichier n'est servi que par la vue de la fiche, qui contrôle les droits."""

    list_display = ("electeur", "type", "date", "nom_original", "taille", "collectivite")
    list_filter = ("type", ("collectivite", admin.RelatedOnlyFieldListFilter))
    search_fields = ("nom_original", "electeur__recherche_naissance")
    list_select_related = ("electeur", "collectivite")
    exclude = ("fichier",)


@admin.register(Scrutin)
class ScrutinAdmin(PerimetreMixin, LectureSeuleAdmin):
    """Saisis par la page Scrutins (un tour qui n'est pas un dimanche y est refusé)."""

    list_display = ("libelle", "premier_tour", "second_tour", "collectivite")
    list_filter = (("collectivite", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("libelle",)
    date_hierarchy = "premier_tour"


@admin.register(MembreCommission)
class MembreCommissionAdmin(PerimetreMixin, LectureSeuleAdmin):
    list_display = ("nom", "qualite", "actif", "fin_le", "collectivite")
    list_filter = ("actif", ("collectivite", admin.RelatedOnlyFieldListFilter))
    search_fields = ("nom", "courriel")


@admin.register(ReunionCommission)
class ReunionCommissionAdmin(PerimetreMixin, LectureSeuleAdmin):
    list_display = ("date", "nombre_membres", "collectivite")
    list_filter = (("collectivite", admin.RelatedOnlyFieldListFilter),)
    date_hierarchy = "date"


# --- Notifications du REU (sous-paquet `reu`) ---------------------------------------------


@admin.register(NotificationREU)
class NotificationREUAdmin(PerimetreAdmin):
    list_display = ("recue_le", "type", "source", "etat", "electeur", "collectivite")
    list_filter = ("etat", "type", "source", ("collectivite", admin.RelatedOnlyFieldListFilter))
    search_fields = ("texte", "ine")
    raw_id_fields = ("electeur",)
    readonly_fields = ("traitee_par", "traitee_le", "message_id")
