"""Les notifications du REU à la mairie (« onglet Rappel ») : une boîte à traiter.

Le REU (INSEE) prévient la commune de ce qui change pour ses électeurs : inscription d'office
d'un jeune ou d'une personne naturalisée, radiation pour décès, inscription dans une autre
commune, perte de nationalité ou de droits, correction de l'état civil, demande d'inscription
en ligne (service-public.fr) qui attend la décision du maire sous 5 jours. Ces avis arrivent
dans le fichier exporté d'ELIRE, par courriel, ou sont saisis à la main ; chacun est « à
traiter » jusqu'à ce qu'un agent le marque « traité ».
"""

from __future__ import annotations

from django.db import models

from core.comptes.models import Utilisateur
from core.tenancy.models import ModeleCollectivite


class TypeNotificationREU(models.TextChoices):
    INSCRIPTION_OFFICE_JEUNE = "inscription_office_jeune", "Inscription d'office d'un jeune"
    INSCRIPTION_OFFICE_NATURALISE = (
        "inscription_office_naturalise",
        "Inscription d'office d'une personne naturalisée",
    )
    RADIATION_DECES = "radiation_deces", "Radiation pour décès"
    INSCRIPTION_AUTRE_COMMUNE = "inscription_autre_commune", "Inscription dans une autre commune"
    PERTE_DROITS = "perte_droits", "Perte de nationalité ou des droits civiques"
    CORRECTION_INSEE = "correction_insee", "Correction de l'INSEE"
    DEMANDE_EN_LIGNE = (
        "demande_en_ligne",
        "Demande d'inscription en ligne (service-public.fr)",
    )
    AUTRE = "autre", "Autre"


class SourceNotificationREU(models.TextChoices):
    FICHIER = "fichier", "Fichier exporté d'ELIRE"
    SAISIE = "saisie", "Saisie manuelle"
    COURRIEL = "courriel", "Courriel"


class EtatNotificationREU(models.TextChoices):
    A_TRAITER = "a_traiter", "À traiter"
    TRAITEE = "traitee", "Traitée"


class ActionREU(models.TextChoices):
    """Les actions journalisées de la boîte des notifications du REU."""

    ELECTEURS_NOTIFICATION_REU_RECUE = (
        "electeurs_notification_reu_recue",
        "Notification du REU enregistrée",
    )
    ELECTEURS_NOTIFICATION_REU_TRAITEE = (
        "electeurs_notification_reu_traitee",
        "Notification du REU traitée",
    )
    ELECTEURS_NOTIFICATION_REU_ROUVERTE = (
        "electeurs_notification_reu_rouverte",
        "Notification du REU remise à traiter",
    )
    ELECTEURS_NOTIFICATION_REU_LIEE = (
        "electeurs_notification_reu_liee",
        "Notification du REU rattachée à un électeur",
    )


class NotificationREU(ModeleCollectivite):
    type = models.CharField(
        "type",
        max_length=40,
        choices=TypeNotificationREU.choices,
        default=TypeNotificationREU.AUTRE,
    )
    recue_le = models.DateField("reçue le")
    texte = models.TextField("texte")
    source = models.CharField("source", max_length=10, choices=SourceNotificationREU.choices)
    electeur = models.ForeignKey(
        "electeurs.Electeur",
        verbose_name="électeur",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications_reu",
    )
    ine = models.CharField("INE cité", max_length=20, blank=True)
    etat = models.CharField(
        "état",
        max_length=10,
        choices=EtatNotificationREU.choices,
        default=EtatNotificationREU.A_TRAITER,
    )
    traitee_par = models.ForeignKey(
        Utilisateur,
        verbose_name="traitée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    traitee_le = models.DateTimeField("traitée le", null=True, blank=True)
    # Courriel : l'identifiant du message, pour ne pas enregistrer deux fois le même avis.
    message_id = models.CharField("Message-ID", max_length=300, blank=True)

    class Meta:
        verbose_name = "notification du REU"
        verbose_name_plural = "notifications du REU"
        ordering = ["-recue_le", "-pk"]
        indexes = [
            models.Index(
                fields=["collectivite", "etat", "recue_le"], name="electeurs_reu_etat_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} du {self.recue_le:%d/%m/%Y}"

    @property
    def delai_decision(self) -> bool:
        """Une demande en ligne attend la décision du maire sous 5 jours (code électoral,
        art. L18)."""
        return self.type == TypeNotificationREU.DEMANDE_EN_LIGNE
