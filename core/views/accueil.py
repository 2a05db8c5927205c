"""Accueil (tableau de bord) et changement de collectivité."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from core.models import Travail
from core.registry import registre
from core.tenancy import EspaceAgentMixin, choisir_collectivite, collectivite_courante, peut


class AccueilView(EspaceAgentMixin, TemplateView):
    template_name = "core/accueil.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Personne n'arrive sur une impasse « Accès refusé » : sans rôle d'agent, le personnel
        # de la plateforme va à l'administration, les autres lisent pourquoi et peuvent partir.
        if request.user.is_authenticated and collectivite_courante(request) is None:
            if request.user.is_staff:
                messages.info(
                    request,
                    "Votre compte n'a de rôle d'agent dans aucune collectivité : seule"
                    " l'administration de la plateforme vous est ouverte.",
                )
                return redirect("admin:index")
            return render(request, "core/sans_acces.html")
        return super().dispatch(request, *args, **kwargs)

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
    # Toujours l'Accueil : la page d'où l'on vient peut être fermée au rôle de l'autre
    # collectivité (Agents et rôles pour qui n'y est qu'en lecture seule).
    return redirect("accueil")


urlpatterns = [
    path("", AccueilView.as_view(), name="accueil"),
    path("collectivite/choisir/", collectivite_choisir, name="collectivite_choisir"),
]
