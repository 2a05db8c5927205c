"""Boîte d'envoi de la démonstration (/outbox/) : les courriels écrits au lieu d'être envoyés.

N'existe qu'en démonstration (`ECHARPE_BOITE_DEMO`) : ailleurs, 404. La boîte contient les
liens d'activation et de réinitialisation de tout le monde : un superutilisateur la lit
en entier, chacun des autres n'y voit que les messages adressés à sa propre adresse
(`core.mail.outbox.boite_demo_lisible`) ; un autre message répond 404.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.mail.outbox import MessageBoite, boite_demo_lisible, boite_demo_message, boite_demo_noms
from core.templatetags.echarpe import date_fr


def _boite_active() -> None:
    if not getattr(settings, "ECHARPE_BOITE_DEMO", None):
        raise Http404("La boîte d'envoi n'existe qu'en démonstration.")


def _a_l_heure_de_paris(courriel: MessageBoite) -> MessageBoite:
    """Django date ses courriels en UTC sans fuseau lisible (« -0000 ») : une date sans fuseau
    est donc de l'UTC, affichée ensuite à l'heure de Paris (date_fr). L'en-tête Date brut
    (anglais, RFC 5322) est remplacé par la même date en français."""
    if courriel.date is None:
        return courriel
    date = courriel.date if courriel.date.tzinfo else courriel.date.replace(tzinfo=UTC)
    entetes = [
        (nom, date_fr(date) if nom.lower() == "date" else valeur)
        for nom, valeur in courriel.entetes
    ]
    return replace(courriel, date=date, entetes=entetes)


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    _boite_active()
    courriels: list[MessageBoite] = []
    for nom in boite_demo_noms():
        courriel = boite_demo_message(nom, complet=False)
        if courriel is not None and boite_demo_lisible(courriel, request.user):
            courriels.append(_a_l_heure_de_paris(courriel))
    page_obj = Paginator(courriels, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/outbox_liste.html",
        {
            "courriels": list(page_obj.object_list),
            "page_obj": page_obj,
            "paginator": page_obj.paginator,
        },
    )


@login_required
def outbox_message(request: HttpRequest, nom: str) -> HttpResponse:
    _boite_active()
    courriel = boite_demo_message(nom)
    if courriel is None or not boite_demo_lisible(courriel, request.user):
        raise Http404("Ce message n'est pas dans la boîte d'envoi.")
    return render(request, "core/outbox_message.html", {"courriel": _a_l_heure_de_paris(courriel)})
