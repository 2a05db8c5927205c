"""Tâches Celery du socle : minces, elles chargent par identifiant et appellent un service.

Routage : une tâche de travail suivi déclare sa file (`@tache_travail(queue=...)`) ; pour les
autres, `CELERY_TASK_ROUTES` envoie les tâches `mail_*` et `boites_*` dans la file `mail`,
le reste va dans la file par défaut `documents`.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from core.comptes.models import Utilisateur
from core.journal.services import journal_exporter
from core.mail.services import EchecTemporaire, ErreurEnvoi
from core.tenancy.models import Collectivite
from core.travaux.models import Travail
from core.travaux.services import Suivi, tache_travail, travaux_balayer

logger = logging.getLogger(__name__)

# Nouveaux essais après un échec temporaire (4xx, délai dépassé, serveur injoignable) :
# 1, 2, 4, 8 puis 16 minutes, puis abandon (la trace MessageEnvoye garde chaque échec).
ACTIVATION_ESSAIS_MAX = 5
ACTIVATION_PREMIER_DELAI = 60
ACTIVATION_DELAI_MAX = 60 * 60


def delai_nouvel_essai(essai: int) -> int:
    """Secondes d'attente avant l'essai suivant le n° `essai` (0 pour le premier)."""
    return int(min(ACTIVATION_PREMIER_DELAI * 2**essai, ACTIVATION_DELAI_MAX))


@tache_travail(type="journal_export", queue="documents")
def journal_exporter_task(suivi: Suivi, travail: Travail) -> None:
    journal_exporter(suivi=suivi)


@shared_task
def travaux_balayer_task() -> None:
    """Tâche périodique (beat) : la base est la file de référence."""
    travaux_balayer()


@shared_task(bind=True, acks_late=True, max_retries=ACTIVATION_ESSAIS_MAX)
def mail_activation_envoyer_task(
    self: Any, utilisateur_id: int, collectivite_id: int, par_id: int | None
) -> None:
    """Crée le lien d'activation et l'envoie (`core.liens.services.activation_emettre`).

    Le jeton naît ici, dans le worker : le broker ne voit que des identifiants. Chaque
    exécution émet un nouveau lien qui révoque le précédent (le dernier émis gagne) ; un nouvel
    essai après un échec temporaire envoie donc un lien neuf. Pas de nouvel essai si le
    message a peut-être été transmis (incertain), ni après un échec définitif (5xx, aucun
    compte d'envoi, adresse refusée) : la trace `MessageEnvoye` et les logs le disent. Rien
    n'est envoyé (ni révoqué) si, au moment d'un essai, le compte est désactivé ou a déjà un
    mot de passe : la personne a pu l'activer par un lien renvoyé entre deux essais.
    """
    collectivite = Collectivite.objects.filter(pk=collectivite_id).first()
    par = Utilisateur.objects.filter(pk=par_id).first() if par_id is not None else None
    essai = int(self.request.retries or 0)
    while True:
        # Relue avant chaque essai : la personne a pu activer son compte (par un lien renvoyé
        # entre-temps) ou être désactivée depuis l'essai précédent.
        utilisateur = Utilisateur.objects.filter(pk=utilisateur_id).first()
        if utilisateur is None or collectivite is None or not utilisateur.email:
            logger.warning(
                "Lien d'activation non envoyé : utilisateur %s (avec une adresse) ou "
                "collectivité %s introuvable.",
                utilisateur_id,
                collectivite_id,
            )
            return
        if not utilisateur.is_active or utilisateur.has_usable_password():
            # Un nouveau lien révoquerait celui qui a peut-être servi, pour rien.
            logger.info(
                "Lien d'activation de l'utilisateur %s non envoyé : compte %s.",
                utilisateur_id,
                "désactivé" if not utilisateur.is_active else "déjà activé",
            )
            return
        erreur = _activation_essai(utilisateur=utilisateur, collectivite=collectivite, par=par)
        if erreur is None:
            return
        if essai >= ACTIVATION_ESSAIS_MAX:
            logger.error(
                "Lien d'activation de l'utilisateur %s abandonné après %s essais (message %s, "
                "code %s).",
                utilisateur_id,
                essai + 1,
                _trace(erreur),
                erreur.code,
            )
            return
        logger.warning(
            "Lien d'activation de l'utilisateur %s : échec temporaire (message %s, code %s), "
            "nouvel essai n° %s.",
            utilisateur_id,
            _trace(erreur),
            erreur.code,
            essai + 1,
        )
        if not self.request.is_eager:
            # Sans `exc` et sans exception liée : Celery écrirait son texte dans le log du
            # nouvel essai et dans le backend de résultats (l'essai est déjà loggé ci-dessus).
            raise self.retry(countdown=delai_nouvel_essai(essai)) from None
        # Mode eager (démonstration, tests) : pas de file où attendre, l'essai suit aussitôt
        # (`retry()` y lèverait `Retry` jusque dans l'appelant).
        essai += 1


def _trace(erreur: BaseException) -> int | None:
    message = getattr(erreur, "message_envoye", None)
    return getattr(message, "pk", None)


def _activation_essai(
    *, utilisateur: Utilisateur, collectivite: Collectivite, par: Utilisateur | None
) -> EchecTemporaire | None:
    """Un essai : rend l'échec temporaire à réessayer, ou None (envoyé, ou échec final)."""
    from core.liens.services import activation_emettre

    try:
        lien, message = activation_emettre(
            utilisateur=utilisateur, collectivite=collectivite, par=par
        )
    except EchecTemporaire as erreur:
        if not erreur.incertain:
            return erreur
        logger.warning(
            "Lien d'activation de l'utilisateur %s peut-être envoyé (message %s, réponse finale "
            "absente) : pas de nouvel essai automatique.",
            utilisateur.pk,
            _trace(erreur),
        )
        return None
    except (ErreurEnvoi, ValueError) as erreur:
        logger.error(
            "Lien d'activation de l'utilisateur %s non envoyé : %s (message %s, code %s).",
            utilisateur.pk,
            type(erreur).__name__,
            _trace(erreur),
            getattr(erreur, "code", None),
        )
        return None
    logger.info(
        "Lien d'activation %s envoyé à l'utilisateur %s (message %s).",
        lien.pk,
        utilisateur.pk,
        message.pk,
    )
    return None


# --- Boîtes de réception (rebonds, courrier entrant) -----------------------------------------


@shared_task(acks_late=True)
def boites_relever_task(compte_id: int) -> None:
    """Relève la boîte d'un compte. Deux exécutions simultanées ne prennent jamais le même
    message (`CourrierRecu`) ; l'échéance du relevé (`ECHARPE_BOITE_DELAI`) reste sous
    l'intervalle du balayage pour que les relevés ne s'empilent pas."""
    from core.mail.boite import boite_relever

    boite_relever(compte_id=compte_id)


@shared_task
def mail_boites_balayer_task() -> None:
    """Tâche périodique (beat) : un relevé par compte dont la boîte est configurée."""
    from core.mail.boite import comptes_avec_boite

    for compte_id in comptes_avec_boite():
        boites_relever_task.delay(compte_id)


@shared_task(bind=True, acks_late=True, max_retries=ACTIVATION_ESSAIS_MAX)
def mail_invitation_envoyer_task(self: Any, invitation_id: int, par_id: int | None = None) -> None:
    """Crée le lien de l'invitation et l'envoie à l'adresse saisie
    (`core.comptes.services.invitation_emettre`), par le chemin d'envoi de la collectivité.

    Mêmes nouveaux essais que le lien d'activation : chaque essai émet un lien neuf qui
    révoque le précédent ; rien n'est envoyé si l'invitation n'attend plus de réponse."""
    from core.comptes.models import Invitation, StatutInvitation
    from core.comptes.services import invitation_emettre

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
            if erreur.incertain or essai >= ACTIVATION_ESSAIS_MAX:
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
