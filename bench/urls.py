"""URLconf du banc : la vue triviale, puis toutes les URL de l'application."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from bench.liste_vs_trivial import URL_TRIVIALE


def vue_triviale(request: HttpRequest) -> HttpResponse:
    """Le plancher : tout le chemin Django (middlewares compris), aucun travail de vue."""
    return HttpResponse("ok")


# Sous les réglages de test, l'application d'exemple (tests/exemple) est installée : ses URL
# doivent exister pour que sa navigation se rende.
RACINE = "tests.urls" if "tests.exemple" in settings.INSTALLED_APPS else "config.urls"

urlpatterns = [
    path(URL_TRIVIALE.strip("/") + "/", vue_triviale, name="bench_triviale"),
    path("", include(RACINE)),
]
