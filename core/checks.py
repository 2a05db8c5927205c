"""Contrôles système (`manage.py check`) propres à Écharpe.

Sans clé de chiffrement valide, enregistrer un mot de passe SMTP échoue : mieux vaut que
`check --deploy` le dise avant la mise en service qu'une page d'erreur après.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterable
from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

CORRECTION = (
    'Générez une clé avec : python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


def cles_chiffrement_problemes(cles: Iterable[str]) -> list[str]:
    """Ce qui ne va pas dans ECHARPE_CLES_CHIFFREMENT, en français ; jamais la clé elle-même."""
    cles = [c.strip() for c in cles]
    if not any(cles):
        return ["ECHARPE_CLES_CHIFFREMENT est vide : aucune clé ne chiffre les mots de passe SMTP."]
    problemes = []
    for rang, cle in enumerate(cles, start=1):
        try:
            Fernet(cle)
        except (ValueError, binascii.Error):
            problemes.append(
                f"ECHARPE_CLES_CHIFFREMENT : la clé n° {rang} n'est pas une clé Fernet "
                "(32 octets encodés en base64 URL, 44 caractères)."
            )
    return problemes


@register(Tags.security, deploy=True)
def cles_chiffrement_verifier(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    cles = getattr(settings, "ECHARPE_CLES_CHIFFREMENT", None) or []
    return [
        Error(probleme, hint=CORRECTION, id="echarpe.E001")
        for probleme in cles_chiffrement_problemes(cles)
    ]
