"""Tâche mince de la lettre de convocation : elle appelle le service (file « documents »)."""

from __future__ import annotations

from convocations.seances.lettre import TYPE_LETTRE, lettre_produire
from core.travaux.models import Travail
from core.travaux.services import ResultatTravail, Suivi, tache_travail


@tache_travail(type=TYPE_LETTRE, queue="documents")
def lettre_produire_task(suivi: Suivi, travail: Travail) -> ResultatTravail:
    return lettre_produire(suivi=suivi, travail=travail)
