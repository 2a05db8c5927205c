"""Tâches de la procédure : minces, elles appellent un service."""

from __future__ import annotations

from core.travaux.models import Travail
from core.travaux.services import ResultatTravail, Suivi, tache_travail
from electeurs.procedure.documents import tableau_commission_rendre

TYPE_TABLEAU_COMMISSION = "electeurs_tableau_commission"


@tache_travail(type=TYPE_TABLEAU_COMMISSION, queue="documents")
def tableau_commission_task(suivi: Suivi, travail: Travail) -> ResultatTravail:
    return tableau_commission_rendre(suivi=suivi, reunion_id=int(travail.parametres["reunion"]))
