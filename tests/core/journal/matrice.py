"""Matrice d'accès du journal (voir `tests/matrice.py`)."""

from tests.matrice import A, Cas, E, S, attendus

CAS_MATRICE = [
    Cas("journal:liste", attendus({A, E, S})),
    Cas("journal:exporter", attendus({A}, ok=302), methode="post"),
]
