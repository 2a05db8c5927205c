"""Vues de l'application : minces, limitées à la collectivité courante par `EspaceAgentMixin`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views import View
from django.views.generic import DetailView, TemplateView

from core.comptes.permissions import Action, Capacite
from core.journal.services import journal_chronologie
from core.listes import Colonne, ListeMixin
from core.templatetags.echarpe import date_fr
from core.tenancy.mixins import EspaceAgentMixin, peut
from core.travaux.services import travail_creer
from tests.exemple.forms import DossierForm
from tests.exemple.models import Dossier
from tests.exemple.services import dossier_ouvrir
from tests.exemple.tasks import TYPE_RECAPITULATIF


class DossierListeView(ListeMixin, EspaceAgentMixin, TemplateView):
    """Les dossiers de la collectivité ; un POST ouvre un dossier (droit d'écriture)."""

    capacite = Capacite.CONVOCATIONS
    action_post = Action.ECRIRE
    model = Dossier
    template_name = "exemple/dossier_liste.html"
    colonnes = (
        Colonne("titre", "Titre", tri=("titre",)),
        Colonne("etat", "État"),
        Colonne("ouvert", "Ouvert le", tri=("cree_le",)),
    )
    recherche = ("titre",)
    recherche_libelle = "Rechercher un dossier"
    tri_defaut = "-ouvert"
    vide = "Aucun dossier pour l'instant."

    def legende_liste(self) -> str:
        return f"Dossiers de {self.collectivite.nom}"

    def lignes(self) -> QuerySet[Dossier]:
        return self.get_queryset()

    def cellules(self, objet: Dossier) -> dict[str, str]:
        return {
            "titre": format_html(
                '<a href="{}">{}</a>', reverse("exemple:detail", args=[objet.pk]), objet.titre
            ),
            "etat": "Clos" if objet.clos else "Ouvert",
            "ouvert": date_fr(objet.cree_le),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = {**super().get_context_data(**kwargs), **self.contexte_liste()}
        context.setdefault("form", DossierForm())
        context["peut_ecrire"] = peut(self.request, Capacite.CONVOCATIONS, Action.ECRIRE)
        context["peut_exporter"] = peut(self.request, Capacite.CONVOCATIONS, Action.EXPORTER)
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = DossierForm(request.POST)
        if form.is_valid():
            try:
                dossier = dossier_ouvrir(
                    collectivite=self.collectivite, titre=form.cleaned_data["titre"], par=self.agent
                )
            except ValidationError as erreur:
                form.add_error(None, erreur)
            else:
                messages.success(request, f"Dossier « {dossier.titre} » ouvert.")
                return redirect("exemple:detail", pk=dossier.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DossierDetailView(EspaceAgentMixin, DetailView):  # type: ignore[type-arg]
    capacite = Capacite.CONVOCATIONS
    model = Dossier
    template_name = "exemple/dossier_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["chronologie"] = journal_chronologie(sujet=self.object)[:50]
        return context


class DossiersRecapitulerView(EspaceAgentMixin, View):
    capacite = Capacite.CONVOCATIONS
    action = Action.EXPORTER
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        travail = travail_creer(
            collectivite=self.collectivite,
            type=TYPE_RECAPITULATIF,
            libelle=f"Récapitulatif des dossiers de {self.collectivite.nom}",
            par=self.agent,
        )
        messages.success(request, "Récapitulatif demandé : le fichier vous attendra ici.")
        return redirect("travaux:detail", pk=travail.pk)
