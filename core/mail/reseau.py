"""Connexions sortantes vers les serveurs de courriel choisis par les agents.

Le serveur d'un compte d'envoi (SMTP, POP3, IMAP) est une donnée saisie par un agent : sans
garde, « Tester la connexion » ou un relevé de boîte servirait à sonder le réseau du serveur
(ports ouverts, adresses internes, service de métadonnées du nuage). Toute connexion passe
donc par `connexion_autorisee`, qui résout le nom, refuse les adresses des réseaux interdits
(`ECHARPE_RESEAUX_INTERDITS`) et se connecte à l'adresse vérifiée elle-même (pas de seconde
résolution qu'un DNS malveillant pourrait faire changer entre-temps).
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from typing import Any

from django.conf import settings

MESSAGE_ADRESSE_INTERDITE = (
    "Le serveur {hote} désigne une adresse réservée (machine locale ou réseau interne de la "
    "plateforme) : Écharpe ne s'y connecte pas. Indiquez le serveur de votre messagerie."
)


class AdresseInterdite(OSError):
    """Le nom du serveur mène à une adresse d'un réseau interdit."""

    def __init__(self, hote: str) -> None:
        super().__init__(MESSAGE_ADRESSE_INTERDITE.format(hote=hote))
        self.texte = MESSAGE_ADRESSE_INTERDITE.format(hote=hote)


@lru_cache(maxsize=8)
def _reseaux(valeurs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in valeurs)


def adresse_interdite(adresse: str) -> bool:
    ip = ipaddress.ip_address(adresse.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    reseaux = _reseaux(tuple(getattr(settings, "ECHARPE_RESEAUX_INTERDITS", ())))
    return any(ip.version == reseau.version and ip in reseau for reseau in reseaux)


def connexion_autorisee(
    hote: str, port: int, delai: float | None, source: Any = None
) -> socket.socket:
    """`socket.create_connection`, vers une adresse vérifiée seulement."""
    derniere: OSError | None = None
    for famille, type_, proto, _nom, adresse in socket.getaddrinfo(
        hote, port, 0, socket.SOCK_STREAM
    ):
        if adresse_interdite(str(adresse[0])):
            raise AdresseInterdite(hote)
        sock = socket.socket(famille, type_, proto)
        try:
            if delai is not None:
                sock.settimeout(delai)
            if source:
                sock.bind(source)
            sock.connect(adresse)
            return sock
        except OSError as erreur:
            sock.close()
            derniere = erreur
    raise derniere or OSError(f"Aucune adresse pour {hote}")
