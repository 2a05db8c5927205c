"""La barre d'onglets d'une séance (`convocations/seances/_onglets.html`)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import NoReverseMatch, reverse

from convocations.seances.onglets import onglets_seance

register = template.Library()


@dataclass(frozen=True)
class LienOnglet:
    titre: str
    url: str
    courant: bool


@register.simple_tag
def onglets_de_seance(seance: object, courant: str = "") -> list[LienOnglet]:
    """Les onglets enregistrés dont l'adresse existe, celui de `courant` marqué."""
    liens = []
    for onglet in onglets_seance.tous():
        try:
            url = reverse(onglet.url_name, args=[seance.pk])  # type: ignore[attr-defined]
        except NoReverseMatch:
            continue
        liens.append(LienOnglet(onglet.titre, url, onglet.cle == courant))
    return liens
