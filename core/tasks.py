"""Tâches Celery du socle : minces, elles chargent par identifiant et appellent un service.

Routage par défaut (`CELERY_TASK_ROUTES`) : ces tâches vont dans la file `documents`.
"""

from __future__ import annotations

from celery import shared_task

from core.journal import journal_exporter
from core.travaux import travail_execution, travaux_balayer


@shared_task(acks_late=True)
def journal_exporter_task(travail_id: int) -> None:
    with travail_execution(travail_id) as suivi:
        if suivi is not None:
            journal_exporter(suivi=suivi)


@shared_task
def travaux_balayer_task() -> None:
    """Tâche périodique (beat) : la base est la file de référence."""
    travaux_balayer()
