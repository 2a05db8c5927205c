"""Tâches Celery du socle : minces, elles chargent par identifiant et appellent un service.

Routage : une tâche de travail suivi déclare sa file (`@tache_travail(queue=...)`) ; pour les
autres, `CELERY_TASK_ROUTES` envoie les tâches `mail_*` et `boites_*` dans la file `mail`,
le reste va dans la file par défaut `documents`.
"""

from __future__ import annotations

import logging

from celery import shared_task

from core.comptes.services import invitation_preparer
from core.journal.services import journal_exporter
from core.liens.services import activation_preparer
from core.mail.boite import boite_relever, comptes_avec_boite
from core.mail.lots import lot_balayer, lot_envoyer
from core.mail.models import EnvoiActivation, EnvoiInvitation
from core.travaux.models import Travail
from core.travaux.services import Suivi, tache_travail, travaux_balayer

logger = logging.getLogger(__name__)


@tache_travail(type="journal_export", queue="documents")
def journal_exporter_task(suivi: Suivi, travail: Travail) -> None:
    journal_exporter(suivi=suivi)


@shared_task
def travaux_balayer_task() -> None:
    """Tâche périodique (beat) : la base est la file de référence."""
    travaux_balayer()


@shared_task(acks_late=True)
def mail_activation_envoyer_task(envoi_ids: list[int]) -> None:
    """Envoie des liens d'activation (`EnvoiActivation`) par `core.mail.lots.lot_envoyer`.

    Le jeton naît dans le worker (`activation_preparer`) : le broker ne voit que des
    identifiants. Nouveaux essais, échecs et envois incertains : voir `core.mail.lots`."""
    lot_envoyer(
        modele=EnvoiActivation,
        ids=envoi_ids,
        preparer=activation_preparer,
        tache=mail_activation_envoyer_task,
    )


@shared_task
def mail_activations_balayer_task() -> None:
    """Tâche périodique (beat) : envois d'activation oubliés remis en file, interrompus
    déclarés incertains."""
    lot_balayer(modele=EnvoiActivation, tache=mail_activation_envoyer_task)


# --- Boîtes de réception (rebonds, courrier entrant) -----------------------------------------


@shared_task(acks_late=True)
def boites_relever_task(compte_id: int) -> None:
    """Relève la boîte d'un compte. Deux exécutions simultanées ne prennent jamais le même
    message (`CourrierRecu`) ; l'échéance du relevé (`ECHARPE_BOITE_DELAI`) reste sous
    l'intervalle du balayage pour que les relevés ne s'empilent pas."""

    boite_relever(compte_id=compte_id)


@shared_task
def mail_boites_balayer_task() -> None:
    """Tâche périodique (beat) : un relevé par compte dont la boîte est configurée."""

    for compte_id in comptes_avec_boite():
        boites_relever_task.delay(compte_id)


@shared_task(acks_late=True)
def mail_invitation_envoyer_task(envoi_ids: list[int]) -> None:
    """Envoie des invitations (`EnvoiInvitation`) par `core.mail.lots.lot_envoyer` ; le lien
    naît dans le worker (`invitation_preparer`)."""
    lot_envoyer(
        modele=EnvoiInvitation,
        ids=envoi_ids,
        preparer=invitation_preparer,
        tache=mail_invitation_envoyer_task,
    )


@shared_task
def mail_invitations_balayer_task() -> None:
    """Tâche périodique (beat) : envois d'invitation oubliés remis en file, interrompus
    déclarés incertains."""
    lot_balayer(modele=EnvoiInvitation, tache=mail_invitation_envoyer_task)
