"""Courriel : comptes d'envoi, la fonction d'envoi unique, connexion SMTP, backends, boîte de
démonstration, envoi en nombre.

Modules : `services` (`envoyer`, `envoyer_gabarit`, `rendre_gabarit`, et les erreurs de
`erreurs`), `connexion` (`ConnexionSMTP`, échéances, TLS), `entetes` (vérification des
en-têtes et des adresses), `backends` (backends de Django), `outbox` (boîte de
démonstration), `comptes` (comptes d'envoi), `verification` (« Tester la connexion »),
`lots` (envoi en nombre), `boite` et `dsn` (relevé des boîtes, rebonds).

Les appelants écrivent `from core.mail import envoyer` : ce paquet relaie, dans l'ordre,
`services`, `connexion`, `entetes`, `outbox` et `backends`. Le relais est paresseux parce que
`core.models` importe `core.mail.models` pendant le chargement des applications, avant que
les services (qui importent d'autres modèles) le puissent.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.mail.backends import *  # noqa: F403
    from core.mail.connexion import *  # noqa: F403
    from core.mail.entetes import *  # noqa: F403
    from core.mail.outbox import *  # noqa: F403
    from core.mail.services import *  # noqa: F403

_MODULES = ("services", "connexion", "entetes", "outbox", "backends")


def __getattr__(nom: str) -> Any:
    if nom.startswith("_"):
        raise AttributeError(nom)
    for module in _MODULES:
        relais = import_module(f"core.mail.{module}")
        if nom in getattr(relais, "__all__", ()):
            return getattr(relais, nom)
    raise AttributeError(f"module 'core.mail' has no attribute {nom!r}")
