"""Boîte d'envoi de la démonstration (/outbox/) : les courriels écrits au lieu d'être envoyés.

N'existe qu'en démonstration (`ECHARPE_BOITE_DEMO`) : ailleurs, 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from core.mail import boite_demo_message, boite_demo_noms


def _boite_active() -> None:
    if not getattr(settings, "ECHARPE_BOITE_DEMO", None):
        raise Http404("La boîte d'envoi n'existe qu'en démonstration.")


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    _boite_active()
    page_obj = Paginator(boite_demo_noms(), 50).get_page(request.GET.get("page"))
    courriels = [boite_demo_message(nom, complet=False) for nom in page_obj.object_list]
    return render(
        request,
        "core/outbox_liste.html",
        {
            "courriels": [c for c in courriels if c is not None],
            "page_obj": page_obj,
            "paginator": page_obj.paginator,
        },
    )


@login_required
def outbox_message(request: HttpRequest, nom: str) -> HttpResponse:
    _boite_active()
    courriel = boite_demo_message(nom)
    if courriel is None:
        raise Http404("Ce message n'est pas dans la boîte d'envoi.")
    return render(request, "core/outbox_message.html", {"courriel": courriel})


urlpatterns = [
    path("", outbox, name="outbox"),
    path("<str:nom>/", outbox_message, name="outbox_message"),
]
