"""Matrice d'accès des délais (voir `tests/matrice.py`)."""

from tests.matrice import A, Cas, attendus

CAS_MATRICE = [
    Cas("delais:liste", attendus({A})),
    Cas(
        "delais:surcharger",
        attendus({A}, ok=302),
        kwargs=lambda monde: {"code": "convocation_commission"},
        methode="post",
        donnees={"valeur": "4", "valide_du": "31/12/2099"},
    ),
]
