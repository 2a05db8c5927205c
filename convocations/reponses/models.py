"""Pièces jointes aux réponses des élus (un pouvoir signé, un certificat…)."""

from __future__ import annotations

from django.db import models

from convocations.seances.models import Destinataire, Reponse
from core.tenancy.models import ModeleCollectivite


class PieceReponse(ModeleCollectivite):
    """Un fichier joint par l'élu (ou l'agent) à sa réponse. Déposé à l'étape de saisie, il
    reste sans `reponse` jusqu'à la validation ; une pièce jamais validée est supprimée au
    dépôt suivant du même destinataire."""

    destinataire = models.ForeignKey(
        Destinataire,
        verbose_name="destinataire",
        on_delete=models.CASCADE,
        related_name="pieces_reponse",
    )
    reponse = models.ForeignKey(
        Reponse,
        verbose_name="réponse",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pieces",
    )
    fichier = models.FileField("fichier", upload_to="convocations/reponses/%Y/%m/", max_length=255)
    nom_fichier = models.CharField("nom du fichier d'origine", max_length=255)
    type_contenu = models.CharField("type de contenu", max_length=100)
    taille = models.PositiveBigIntegerField("taille (octets)")

    class Meta:
        verbose_name = "pièce jointe à une réponse"
        verbose_name_plural = "pièces jointes aux réponses"
        ordering = ["destinataire", "cree_le", "pk"]

    def __str__(self) -> str:
        return self.nom_fichier
