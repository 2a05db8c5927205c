"""Liens sécurisés : jetons hachés, expiration, usage unique, vérification d'identité.

Les appelants écrivent `from core.liens import lien_creer` : ce paquet relaie `core.liens.services`.
Le relais est paresseux parce que `core.models` importe `core.liens.models` pendant le
chargement des applications, avant que les services (qui importent d'autres modèles) le
puissent.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.liens.services import *  # noqa: F403


def __getattr__(nom: str) -> Any:
    if nom.startswith("__"):
        raise AttributeError(nom)
    return getattr(import_module("core.liens.services"), nom)
