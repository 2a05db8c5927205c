"""Matrice d'accès de la fiche de la collectivité (voir `tests/matrice.py`)."""

from tests.matrice import TOUS_AGENTS, A, Cas, attendus

CAS_MATRICE = [
    Cas("tenancy:collectivite", attendus({A})),
    # Sans logo enregistré, la vue répond 404 à qui a le droit de la voir.
    Cas("tenancy:logo", attendus(TOUS_AGENTS, ok=404)),
]
