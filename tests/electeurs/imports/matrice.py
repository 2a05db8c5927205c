"""Matrice d'accès de l'import de l'extrait REU (voir `tests/matrice.py`).

Lire l'historique et les aperçus : capacité « électeurs » en lecture (lecture seule comprise) ;
déposer et confirmer : écriture (administrateur, agent élections)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Monde
from tests.electeurs.factories import ImportREUFactory
from tests.matrice import A, Cas, E, L, attendus


def _import(monde: Monde) -> dict[str, Any]:
    return {"pk": ImportREUFactory(collectivite=monde.collectivite).pk}


CAS_MATRICE = [
    Cas("electeurs:import_liste", attendus({A, E, L})),
    Cas("electeurs:import_nouveau", attendus({A, E})),
    Cas("electeurs:import_detail", attendus({A, E, L}, autre=404), kwargs=_import),
    Cas(
        "electeurs:import_confirmer",
        attendus({A, E}, ok=302, autre=404),
        kwargs=_import,
        methode="post",
    ),
]
