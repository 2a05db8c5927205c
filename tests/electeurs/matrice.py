"""Matrice d'accès du fichier électoral (voir `tests/matrice.py`).

Capacité « électeurs » : l'administrateur et l'agent élections lisent, écrivent et exportent,
la lecture seule lit, le secrétariat ne voit rien.
"""

from __future__ import annotations

from tests.matrice import A, Cas, E, L, attendus

CAS_MATRICE = [
    Cas("electeurs:liste", attendus({A, E, L})),
]
