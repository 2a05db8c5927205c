"""Journaux techniques sans jeton : filtre des lignes de runserver, gunicorn et des erreurs.

Un lien sécurisé (`/l/<jeton>/`) ou un lien de réinitialisation de mot de passe
(`/compte/mot-de-passe/nouveau/<uidb64>/<jeton>/`) vaut un mot de passe tant qu'il est valide :
il ne doit rester dans aucun fichier de log. Ce module est lu par LOGGING avant le chargement
des applications : il n'importe rien de Django.
"""

from __future__ import annotations

import logging
import re

# Un jeton de lien ressemble à 43 caractères base64url ; 20 suffisent pour le reconnaître.
_MOTIF_LIEN = re.compile(r"/l/[A-Za-z0-9_\-]{20,}")
# Django redirige la page de confirmation vers `<uidb64>/set-password/` : l'identifiant du
# compte est masqué à cette étape aussi, le jeton à la première.
# Caractères de base64 URL seulement : une ligne déjà masquée ne l'est pas deux fois.
_MOTIF_REINITIALISATION = re.compile(r"(/compte/mot-de-passe/nouveau/)[\w\-=]+/[\w\-]+")


def masquer_jetons(texte: str) -> str:
    """`texte` sans les jetons des liens sécurisés et de réinitialisation."""
    texte = _MOTIF_LIEN.sub("/l/[jeton masqué]", texte)
    return _MOTIF_REINITIALISATION.sub(r"\1[masqué]/[jeton masqué]", texte)


class FiltreJetonLog(logging.Filter):
    """Réécrit le message d'un enregistrement qui contient un jeton, arguments compris.

    Les arguments sont fusionnés au message (gunicorn passe un dictionnaire, Django un tuple) :
    un handler qui les relirait ne retrouve pas le jeton.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 — un message mal formé se journalise quand même
            return True
        masque = masquer_jetons(message)
        if masque != message:
            record.msg = masque
            record.args = ()
        return True
