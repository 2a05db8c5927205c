"""Matrice d'accès de l'envoi et du suivi des convocations (voir `tests/matrice.py`).

Lire le suivi : administrateur, secrétariat, lecture seule. Envoyer, relancer, notifier :
qui a le droit d'envoyer (administrateur, secrétariat). « Non reçu » et envoi papier : écriture.
Un objet d'une autre collectivité : 404."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tests.conftest import Monde
from tests.convocations.factories import DestinataireFactory, SeanceFactory
from tests.matrice import A, Cas, L, S, attendus


def _seance(monde: Monde) -> dict[str, Any]:
    return {"pk": SeanceFactory(collectivite=monde.collectivite).pk}


def _destinataire(monde: Monde) -> dict[str, Any]:
    seance = SeanceFactory(collectivite=monde.collectivite)
    return {"pk": DestinataireFactory(seance=seance, lu_le=timezone.now()).pk}


CAS_MATRICE = [
    Cas("convocations:seance_suivi", attendus({A, S, L}, autre=404), kwargs=_seance),
    Cas(
        "convocations:seance_envoyer",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_seance,
        methode="post",
    ),
    Cas(
        "convocations:seance_relancer",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_seance,
        methode="post",
    ),
    Cas(
        "convocations:seance_notifier",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_seance,
        methode="post",
    ),
    Cas(
        "convocations:destinataire_non_recu",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_destinataire,
        methode="post",
    ),
    Cas("convocations:destinataire_papier", attendus({A, S}, autre=404), kwargs=_destinataire),
    Cas(
        "convocations:destinataire_papier",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_destinataire,
        methode="post",
        donnees={"le": "15/01/2025"},
    ),
    Cas("convocations:resume_abonner", attendus({A, S, L}, ok=302), methode="post"),
]
