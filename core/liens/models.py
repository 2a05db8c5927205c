"""Liens sécurisés (jetons hachés, expirants, à usage unique) et essais par personne."""

from __future__ import annotations

from django.db import models

from core.comptes.models import Utilisateur
from core.tenancy.models import BaseModel, ModeleCollectivite


class LienSecurise(ModeleCollectivite):
    """Lien personnel : seul le SHA-256 du jeton est stocké."""

    hash_jeton = models.CharField(max_length=64, unique=True, editable=False)
    objectif = models.CharField("objectif", max_length=60)
    cible_type = models.CharField("type de cible", max_length=80)
    cible_id = models.CharField("identifiant de la cible", max_length=64)
    expire_le = models.DateTimeField("expire le")
    usage_unique = models.BooleanField("usage unique", default=True)
    utilise_le = models.DateTimeField("utilisé le", null=True, blank=True)
    revoque_le = models.DateTimeField("révoqué le", null=True, blank=True)
    date_naissance_attendue = models.DateField(null=True, blank=True, editable=False)
    departement_attendu = models.CharField(max_length=3, blank=True, editable=False)
    tentatives = models.PositiveIntegerField("tentatives d'identification", default=0)
    tentatives_max = models.PositiveIntegerField("tentatives autorisées", default=5)
    verrouille_le = models.DateTimeField("verrouillé le", null=True, blank=True)
    identite_verifiee_le = models.DateTimeField(null=True, blank=True)
    cree_par = models.ForeignKey(
        Utilisateur, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "lien sécurisé"
        verbose_name_plural = "liens sécurisés"
        ordering = ["-cree_le"]
        indexes = [
            models.Index(fields=["objectif", "cible_type", "cible_id"], name="lien_cible"),
        ]

    def __str__(self) -> str:
        return f"{self.objectif} → {self.cible_type} {self.cible_id}"

    @property
    def verification_identite(self) -> bool:
        return self.date_naissance_attendue is not None


class CompteurIdentite(BaseModel):
    """Échecs de vérification d'identité d'une personne (la cible des liens), tous liens
    confondus : un nouveau lien ne remet pas le compteur à zéro. Le blocage tombe après
    `core.liens.DUREE_BLOCAGE_IDENTITE`, ou quand le personnel supprime la ligne."""

    cible_type = models.CharField("type de cible", max_length=80)
    cible_id = models.CharField("identifiant de la cible", max_length=64)
    echecs = models.PositiveIntegerField("échecs", default=0)
    dernier_echec = models.DateTimeField("dernier échec", null=True, blank=True)
    verrouille_le = models.DateTimeField("bloqué le", null=True, blank=True)

    class Meta:
        verbose_name = "compteur d'identification"
        verbose_name_plural = "compteurs d'identification"
        ordering = ["-modifie_le"]
        constraints = [
            models.UniqueConstraint(
                fields=["cible_type", "cible_id"], name="compteur_identite_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cible_type} {self.cible_id} : {self.echecs} échec(s)"
