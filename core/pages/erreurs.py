"""Pages d'erreur en français, sans aucune donnée."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from kombu.exceptions import OperationalError as KombuOperationalError

from core.context_processors import contexte_demo

# Pannes passagères de la base ou de Redis : une page 503 (réessayer), pas une erreur 500.
PANNES = (OperationalError, InterfaceError, KombuOperationalError)


def page_service_indisponible() -> HttpResponse:
    """La page 503, rendue sans toucher à la base (elle est peut-être en panne)."""
    reponse = HttpResponse(render_to_string("503.html", contexte_demo()), status=503)
    reponse["Retry-After"] = "30"
    return reponse


def _page(
    request: HttpRequest, statut: int, titre: str, texte: str, *, conseils: list[str] | None = None
) -> HttpResponse:
    return render(
        request,
        "erreur.html",
        {"titre": titre, "texte": texte, "statut": statut, "conseils": conseils or []},
        status=statut,
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


def erreur_405(request: HttpRequest) -> HttpResponse:
    """Méthode refusée (un GET sur une adresse d'action, par exemple « Se déconnecter »)."""
    return _page(
        request,
        405,
        "Action impossible depuis cette adresse",
        "Cette adresse sert à une action déclenchée par un bouton ; elle ne s'ouvre pas"
        " directement.",
        conseils=["Revenez à la page précédente et utilisez le bouton prévu."],
    )


def erreur_csrf(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Échec de la vérification CSRF (CSRF_FAILURE_VIEW) : formulaire trop ancien, session
    expirée ou cookies refusés. `reason` (en anglais, technique) n'est jamais affiché."""
    return _page(
        request,
        403,
        "Formulaire expiré",
        "Votre envoi n'a pas été enregistré : le formulaire n'était plus valable.",
        conseils=[
            "Rechargez la page, puis recommencez votre saisie.",
            "Si votre session a expiré, reconnectez-vous.",
            "Vérifiez que votre navigateur accepte les cookies de ce site.",
        ],
    )


def erreur_500(request: HttpRequest) -> HttpResponse:
    # Une panne de la base survenue hors d'une vue (session, middleware) arrive ici : on la
    # présente comme le middleware ServiceIndisponible, sans toucher à la base.
    if isinstance(sys.exc_info()[1], PANNES):
        return page_service_indisponible()
    return HttpResponse(render_to_string("500.html", contexte_demo()), status=500)
