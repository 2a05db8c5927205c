"""Matrice d'accès des travaux suivis (voir `tests/matrice.py`)."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from core.travaux.models import Travail
from tests.conftest import Monde
from tests.matrice import A, Cas, attendus


def _travail_export(monde: Monde) -> dict[str, Any]:
    travail = Travail.objects.create(
        collectivite=monde.collectivite,
        type="journal_export",
        libelle="Export du journal",
        statut="echec",
        demandeur=monde.personnes[A],
        erreur="Erreur de test",
    )
    return {"pk": travail.pk}


def _travail_termine(monde: Monde) -> dict[str, Any]:
    travail = Travail.objects.create(
        collectivite=monde.collectivite,
        type="journal_export",
        libelle="Export du journal",
        statut="termine",
        demandeur=monde.personnes[A],
        fichier_nom="journal.csv",
    )
    travail.fichier.save("journal.csv", ContentFile(b"N\r\n"))
    return {"pk": travail.pk}


CAS_MATRICE = [
    Cas("travaux:detail", attendus({A}, autre=404), kwargs=_travail_export),
    Cas("travaux:etat", attendus({A}, autre=404), kwargs=_travail_export),
    Cas("travaux:telecharger", attendus({A}, autre=404), kwargs=_travail_termine),
    Cas(
        "travaux:relancer", attendus({A}, ok=302, autre=404), kwargs=_travail_export, methode="post"
    ),
]
