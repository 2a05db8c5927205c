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
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.views import View

from core.listes import Colonne, ListeMixin
from core.mail.outbox import MessageBoite, boite_demo_lisible, boite_demo_message
from core.mail.selectors import boite_demo_courriels
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


class OutboxView(LoginRequiredMixin, ListeMixin, View):
    colonnes = (
        Colonne("date", "Date", tri=("-date",)),
        Colonne("de", "De", tri=("expediteur",)),
        Colonne("a", "À", tri=("destinataires",)),
        Colonne("objet", "Objet", tri=("sujet",)),
    )
    recherche = ("sujet", "expediteur", "destinataires")
    recherche_libelle = "Rechercher un objet ou une adresse"
    tri_defaut = "date"
    par_page = 50
    legende = "Courriels, du plus récent au plus ancien"
    vide = (
        "La boîte est vide. Les courriels envoyés depuis Écharpe (avis, convocations, "
        "réinitialisation de mot de passe) apparaîtront ici."
    )
    vide_recherche = "Aucun courriel ne correspond. Essayez une autre recherche."

    def get(self, request: HttpRequest) -> HttpResponse:
        _boite_active()
        return render(request, "core/outbox_liste.html", self.contexte_liste())

    def lignes(self) -> list[MessageBoite]:
        return [
            _a_l_heure_de_paris(courriel)
            for courriel in boite_demo_courriels(utilisateur=self.request.user)
        ]

    def cellules(self, objet: MessageBoite) -> dict[str, str]:
        return {
            "date": date_fr(objet.date),
            "de": objet.expediteur,
            "a": objet.destinataires,
            "objet": format_html(
                '<a href="{}">{}</a>',
                reverse("mail:outbox_message", args=[objet.nom]),
                objet.sujet or "(sans objet)",
            ),
        }


outbox = OutboxView.as_view()


@login_required
def outbox_message(request: HttpRequest, nom: str) -> HttpResponse:
    _boite_active()
    courriel = boite_demo_message(nom)
    if courriel is None or not boite_demo_lisible(courriel, request.user):
        raise Http404("Ce message n'est pas dans la boîte d'envoi.")
    return render(request, "core/outbox_message.html", {"courriel": _a_l_heure_de_paris(courriel)})
