"""Onglet « Éditions » d'une séance : liste d'émargement et dossier de preuve, produits par des
travaux suivis (la page du travail montre l'avancement, puis le lien de téléchargement)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import DetailView

from convocations.editions.forms import EditionSeanceForm
from convocations.editions.selectors import emargement_lire, regle_delai
from convocations.editions.services import (
    TYPE_DOSSIER_PREUVE,
    TYPE_EMARGEMENT,
    edition_demander,
)
from convocations.seances.models import Seance
from core.comptes.permissions import Action, Capacite
from core.tenancy.mixins import EspaceAgentMixin, peut
from core.travaux.models import Travail

TYPES_EDITIONS = [TYPE_EMARGEMENT, TYPE_DOSSIER_PREUVE]


class SeanceEditionsView(EspaceAgentMixin, DetailView):  # type: ignore[type-arg]
    capacite = Capacite.CONVOCATIONS
    action = Action.LIRE
    action_post = Action.EXPORTER
    model = Seance
    context_object_name = "seance"
    template_name = "convocations/editions/editions.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        seance = self.object
        emargement = emargement_lire(seance)
        context.update(
            onglet_courant="editions",
            peut_exporter=peut(self.request, Capacite.CONVOCATIONS, Action.EXPORTER),
            quorum=emargement.quorum,
            nombre_suppleants=len(emargement.suppleants),
            nombre_pouvoirs=len(emargement.pouvoirs),
            regle=regle_delai(seance),
            travaux=Travail.objects.pour(self.collectivite)
            .filter(type__in=TYPES_EDITIONS, parametres__seance_id=seance.pk)
            .order_by("-cree_le", "-pk")[:10],
        )
        context.setdefault("form", EditionSeanceForm(initial={"format": "pdf"}))
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.object = self.get_object()
        form = EditionSeanceForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        travail = edition_demander(
            seance=self.object,
            type=form.type_travail,
            format=form.cleaned_data.get("format") or "pdf",
            par=self.agent,
        )
        messages.success(request, "Édition demandée : le fichier vous attendra ici.")
        return redirect("travaux:detail", pk=travail.pk)
