"""Tâches minces de l'import : l'analyse (aperçu) et l'application, sur la file « documents »."""

from __future__ import annotations

from core.travaux.models import Travail
from core.travaux.services import ResultatTravail, Suivi, tache_travail
from electeurs.imports.services import (
    TYPE_ANALYSE,
    TYPE_APPLICATION,
    import_analyser,
    import_appliquer,
)


@tache_travail(type=TYPE_ANALYSE, queue="documents")
def import_analyser_task(suivi: Suivi, travail: Travail) -> ResultatTravail:
    return ResultatTravail(message=import_analyser(suivi=suivi))


@tache_travail(type=TYPE_APPLICATION, queue="documents")
def import_appliquer_task(suivi: Suivi, travail: Travail) -> ResultatTravail:
    return ResultatTravail(message=import_appliquer(suivi=suivi))
