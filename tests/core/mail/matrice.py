"""Matrice d'accès des comptes d'envoi (voir `tests/matrice.py`)."""

from __future__ import annotations

from typing import Any

from core.mail.models import CompteSMTP
from tests.conftest import Monde
from tests.matrice import AVEC_SMTP, A, Cas, E, S, attendus


def _compte_agent(monde: Monde) -> dict[str, Any]:
    compte, _ = CompteSMTP.objects.get_or_create(
        collectivite=monde.collectivite,
        utilisateur=monde.personnes[E],
        defaults={"adresse_expediteur": "e@exemple.test", "hote": "127.0.0.1", "port": 1},
    )
    return {"pk": compte.pk}


CAS_MATRICE = [
    Cas("mail:mon_compte", attendus(AVEC_SMTP)),
    Cas("mail:comptes", attendus({A})),
    Cas("mail:compte_defaut", attendus({A})),
    Cas("mail:compte_modifier", attendus({A}, autre=404), kwargs=_compte_agent),
    Cas(
        "mail:tester",
        # Un agent teste son propre compte ; l'administrateur tous ceux de la collectivité.
        {**attendus({A, E, S}, ok=302, autre=404), S: 403},
        kwargs=_compte_agent,
        methode="post",
        donnees={"test-destinataire": "essai@exemple.test"},
    ),
]

_OUTBOX = "Boîte d'envoi de démonstration : 404 hors démo, test_outbox.py."
HORS_MATRICE = {"mail:outbox": _OUTBOX, "mail:outbox_message": _OUTBOX}
