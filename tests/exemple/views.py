"""Vues de l'application : minces, limitées à la collectivité courante par `EspaceAgentMixin`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import DetailView, ListView

from core.comptes.permissions import Action, Capacite
from core.journal.services import journal_chronologie
from core.tenancy.mixins import EspaceAgentMixin, peut
from core.travaux.services import travail_creer
from tests.exemple.forms import DossierForm
from tests.exemple.models import Dossier
from tests.exemple.services import dossier_ouvrir
from tests.exemple.tasks import TYPE_RECAPITULATIF


class DossierListeView(EspaceAgentMixin, ListView):  # type: ignore[type-arg]
    """Les dossiers de la collectivité ; un POST ouvre un dossier (droit d'écriture)."""

    capacite = Capacite.CONVOCATIONS
    action_post = Action.ECRIRE
    model = Dossier
    paginate_by = 25
    template_name = "exemple/dossier_liste.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
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
        self.object_list = self.get_queryset()
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
            demandeur=self.agent,
        )
        messages.success(request, "Récapitulatif demandé : le fichier vous attendra ici.")
        return redirect("travaux:detail", pk=travail.pk)
