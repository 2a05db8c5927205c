"""Page d'un travail suivi, son état en JSON (interrogé par static/js/travail.js), son fichier
et sa relance.

Accès : le travail appartient à la collectivité courante (sinon 404) et le rôle a le droit
(`capacite`, `action`) déclaré par son type dans le registre (sinon 403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from core.registry import registre
from core.tenancy.mixins import EspaceAgentMixin, peut
from core.travaux.models import StatutTravail, Travail
from core.travaux.services import travail_relancer

CLASSES_STATUT: dict[str, str] = {
    StatutTravail.EN_ATTENTE: "etiquette--attente",
    StatutTravail.EN_COURS: "etiquette--attente",
    StatutTravail.TERMINE: "etiquette--succes",
    StatutTravail.ECHEC: "etiquette--echec",
    StatutTravail.INTERROMPU: "etiquette--echec",
}
STATUTS_FINIS = (StatutTravail.TERMINE, StatutTravail.ECHEC, StatutTravail.INTERROMPU)


class TravailMixin(EspaceAgentMixin):
    def get_travail(self, pk: int) -> Travail:
        travail = get_object_or_404(
            Travail.objects.pour(self.collectivite).select_related("demandeur"), pk=pk
        )
        type_travail = registre.types_travaux.get(travail.type)
        if type_travail is None:
            raise Http404("Ce type de travail n'est plus disponible.")
        if not peut(self.request, type_travail.capacite, type_travail.action):
            raise PermissionDenied("Votre rôle ne permet pas d'ouvrir ce travail.")
        return travail


def _url_telechargement(travail: Travail) -> str | None:
    if travail.statut == StatutTravail.TERMINE and travail.fichier:
        return reverse("travaux:telecharger", args=[travail.pk])
    return None


def _page_travail(request: HttpRequest, travail: Travail, *, status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {
        "travail": travail,
        "classe_statut": CLASSES_STATUT.get(travail.statut, ""),
        "fini": travail.statut in STATUTS_FINIS,
        "url_telechargement": _url_telechargement(travail),
    }
    return render(request, "core/travail_detail.html", context, status=status)


class TravailDetailView(TravailMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _page_travail(request, self.get_travail(pk))


class TravailEtatView(TravailMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        travail = self.get_travail(pk)
        reponse = JsonResponse(
            {
                "statut": travail.statut,
                "statut_libelle": travail.get_statut_display(),
                "pourcentage": travail.pourcentage,
                "progression": travail.progression,
                "total": travail.total,
                "message": travail.message,
                "fini": travail.statut in STATUTS_FINIS,
                "url_telechargement": _url_telechargement(travail),
            }
        )
        reponse["Cache-Control"] = "no-store"
        return reponse


class TravailTelechargerView(TravailMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        travail = self.get_travail(pk)
        if travail.statut != StatutTravail.TERMINE or not travail.fichier:
            raise Http404("Ce travail n'a pas produit de fichier.")
        try:
            fichier = travail.fichier.open("rb")
        except FileNotFoundError:
            raise Http404("Le fichier de ce travail n'est plus disponible.") from None
        reponse = FileResponse(
            fichier, as_attachment=True, filename=travail.fichier_nom or "export"
        )
        reponse["X-Content-Type-Options"] = "nosniff"
        reponse["Cache-Control"] = "private, no-store"
        return reponse


class TravailRelancerView(TravailMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        travail = self.get_travail(pk)
        try:
            travail = travail_relancer(travail=travail, par=request.user)  # type: ignore[arg-type]
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
            return _page_travail(request, travail, status=409)
        messages.success(request, f"« {travail.libelle} » relancé.")
        return redirect("travaux:detail", pk=travail.pk)
