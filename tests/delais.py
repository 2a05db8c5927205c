"""Les délais nationaux que les migrations de données sèment : un test transactionnel vide les
tables, il les resème avec `semer_delais_nationaux()` (idempotent)."""

from __future__ import annotations

import importlib

from django.apps import apps

_SEMOIRS = [
    ("core.migrations.0002_delais_initiaux", "creer"),
    ("electeurs.migrations.0006_procedure_suite", "creer_delais"),
    ("convocations.migrations.0003_seances_delais", "ajouter"),
]


def semer_delais_nationaux() -> None:
    for module, fonction in _SEMOIRS:
        getattr(importlib.import_module(module), fonction)(apps, None)
