"""Accueil (tableau de bord) et changement de collectivité."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from core.models import Travail
from core.registry import registre
from core.tenancy import EspaceAgentMixin, choisir_collectivite, peut


class AccueilView(EspaceAgentMixin, TemplateView):
    template_name = "core/accueil.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        compteurs = [
            (c, c.calcul(self.collectivite, self.request.user))
            for c in registre.compteurs
            if peut(self.request, c.capacite)
        ]
        # Un rappel à zéro n'appelle aucune action : il n'encombre pas l'Accueil.
        context["compteurs"] = [(c, valeur) for c, valeur in compteurs if valeur]
        context["travaux"] = (
            Travail.objects.pour(self.collectivite)
            .filter(demandeur=self.request.user)
            .order_by("-cree_le")[:5]
        )
        return context


@login_required
@require_POST
def collectivite_choisir(request: HttpRequest) -> HttpResponse:
    try:
        collectivite_id = int(request.POST.get("collectivite", ""))
    except ValueError:
        collectivite_id = 0
    collectivite = choisir_collectivite(request, collectivite_id)
    if collectivite is None:
        messages.error(request, "Vous n'avez pas de rôle dans cette collectivité.")
    else:
        messages.success(request, f"Vous travaillez maintenant pour {collectivite.nom}.")
    suivant = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        suivant, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        suivant = resolve_url("accueil")
    return HttpResponseRedirect(suivant)


urlpatterns = [
    path("", AccueilView.as_view(), name="accueil"),
    path("collectivite/choisir/", collectivite_choisir, name="collectivite_choisir"),
]
