"""Tâche mince des éditions : elle appelle le service (file « documents »)."""

from __future__ import annotations

from core.travaux.models import Travail
from core.travaux.services import ResultatTravail, Suivi, tache_travail
from electeurs.editions.services import edition_produire

TYPE_EDITION = "electeurs_edition"


@tache_travail(type=TYPE_EDITION, queue="documents")
def edition_produire_task(suivi: Suivi, travail: Travail) -> ResultatTravail | None:
    edition_produire(suivi=suivi, travail=travail)
    return None
