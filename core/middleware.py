"""Panne passagère de la base ou de Redis : une page claire en français, pas une erreur 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.pages.erreurs import PANNES, erreur_405, page_service_indisponible

journal = logging.getLogger(__name__)


class ServiceIndisponibleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PANNES):
            return None
        # Le type suffit : le message d'un pilote peut contenir une adresse ou une requête.
        journal.error("Service indisponible : %s", type(exception).__name__)
        return page_service_indisponible()


class MethodeRefuseeMiddleware:
    """Une méthode refusée (`HttpResponseNotAllowed`, sans contenu) devient une page en
    français ; l'en-tête `Allow` reste celui de la vue. Placé en fin de MIDDLEWARE : la page
    voit l'utilisateur et la collectivité courante comme toute autre page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reponse = self.get_response(request)
        if reponse.status_code != 405 or getattr(reponse, "streaming", False) or reponse.content:
            return reponse
        page = erreur_405(request)
        if "Allow" in reponse:
            page["Allow"] = reponse["Allow"]
        return page
