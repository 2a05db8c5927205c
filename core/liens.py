"""Liens sécurisés (seed 002) : jeton de 256 bits, seul son SHA-256 est stocké."""

from __future__ import annotations

import logging
import re

# Un jeton ressemble à 43 caractères base64url ; on le masque dans toute ligne de log.
_MOTIF_JETON = re.compile(r"/l/[A-Za-z0-9_\-]{20,}")


class FiltreJetonLog(logging.Filter):
    """Retire les jetons des URL journalisées (runserver, gunicorn, erreurs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _MOTIF_JETON.search(message):
            record.msg = _MOTIF_JETON.sub("/l/[jeton masqué]", message)
            record.args = ()
        return True
