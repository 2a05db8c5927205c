"""Délais légaux datés et calcul des dates limites (jours francs, jours fériés).

Les appelants écrivent `from core.delais import date_limite_convocation` : ce paquet relaie
`core.delais.services`.
Le relais est paresseux parce que `core.models` importe `core.delais.models` pendant le
chargement des applications, avant que les services (qui importent d'autres modèles) le
puissent.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.delais.services import *  # noqa: F403


def __getattr__(nom: str) -> Any:
    if nom.startswith("__"):
        raise AttributeError(nom)
    return getattr(import_module("core.delais.services"), nom)
