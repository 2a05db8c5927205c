"""Matrice rôle × vue : chaque URL nommée, chaque profil, le statut attendu.

Chaque application déclare ses propres cas, à côté de ses tests, dans un module `matrice.py`
(`tests/core/<préoccupation>/matrice.py`, `tests/<application>/matrice.py`) :

    CAS_MATRICE = [Cas("exemple:liste", attendus({A, S, L})), ...]
    HORS_MATRICE = {"exemple:public": "pourquoi cette URL n'est pas dans la matrice"}

`tests/test_matrice_acces.py` les rassemble (`cas_declares`, `hors_matrice`) en un seul test
paramétré, et échoue si une URL nommée du projet n'est ni dans un `CAS_MATRICE` ni dans un
`HORS_MATRICE` : une vue ajoutée sans ses cas fait échouer la suite. Le tableau des rôles de
`core.comptes.permissions` est la source des statuts attendus.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

from core.comptes.models import TypeRole
from tests.conftest import Monde

A = TypeRole.ADMINISTRATEUR
E = TypeRole.AGENT_ELECTIONS
S = TypeRole.SECRETARIAT
L = TypeRole.LECTURE
TOUS_AGENTS = {A, E, S, L}
AVEC_SMTP = {A, E, S}

NOM_MODULE = "matrice.py"
_RACINE = Path(__file__).resolve().parent


def attendus(autorises: set[str], *, ok: int = 200, autre: int | None = None) -> dict[str, int]:
    """Statut par profil : `ok` pour les rôles autorisés, 403 pour les autres agents et les
    personnes sans rôle, redirection vers la connexion pour l'anonyme. `autre` : statut pour
    l'administrateur d'une autre collectivité (404 pour un objet qui n'est pas à lui)."""
    resultat = {"anonyme": 302, "sans_role": 403, "elu": 403}
    for role in (A, E, S, L):
        resultat[role] = ok if role in autorises else 403
    resultat["autre_collectivite"] = autre if autre is not None else ok if A in autorises else 403
    return resultat


@dataclass(frozen=True)
class Cas:
    """Une URL nommée (`espace:nom`) et le statut attendu pour chaque profil.

    `kwargs(monde)` crée ce dont l'URL a besoin (dans la collectivité `monde.collectivite`)
    et rend ses arguments ; `methode` et `donnees` disent comment l'appeler."""

    nom: str
    attendu: dict[str, int]
    kwargs: Callable[[Monde], dict[str, Any]] | None = None
    methode: str = "get"
    donnees: dict[str, Any] = field(default_factory=dict)


def modules_matrice() -> list[ModuleType]:
    """Les modules `matrice.py` de `tests/`, hors celui-ci, dans l'ordre des chemins."""
    modules = []
    for chemin in sorted(_RACINE.rglob(NOM_MODULE)):
        relatif = chemin.relative_to(_RACINE.parent).with_suffix("")
        if relatif.parts == ("tests", "matrice"):
            continue
        modules.append(import_module(".".join(relatif.parts)))
    return modules


def cas_declares() -> list[Cas]:
    return [cas for module in modules_matrice() for cas in getattr(module, "CAS_MATRICE", [])]


def hors_matrice() -> dict[str, str]:
    """URL hors matrice, et pourquoi (testées ailleurs : jeton, compte connecté, démo…)."""
    exceptions: dict[str, str] = {}
    for module in modules_matrice():
        exceptions.update(getattr(module, "HORS_MATRICE", {}))
    return exceptions
