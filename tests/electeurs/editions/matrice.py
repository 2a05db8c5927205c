"""Matrice d'accès des éditions : exporter demande le droit d'export (administrateur, agent
élections) ; la lecture seule et le secrétariat n'y ont pas accès."""

from __future__ import annotations

from tests.matrice import A, Cas, E, attendus

CAS_MATRICE = [
    Cas("electeurs:editions", attendus({A, E})),
    Cas(
        "electeurs:editions",
        attendus({A, E}, ok=302),
        methode="post",
        donnees={"edition": "liste_electorale", "liste": "LP", "format": "csv"},
    ),
]
