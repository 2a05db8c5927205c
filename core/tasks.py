"""Tâches Celery du socle : minces, elles chargent par identifiant et appellent un service.

Routage : une tâche de travail suivi déclare sa file (`@tache_travail(queue=...)`) ; pour les
autres, `CELERY_TASK_ROUTES` envoie les tâches `mail_*` et `boites_*` dans la file `mail`,
le reste va dans la file par défaut `documents`.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from core.comptes.models import Invitation, StatutInvitation, Utilisateur
from core.comptes.services import invitation_emettre
from core.journal.services import journal_exporter
from core.liens.services import activation_preparer
from core.mail.boite import boite_relever, comptes_avec_boite
from core.mail.erreurs import EchecTemporaire, ErreurEnvoi
from core.mail.lots import lot_balayer, lot_envoyer
from core.mail.models import EnvoiActivation
from core.travaux.models import Travail
from core.travaux.services import Suivi, tache_travail, travaux_balayer

logger = logging.getLogger(__name__)

# Invitations : un courriel à la fois (`invitation_emettre`, par le chemin d'envoi de la
# collectivité), encore hors du chemin des envois en nombre (`core.mail.lots`) : quelques
# nouveaux essais espacés sur les échecs passagers.
INVITATION_ESSAIS_MAX = 5
INVITATION_PREMIER_DELAI = 60
INVITATION_DELAI_MAX = 60 * 60


def delai_nouvel_essai(essai: int) -> int:
    """Secondes d'attente avant l'essai suivant le n° `essai` (0 pour le premier)."""
    return int(min(INVITATION_PREMIER_DELAI * 2**essai, INVITATION_DELAI_MAX))


def _trace(erreur: BaseException) -> int | None:
    message = getattr(erreur, "message_envoye", None)
    return getattr(message, "pk", None)


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


@shared_task(bind=True, acks_late=True, max_retries=INVITATION_ESSAIS_MAX)
def mail_invitation_envoyer_task(self: Any, invitation_id: int, par_id: int | None = None) -> None:
    """Crée le lien de l'invitation et l'envoie à l'adresse saisie
    (`core.comptes.services.invitation_emettre`), par le chemin d'envoi de la collectivité.

    Mêmes nouveaux essais que le lien d'activation : chaque essai émet un lien neuf qui
    révoque le précédent ; rien n'est envoyé si l'invitation n'attend plus de réponse."""

    par = Utilisateur.objects.filter(pk=par_id).first() if par_id is not None else None
    essai = int(self.request.retries or 0)
    while True:
        invitation = (
            Invitation.objects.select_related("collectivite").filter(pk=invitation_id).first()
        )
        if invitation is None or invitation.statut != StatutInvitation.EN_ATTENTE:
            logger.info(
                "Invitation %s non envoyée : introuvable ou plus en attente.", invitation_id
            )
            return
        try:
            lien, message = invitation_emettre(invitation=invitation, par=par)
        except EchecTemporaire as erreur:
            if erreur.incertain or essai >= INVITATION_ESSAIS_MAX:
                logger.error(
                    "Invitation %s : échec temporaire (message %s, code %s), pas de nouvel essai.",
                    invitation_id,
                    _trace(erreur),
                    erreur.code,
                )
                return
            logger.warning(
                "Invitation %s : échec temporaire (message %s, code %s), nouvel essai n° %s.",
                invitation_id,
                _trace(erreur),
                erreur.code,
                essai + 1,
            )
            if not self.request.is_eager:
                raise self.retry(countdown=delai_nouvel_essai(essai)) from None
            essai += 1
            continue
        except (ErreurEnvoi, ValueError) as erreur:
            logger.error(
                "Invitation %s non envoyée : %s (message %s, code %s).",
                invitation_id,
                type(erreur).__name__,
                _trace(erreur),
                getattr(erreur, "code", None),
            )
            return
        logger.info(
            "Invitation %s envoyée (lien %s, message %s).", invitation_id, lien.pk, message.pk
        )
        return
