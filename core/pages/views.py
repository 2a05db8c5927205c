"""Accueil (tableau de bord) et changement de collectivité."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from core.comptes.permissions import Action, Capacite
from core.registry import registre
from core.tenancy.mixins import EspaceAgentMixin, choisir_collectivite, collectivite_courante, peut
from core.travaux.models import Travail


@dataclass(frozen=True)
class CapaciteAccueil:
    """Une ligne de « Votre rôle » : ce que le rôle permet, et où le trouver quand c'est là."""

    libelle: str
    droits: str
    url_name: str  # vide : partie d'Écharpe pas encore installée


# Capacités du tableau des rôles (decisions.md), dans l'ordre où un agent les cherche ; les
# pages que le socle fournit lui-même ont leur adresse ici, les autres viennent du registre.
_CAPACITES: list[tuple[Capacite, str, str]] = [
    (Capacite.ELECTEURS, "Électeurs, REU et télédossiers", ""),
    (Capacite.AVIS, "Avis et courriels aux électeurs", ""),
    (Capacite.CONVOCATIONS, "Convocations des élus", ""),
    (Capacite.PARAMETRES, "Paramètres : agents, comptes d'envoi, délais", "pages:parametres"),
    (Capacite.SMTP_PERSONNEL, "Votre compte d'envoi", "mail:mon_compte"),
    (Capacite.JOURNAL, "Journal de la collectivité", "journal:liste"),
    (Capacite.JOURNAL_PERSONNEL, "Journal de vos actions", "journal:liste"),
]
# Une capacité qui en contient une autre : la seconde ne se répète pas.
_INCLUSES = {
    Capacite.SMTP_PERSONNEL: Capacite.PARAMETRES,
    Capacite.JOURNAL_PERSONNEL: Capacite.JOURNAL,
}
_VERBES = [
    (Action.LIRE, "consulter"),
    (Action.ECRIRE, "modifier"),
    (Action.ENVOYER, "envoyer"),
    (Action.EXPORTER, "exporter"),
]


def _droits(request: HttpRequest, capacite: Capacite) -> str:
    verbes = [verbe for action, verbe in _VERBES if peut(request, capacite, action)]
    texte = verbes[0] if len(verbes) == 1 else ", ".join(verbes[:-1]) + " et " + verbes[-1]
    if capacite == Capacite.ELECTEURS and not peut(request, capacite, Action.EXPORTER):
        texte += " (sans export de données personnelles)"
    return texte.capitalize()


def capacites_du_role(request: HttpRequest) -> tuple[list[CapaciteAccueil], list[str]]:
    """Ce que le rôle courant permet (avec l'adresse quand la partie est installée), et les
    parties qu'il ne permet pas."""
    permises: list[CapaciteAccueil] = []
    refusees: list[str] = []
    for capacite, libelle, url_name in _CAPACITES:
        englobante = _INCLUSES.get(capacite)
        if englobante and peut(request, englobante):
            continue
        if not peut(request, capacite):
            if not englobante:
                refusees.append(libelle)
            continue
        if not url_name:
            url_name = next((e.url_name for e in registre.navigation if e.capacite == capacite), "")
        permises.append(CapaciteAccueil(libelle, _droits(request, capacite), url_name))
    return permises, refusees


class AccueilView(EspaceAgentMixin, TemplateView):
    template_name = "core/accueil.html"

    # Page en lecture seule : sans la transaction de ATOMIC_REQUESTS, deux allers-retours de
    # moins vers la base (BEGIN, COMMIT) pour chaque affichage.
    @transaction.non_atomic_requests
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Personne n'arrive sur une impasse « Accès refusé » : sans rôle d'agent, le personnel
        # de la plateforme va à l'administration, les autres lisent pourquoi et peuvent partir.
        if request.user.is_authenticated and collectivite_courante(request) is None:
            # Un élu (ou toute personne qui a un espace personnel) arrive sur cet espace.
            espaces = registre.espaces_de(request.user)
            if espaces:
                return redirect(espaces[0].url_name)
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
        context["capacites"], context["capacites_refusees"] = capacites_du_role(self.request)
        context["capacites_a_venir"] = any(not c.url_name for c in context["capacites"])
        context["travaux"] = (
            Travail.objects.pour(self.collectivite)
            .filter(demandeur=self.agent)
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
    return redirect("pages:accueil")


class ParametresView(EspaceAgentMixin, TemplateView):
    """Sommaire des paramètres : chacun voit les sections que son rôle permet."""

    template_name = "core/parametres.html"
    capacite = Capacite.SMTP_PERSONNEL

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["administrateur"] = peut(self.request, Capacite.PARAMETRES, Action.ECRIRE)
        return context
