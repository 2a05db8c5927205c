"""Tâches de l'application : minces, elles appellent un service."""

from __future__ import annotations

from core.travaux.models import Travail
from core.travaux.services import ResultatTravail, Suivi, tache_travail
from tests.exemple.services import dossiers_recapituler

TYPE_RECAPITULATIF = "exemple_recapitulatif"


@tache_travail(type=TYPE_RECAPITULATIF, queue="documents")
def dossiers_recapituler_task(suivi: Suivi, travail: Travail) -> ResultatTravail:
    return dossiers_recapituler(suivi=suivi)
