"""URLconf du banc : la vue triviale, puis toutes les URL de l'application."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from bench.liste_vs_trivial import URL_TRIVIALE


def vue_triviale(request: HttpRequest) -> HttpResponse:
    """Le plancher : tout le chemin Django (middlewares compris), aucun travail de vue."""
    return HttpResponse("ok")


urlpatterns = [
    path(URL_TRIVIALE.strip("/") + "/", vue_triviale, name="bench_triviale"),
    path("", include("config.urls")),
]
