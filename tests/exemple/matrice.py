"""Matrice d'accès de l'application d'exemple (voir `tests/matrice.py`).

Capacité « convocations » : l'administrateur et le secrétariat lisent, écrivent et exportent,
la lecture seule lit, l'agent élections ne voit rien.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Monde
from tests.exemple.models import Dossier
from tests.matrice import A, Cas, L, S, attendus


def _dossier(monde: Monde) -> dict[str, Any]:
    return {"pk": Dossier.objects.create(collectivite=monde.collectivite, titre="Voirie").pk}


CAS_MATRICE = [
    Cas("exemple:liste", attendus({A, S, L})),
    Cas("exemple:detail", attendus({A, S, L}, autre=404), kwargs=_dossier),
    # Un POST sur la liste ouvre un dossier : il demande l'écriture, que la lecture seule n'a pas.
    Cas("exemple:liste", attendus({A, S}, ok=302), methode="post", donnees={"titre": "Écoles"}),
    Cas("exemple:recapituler", attendus({A, S}, ok=302), methode="post"),
]
