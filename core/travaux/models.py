"""Travaux suivis : une ligne d'état par traitement long (Celery)."""

from __future__ import annotations

from django.db import models

from core.comptes.models import Utilisateur
from core.tenancy.models import ModeleCollectivite


class StatutTravail(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En cours"
    TERMINE = "termine", "Terminé"
    ECHEC = "echec", "Échec"
    # Le worker s'est tu (arrêt brutal, redémarrage) : rien ne reprendra seul, l'agent relance.
    INTERROMPU = "interrompu", "Interrompu"


class Travail(ModeleCollectivite):
    """Un travail long (import, édition, lot d'envois) suivi sur une page unique."""

    type = models.CharField("type", max_length=80, db_index=True)
    libelle = models.CharField("libellé", max_length=300)
    statut = models.CharField(
        "statut", max_length=20, choices=StatutTravail.choices, default=StatutTravail.EN_ATTENTE
    )
    progression = models.PositiveIntegerField("avancement", default=0)
    total = models.PositiveIntegerField("total", default=0)
    message = models.CharField("message", max_length=500, blank=True)
    parametres = models.JSONField("paramètres", default=dict, blank=True)
    demandeur = models.ForeignKey(
        Utilisateur, on_delete=models.PROTECT, null=True, blank=True, verbose_name="demandeur"
    )
    fichier = models.FileField("fichier produit", upload_to="travaux/%Y/%m/", blank=True)
    fichier_nom = models.CharField("nom du fichier", max_length=200, blank=True)
    erreur = models.TextField("erreur", blank=True)
    tentatives = models.PositiveIntegerField("tentatives", default=0)
    commence_le = models.DateTimeField("commencé le", null=True, blank=True)
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)
    # Battement de cœur de l'exécution en cours : un battement trop ancien veut dire que le
    # worker est mort (SIGKILL) ; le balayage déclare alors le travail interrompu.
    battement_le = models.DateTimeField("dernier signe de vie", null=True, blank=True)
    # Dernière mise en file de la tentative en cours et leur nombre : le balayage ne remet en
    # file qu'un travail oublié, jamais deux fois de suite un travail qui attend déjà.
    mis_en_file_le = models.DateTimeField("mis en file le", null=True, blank=True)
    mises_en_file = models.PositiveIntegerField("mises en file", default=0)

    class Meta:
        verbose_name = "travail"
        verbose_name_plural = "travaux"
        ordering = ["-cree_le"]
        indexes = [
            models.Index(fields=["collectivite", "statut"], name="travail_statut"),
            models.Index(fields=["statut"], name="travail_balayage"),
        ]

    def __str__(self) -> str:
        return self.libelle

    @property
    def pourcentage(self) -> int:
        if self.statut == StatutTravail.TERMINE:
            return 100
        if not self.total:
            return 0
        return min(100, round(100 * self.progression / self.total))
