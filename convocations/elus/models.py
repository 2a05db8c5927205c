"""Accès des élus : notice RGPD par collectivité, accusés et consentements, adresse personnelle,
notes envoyées au compte de la collectivité, courriels de l'espace élu."""

from __future__ import annotations

from django.db import models

from core.comptes.models import Utilisateur
from core.mail.models import LigneEnvoi
from core.tenancy.models import ModeleCollectivite


class NoticeRgpd(ModeleCollectivite):
    """Le texte de la notice d'information (RGPD) d'une collectivité ; sans ligne, l'élu lit le
    modèle par défaut (seed i-delibRE), complété du nom de la collectivité."""

    texte = models.TextField("texte de la notice")
    adresse_dpd = models.CharField(
        "adresse du délégué à la protection des données",
        max_length=300,
        help_text="Adresse électronique ou postale du DPD, ou du service chargé de ces droits.",
    )
    modifiee_par = models.ForeignKey(
        Utilisateur, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "notice RGPD des élus"
        verbose_name_plural = "notices RGPD des élus"
        constraints = [
            models.UniqueConstraint(fields=["collectivite"], name="convocations_notice_unique")
        ]

    def __str__(self) -> str:
        return f"Notice RGPD ({self.collectivite})"


class AccuseNotice(ModeleCollectivite):
    """L'élu a pris connaissance de la notice de cette collectivité (date), et ses choix pour
    les usages facultatifs, fondés sur le consentement et retirables à tout moment."""

    utilisateur = models.ForeignKey(
        Utilisateur, on_delete=models.CASCADE, related_name="accuses_notice", verbose_name="élu"
    )
    lu_le = models.DateTimeField("pris connaissance le")
    empreinte_texte = models.CharField("empreinte du texte lu", max_length=64)
    actualites = models.BooleanField("informations sur les projets", default=False)
    actualites_le = models.DateTimeField(null=True, blank=True)
    evenements = models.BooleanField("invitations aux événements", default=False)
    evenements_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "accusé de la notice RGPD"
        verbose_name_plural = "accusés de la notice RGPD"
        constraints = [
            models.UniqueConstraint(
                fields=["collectivite", "utilisateur"], name="convocations_accuse_notice_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.utilisateur} ({self.collectivite})"


class AdresseElu(ModeleCollectivite):
    """Adresse personnelle demandée par l'élu : en vigueur une fois le lien envoyé à cette
    adresse ouvert (`confirmee_le`) ; une nouvelle adresse confirmée remplace l'ancienne."""

    utilisateur = models.ForeignKey(
        Utilisateur, on_delete=models.CASCADE, related_name="adresses_elu", verbose_name="élu"
    )
    email = models.EmailField("adresse personnelle")
    confirmee_le = models.DateTimeField("confirmée le", null=True, blank=True)
    remplacee_le = models.DateTimeField("remplacée le", null=True, blank=True)

    class Meta:
        verbose_name = "adresse personnelle d'un élu"
        verbose_name_plural = "adresses personnelles des élus"
        ordering = ["-cree_le", "-pk"]

    def __str__(self) -> str:
        return self.email


class NoteElu(ModeleCollectivite):
    """Note d'un élu au sujet d'une séance, adressée au compte de la collectivité (i-delibRE :
    « partage de notifications »)."""

    seance = models.ForeignKey(
        "convocations.Seance", on_delete=models.CASCADE, related_name="notes_elus"
    )
    auteur = models.ForeignKey(Utilisateur, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "convocations.Contact",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="compte de la collectivité",
    )
    texte = models.TextField("note")

    class Meta:
        verbose_name = "note d'un élu"
        verbose_name_plural = "notes des élus"
        ordering = ["-cree_le", "-pk"]

    def __str__(self) -> str:
        return f"Note de {self.auteur} ({self.seance})"


class MotifCourrielElu(models.TextChoices):
    MOT_DE_PASSE = "mot_de_passe", "Nouveau lien (mot de passe perdu)"
    ADRESSE = "adresse", "Confirmation d'une adresse personnelle"
    NOTE = "note", "Note au compte de la collectivité"
    RATTACHEMENT = "rattachement", "Rattachement d'un autre compte d'élu"


class CourrielElu(LigneEnvoi, ModeleCollectivite):
    """Un courriel de l'espace élu, envoyé par `core.mail.lots` ; le lien éventuel naît dans le
    worker (le jeton ne passe jamais par le broker)."""

    motif = models.CharField("motif", max_length=20, choices=MotifCourrielElu.choices)
    utilisateur = models.ForeignKey(Utilisateur, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField("adresse")
    adresse = models.ForeignKey(AdresseElu, on_delete=models.CASCADE, null=True, blank=True)
    note = models.ForeignKey(NoteElu, on_delete=models.CASCADE, null=True, blank=True)
    # Rattachement : l'autre compte de la même personne, dont les mandats rejoindront celui-ci.
    autre = models.ForeignKey(
        Utilisateur, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "courriel de l'espace élu"
        verbose_name_plural = "courriels de l'espace élu"
        ordering = ["-cree_le"]
        indexes = [models.Index(fields=["statut", "prochain_essai"], name="conv_courriel_elu_file")]

    def __str__(self) -> str:
        return f"{self.get_motif_display()} → {self.email}"
