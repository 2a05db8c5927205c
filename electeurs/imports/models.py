"""Un import de l'extrait de la liste électorale (ELIRE) : fichier déposé, aperçu, application."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.tenancy.models import ModeleCollectivite


class EtatImport(models.TextChoices):
    ANALYSE = "analyse", "Analyse en cours"
    PRET = "pret", "Prêt à importer"
    REFUSE = "refuse", "Refusé (erreurs)"
    EN_COURS = "en_cours", "Import en cours"
    APPLIQUE = "applique", "Importé"
    ECHEC = "echec", "Échec"


class ImportREU(ModeleCollectivite):
    fichier = models.FileField("fichier", upload_to="imports_reu/%Y/%m/")
    nom_fichier = models.CharField("nom du fichier", max_length=255)
    taille = models.PositiveBigIntegerField("taille (octets)", default=0)
    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déposé par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    etat = models.CharField(
        "état", max_length=10, choices=EtatImport.choices, default=EtatImport.ANALYSE
    )
    # Comptes de l'aperçu puis de l'application (`moteur.Bilan.comptes()`).
    comptes = models.JSONField("comptes", default=dict, blank=True)
    # Erreurs : [{"ligne": 3, "colonne": "sexe", "message": "…"}], au plus 200.
    erreurs = models.JSONField("erreurs", default=list, blank=True)
    homonymes = models.JSONField("homonymes possibles", default=list, blank=True)
    absents = models.JSONField("absents de l'extrait (premiers)", default=list, blank=True)
    travail_analyse = models.ForeignKey(
        "core.Travail",
        verbose_name="analyse",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    travail_application = models.ForeignKey(
        "core.Travail",
        verbose_name="application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    applique_le = models.DateTimeField("importé le", null=True, blank=True)

    class Meta:
        verbose_name = "import de l'extrait REU"
        verbose_name_plural = "imports de l'extrait REU"
        ordering = ["-cree_le", "-pk"]

    def __str__(self) -> str:
        return f"Import n° {self.pk} ({self.nom_fichier})"

    def compte(self, nom: str) -> int:
        return int(self.comptes.get(nom, 0))
