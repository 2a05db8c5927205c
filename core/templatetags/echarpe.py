"""Filtres d'affichage au format français (nombres, dates, échéances)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


@register.filter
def nombre(valeur: Any) -> str:
    """1000000 → « 1 000 000 » (espace insécable fine, comme le veut l'usage français)."""
    try:
        entier = int(valeur)
    except (TypeError, ValueError):
        return "" if valeur is None else str(valeur)
    return f"{entier:,}".replace(",", "\u202f")


def pluriel(n: int, singulier: str, pluriel: str = "") -> str:
    """3 « entrée exportée » → « 3 entrées exportées » ; 0 et 1 au singulier (usage français).

    Le nombre passe par `nombre` (« 300 005 ») et reste collé au mot (espace insécable).
    `pluriel` vaut par défaut le singulier suivi de « s » (un seul mot).
    """
    forme = singulier if abs(n) < 2 else (pluriel or f"{singulier}s")
    return f"{nombre(n)}\u00a0{forme}"


@register.filter
def date_fr(valeur: date | datetime | None) -> str:
    """25/11/2026, ou 25/11/2026 à 18 h 30 pour une date et heure."""
    if valeur is None:
        return ""
    if isinstance(valeur, datetime):
        if timezone.is_aware(valeur):
            valeur = timezone.localtime(valeur)
        return f"{valeur:%d/%m/%Y} à {valeur.hour} h {valeur.minute:02d}"
    return f"{valeur:%d/%m/%Y}"


@register.filter
def echeance(valeur: date | None) -> str:
    """« dans 2 jours », « aujourd'hui », « en retard de 3 jours »."""
    if valeur is None:
        return ""
    ecart = (valeur - timezone.localdate()).days
    if ecart == 0:
        return "aujourd'hui"
    if ecart > 0:
        return f"dans {ecart} jour{'s' if ecart > 1 else ''}"
    return f"en retard de {-ecart} jour{'s' if ecart < -1 else ''}"


@register.simple_tag
def url_page(request: HttpRequest, numero: int) -> str:
    """Paramètres de la page courante avec un autre numéro de page (filtres conservés)."""
    parametres = request.GET.copy()
    parametres["page"] = str(numero)
    return parametres.urlencode()


@register.simple_tag
def etat_envoi(statut: str | None, reponse: str | None = "") -> str:
    """L'échec ou l'incertitude du dernier envoi d'un courriel (ligne `LigneEnvoi`), à
    montrer à côté de la personne ; rien pour un envoi parti ou en cours."""
    if statut == "echec":
        return format_html(
            '<span class="etiquette etiquette--echec">Courriel non parti : {}</span>',
            reponse or "le serveur l'a refusé.",
        )
    if statut == "incertain":
        return format_html(
            '<span class="etiquette etiquette--attente">{}</span>',
            "Envoi incertain : le courriel est peut-être parti. Demandez à la personne "
            "avant de renvoyer.",
        )
    return ""
