"""Matrice d'accès de la boîte des notifications du REU : l'administrateur et l'agent
élections lisent et traitent, la lecture seule lit, le secrétariat ne voit rien."""

from __future__ import annotations

from typing import Any

from electeurs.reu.models import NotificationREU
from tests.conftest import Monde
from tests.matrice import A, Cas, E, L, attendus


def _notification(monde: Monde) -> dict[str, Any]:
    notification = NotificationREU.objects.create(
        collectivite=monde.collectivite,
        type="radiation_deces",
        recue_le="2026-11-20",
        texte="Radiation pour décès.",
        source="saisie",
    )
    return {"pk": notification.pk}


CAS_MATRICE = [
    Cas("electeurs:reu_liste", attendus({A, E, L})),
    Cas("electeurs:reu_detail", attendus({A, E, L}, autre=404), kwargs=_notification),
    Cas("electeurs:reu_nouvelle", attendus({A, E})),
    Cas(
        "electeurs:reu_nouvelle",
        attendus({A, E}, ok=302),
        methode="post",
        donnees={"type": "autre", "recue_le": "20/11/2026", "texte": "Avis."},
    ),
    Cas("electeurs:reu_importer", attendus({A, E})),
    Cas(
        "electeurs:reu_traiter",
        attendus({A, E}, ok=302, autre=404),
        kwargs=_notification,
        methode="post",
    ),
    Cas(
        "electeurs:reu_rouvrir",
        attendus({A, E}, ok=302, autre=404),
        kwargs=_notification,
        methode="post",
    ),
    # Électeur inconnu : la notification est trouvée (302 vers elle avec un message d'erreur).
    Cas(
        "electeurs:reu_lier",
        attendus({A, E}, ok=302, autre=404),
        kwargs=_notification,
        methode="post",
        donnees={"electeur": "abc"},
    ),
]
