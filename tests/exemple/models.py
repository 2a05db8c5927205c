from django.db import models

from core.tenancy.models import ModeleCollectivite


class ActionExemple(models.TextChoices):
    """Les actions que l'application journalise : un code unique dans tout le projet (préfixé
    par l'application) et son libellé français, déclarés une fois."""

    DOSSIER_OUVERT = "exemple_dossier_ouvert", "Dossier ouvert"


class Dossier(ModeleCollectivite):
    titre = models.CharField("titre", max_length=200)
    clos = models.BooleanField("clos", default=False)

    class Meta:
        verbose_name = "dossier"
        verbose_name_plural = "dossiers"
        ordering = ["titre", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collectivite", "titre"],
                name="exemple_dossier_titre_unique",
                violation_error_message="Un dossier porte déjà ce titre.",
            )
        ]

    def __str__(self) -> str:
        return self.titre
