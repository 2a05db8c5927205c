"""Adresse du client derrière le proxy TLS, pour django-axes.

Derrière nginx (ou Caddy), toutes les requêtes arrivent de l'adresse du proxy : sans elle, un
verrouillage après des échecs de connexion toucherait tout le monde. Seuls les
`ECHARPE_PROXIES_DE_CONFIANCE` derniers proxies sont crus : chacun ajoute à droite de
X-Forwarded-For l'adresse qu'il a vue, tout ce qui est plus à gauche vient du client et peut
être inventé.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def adresse_client(request: HttpRequest) -> str | None:
    """L'adresse vue par le premier proxy de confiance, sinon REMOTE_ADDR."""
    directe = request.META.get("REMOTE_ADDR") or None
    nombre = settings.ECHARPE_PROXIES_DE_CONFIANCE
    if nombre <= 0:
        return directe
    chaine = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chaine = [a for a in chaine if a]
    if len(chaine) < nombre:
        # En-tête absent ou trop court : la requête n'est pas passée par tous les proxies.
        return directe
    candidate = chaine[-nombre]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return directe
