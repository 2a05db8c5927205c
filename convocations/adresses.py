"""L'adresse électronique d'un contact : nettoyée, domaine en minuscules, validée comme
`core.mail` la validera à l'envoi (domaine internationalisé accepté, partie locale ASCII)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.mail.entetes import adresse_ascii


def normaliser_email(valeur: str) -> str:
    """« Jean.Dupont@Mairie.FR » → « Jean.Dupont@mairie.fr » ; `ValueError` en français sinon.

    La partie locale garde sa casse (la RFC 5321 la laisse au serveur) ; le domaine n'en a pas.
    """
    adresse = valeur.strip()
    local, arobase, domaine = adresse.rpartition("@")
    invalide = ValueError(f"Adresse électronique invalide : « {valeur.strip()[:100]} ».")
    if not arobase or not local or not domaine:
        raise invalide
    adresse = f"{local}@{domaine.lower()}"
    try:
        validate_email(adresse)
        # L'envoi passe le domaine en punycode et refuse une partie locale non ASCII.
        adresse_ascii(adresse)
    except (ValidationError, UnicodeError):
        raise invalide from None
    return adresse
