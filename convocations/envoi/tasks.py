"""Tâches des convocations : minces, elles passent des identifiants et appellent le chemin des
envois en nombre (`core.mail.lots`). Les tâches `*envoyer*` vont dans la file `mail`
(`CELERY_TASK_ROUTES`). Chargées par `ConvocationsConfig.ready()`."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from convocations.envoi.preparation import (
    Preparateur,
    apres_lot,
    destinataires_actualiser,
    destinataires_en_retard,
    seances_recalculer,
)
from convocations.envoi.resume import resumes_envoyer
from convocations.seances.models import EnvoiConvocation
from core.mail.lots import lot_balayer, lot_envoyer


@shared_task(acks_late=True)
def convocations_envoyer_task(ids: list[int]) -> None:
    """Un morceau d'`EnvoiConvocation` : une connexion SMTP, les liens personnels créés en une
    fois pour les lignes réservées (une entrée de journal), un message par ligne."""
    preparateur = Preparateur(ids)
    bilan = lot_envoyer(
        modele=EnvoiConvocation,
        ids=ids,
        preparer=preparateur,
        preparer_lot=preparateur.creer_liens,
        tache=convocations_envoyer_task,
    )
    apres_lot(bilan)


@shared_task
def convocations_balayer_task() -> None:
    """Beat, chaque minute : envois oubliés remis en file, interrompus déclarés incertains,
    compteurs et rebonds (avis de non-remise relevés) rattrapés."""
    lot_balayer(modele=EnvoiConvocation, tache=convocations_envoyer_task)
    seances_recalculer(destinataires_actualiser(destinataire_ids=destinataires_en_retard()))


@shared_task
def convocations_resumes_envoyer_task() -> None:
    """Beat, chaque jour : le résumé des nouvelles réponses aux agents qui l'ont demandé."""
    resumes_envoyer(maintenant=timezone.now())
