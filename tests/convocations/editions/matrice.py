"""Matrice d'accès de l'onglet « Éditions » d'une séance : tout rôle des convocations le lit
(la lecture seule y voit le quorum et la règle de délai) ; éditer les documents demande le droit
d'export (administrateur, secrétariat). La séance d'une autre collectivité : 404."""

from __future__ import annotations

from typing import Any

from tests.conftest import Monde
from tests.convocations.factories import SeanceFactory
from tests.matrice import A, Cas, L, S, attendus


def _seance(monde: Monde) -> dict[str, Any]:
    return {"pk": SeanceFactory(collectivite=monde.collectivite).pk}


CAS_MATRICE = [
    Cas("convocations:seance_editions", attendus({A, S, L}, autre=404), kwargs=_seance),
    Cas(
        "convocations:seance_editions",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_seance,
        methode="post",
        donnees={"edition": "dossier_preuve"},
    ),
]
