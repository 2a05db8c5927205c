"""Modèles propres à l'envoi : l'abonnement d'un agent au résumé quotidien des réponses."""

from __future__ import annotations

from django.db import models

from core.comptes.models import Utilisateur
from core.tenancy.models import ModeleCollectivite


class AbonnementResume(ModeleCollectivite):
    """Un agent qui reçoit chaque jour, par courriel, les nouvelles réponses des élus aux
    séances de la collectivité (facultatif : il s'abonne depuis la page « Envoi et suivi »)."""

    utilisateur = models.ForeignKey(
        Utilisateur, verbose_name="agent", on_delete=models.CASCADE, related_name="+"
    )
    dernier_envoi_le = models.DateTimeField("dernier résumé le", null=True, blank=True)

    class Meta:
        verbose_name = "abonnement au résumé des réponses"
        verbose_name_plural = "abonnements au résumé des réponses"
        ordering = ["collectivite", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collectivite", "utilisateur"],
                name="convocations_abonnement_resume_unique",
                violation_error_message="Vous recevez déjà ce résumé.",
            )
        ]

    def __str__(self) -> str:
        return f"Résumé des réponses pour {self.utilisateur}"


class ActionEnvoi(models.TextChoices):
    """Actions de l'envoi des convocations que le journal enregistre (libellés français)."""

    CONVOCATIONS_SEANCE_ENVOYEE = "convocations_seance_envoyee", "Convocation envoyée"
    CONVOCATIONS_CONVOCATION_RENVOYEE = (
        "convocations_convocation_renvoyee",
        "Convocation envoyée à nouveau",
    )
    CONVOCATIONS_SEANCE_NOTIFIEE = (
        "convocations_seance_notifiee",
        "Élus notifiés du procès-verbal ou du compte rendu",
    )
    CONVOCATIONS_NON_RECU = "convocations_non_recu", "Convocation définie comme non reçue"
    CONVOCATIONS_PAPIER = "convocations_papier", "Envoi papier enregistré"
    CONVOCATIONS_RESUME_ABONNEMENT = (
        "convocations_resume_abonnement",
        "Résumé quotidien des réponses demandé ou arrêté",
    )
