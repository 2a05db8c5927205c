from django.contrib import admin

from core.admin_base import LectureSeuleAdmin, PerimetreAdmin, PerimetreMixin
from electeurs.identite import normaliser
from electeurs.models import BureauDeVote, Electeur, InscriptionListe, Mouvement, NotificationREU


@admin.register(BureauDeVote)
class BureauDeVoteAdmin(PerimetreAdmin):
    list_display = ("code", "libelle", "circonscription_libelle", "canton_libelle", "collectivite")
    list_filter = (("collectivite", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("code", "libelle")


class InscriptionListeInline(admin.TabularInline):  # type: ignore[type-arg]
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


# --- Procédure (sous-paquet `procedure`) : en lecture seule, chaque étape passe par ses
# services (ordre des étapes, délais, journal) depuis les pages Mouvements.
@admin.register(Mouvement)
class MouvementAdmin(PerimetreMixin, LectureSeuleAdmin):
    list_display = ("electeur", "type", "liste", "origine", "recue_le", "etat", "echeance")
    list_filter = ("etat", "type", "origine", ("collectivite", admin.RelatedOnlyFieldListFilter))
    search_fields = ("electeur__recherche_naissance",)
    list_select_related = ("electeur",)


# --- Notifications du REU (sous-paquet `reu`) ---------------------------------------------


@admin.register(NotificationREU)
class NotificationREUAdmin(PerimetreAdmin):
    list_display = ("recue_le", "type", "source", "etat", "electeur", "collectivite")
    list_filter = ("etat", "type", "source", ("collectivite", admin.RelatedOnlyFieldListFilter))
    search_fields = ("texte", "ine")
    raw_id_fields = ("electeur",)
    readonly_fields = ("traitee_par", "traitee_le", "message_id")
