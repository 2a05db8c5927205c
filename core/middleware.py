"""Panne passagère de la base ou de Redis : une page claire en français, pas une erreur 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from kombu.exceptions import OperationalError as KombuOperationalError

journal = logging.getLogger(__name__)

PANNES = (OperationalError, InterfaceError, KombuOperationalError)


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
        contenu = render_to_string("503.html")
        reponse = HttpResponse(contenu, status=503)
        reponse["Retry-After"] = "30"
        return reponse
