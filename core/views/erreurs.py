"""Pages d'erreur en français, sans aucune donnée."""

import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string


def _page(request: HttpRequest, statut: int, titre: str, texte: str) -> HttpResponse:
    return render(
        request, "erreur.html", {"titre": titre, "texte": texte, "statut": statut}, status=statut
    )


def erreur_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400, "Demande invalide", "La demande n'a pas pu être comprise.")


def erreur_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    texte = str(exception) if exception and str(exception) else ""
    return _page(
        request,
        403,
        "Accès refusé",
        texte or "Vous n'avez pas le droit d'ouvrir cette page.",
    )


def erreur_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request, 404, "Page introuvable", "Cette page n'existe pas ou n'est plus disponible."
    )


def erreur_500(request: HttpRequest) -> HttpResponse:
    # Une panne de la base survenue hors d'une vue (session, middleware) arrive ici : on la
    # présente comme le middleware ServiceIndisponible, sans toucher à la base.
    from core.middleware import PANNES

    if isinstance(sys.exc_info()[1], PANNES):
        reponse = HttpResponse(render_to_string("503.html"), status=503)
        reponse["Retry-After"] = "30"
        return reponse
    return HttpResponse(render_to_string("500.html"), status=500)
