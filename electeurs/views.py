"""Vues du fichier électoral : minces, limitées à la collectivité courante."""

from __future__ import annotations

from django.db.models import QuerySet
from django.views.generic import TemplateView

from core.comptes.permissions import Capacite
from core.listes import Colonne, ListeMixin
from core.tenancy.mixins import EspaceAgentMixin
from electeurs.models import Electeur
from electeurs.selectors import electeurs_lister


class ElecteurListeView(ListeMixin, EspaceAgentMixin, TemplateView):
    capacite = Capacite.ELECTEURS
    model = Electeur
    template_name = "electeurs/electeur_liste.html"
    colonnes = (
        Colonne("nom", "Nom et prénoms"),
        Colonne("naissance", "Né(e) le"),
        Colonne("statut", "Statut"),
    )
    vide = "Aucun électeur pour l'instant : importez l'extrait de la liste électorale."

    def legende_liste(self) -> str:
        return f"Électeurs de {self.collectivite.nom}"

    def lignes(self) -> QuerySet[Electeur]:
        return electeurs_lister(collectivite=self.collectivite)

    def cellules(self, objet: Electeur) -> dict[str, str]:
        return {
            "nom": objet.nom_complet,
            "naissance": objet.date_naissance_affichee,
            "statut": objet.get_statut_display(),
        }
