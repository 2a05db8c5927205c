"""Courriel : comptes d'envoi, la fonction d'envoi unique, connexion SMTP, backends, boîte de
démonstration.

Les appelants écrivent `from core.mail import envoyer` : ce paquet relaie `core.mail.services`.
Le relais est paresseux parce que `core.models` importe `core.mail.models` pendant le
chargement des applications, avant que les services (qui importent d'autres modèles) le
puissent.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.mail.services import *  # noqa: F403


def __getattr__(nom: str) -> Any:
    if nom.startswith("__"):
        raise AttributeError(nom)
    return getattr(import_module("core.mail.services"), nom)
