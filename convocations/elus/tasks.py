"""Tâches de l'espace élu : minces, elles passent par `core.mail.lots`."""

from __future__ import annotations

from celery import shared_task

from convocations.elus.courriels import courriel_preparer
from convocations.elus.models import CourrielElu
from core.mail.lots import lot_balayer, lot_envoyer


@shared_task(acks_late=True)
def elus_courriels_envoyer_task(ids: list[int]) -> None:
    lot_envoyer(
        modele=CourrielElu, ids=ids, preparer=courriel_preparer, tache=elus_courriels_envoyer_task
    )


@shared_task
def elus_courriels_balayer_task() -> None:
    """Beat : courriels oubliés remis en file, interrompus déclarés incertains."""
    lot_balayer(modele=CourrielElu, tache=elus_courriels_envoyer_task)
