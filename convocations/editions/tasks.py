"""Tâches minces des éditions d'une séance : elles appellent le service (file « documents »)."""

from __future__ import annotations

from convocations.editions.services import (
    TYPE_DOSSIER_PREUVE,
    TYPE_EMARGEMENT,
    dossier_preuve_produire,
    emargement_produire,
)
from core.travaux.models import Travail
from core.travaux.services import ResultatTravail, Suivi, tache_travail


@tache_travail(type=TYPE_EMARGEMENT, queue="documents")
def emargement_produire_task(suivi: Suivi, travail: Travail) -> ResultatTravail:
    return emargement_produire(suivi=suivi, travail=travail)


@tache_travail(type=TYPE_DOSSIER_PREUVE, queue="documents")
def dossier_preuve_produire_task(suivi: Suivi, travail: Travail) -> ResultatTravail:
    return dossier_preuve_produire(suivi=suivi, travail=travail)
