"""Journal chaîné et scellé : une chaîne par collectivité et une pour la plateforme."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.comptes.models import Utilisateur
from core.journal.lecture import details_en_francais
from core.registry import registre
from core.tenancy.models import Collectivite


class ChaineJournal(models.Model):
    """Tête d'une chaîne de hachage : une par collectivité, une pour la plateforme.

    Le verrou `select_for_update` sur cette ligne sérialise les ajouts concurrents.
    """

    collectivite = models.OneToOneField(
        Collectivite, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plateforme = models.BooleanField(default=False)
    dernier_numero = models.PositiveBigIntegerField(default=0)
    dernier_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "chaîne du journal"
        verbose_name_plural = "chaînes du journal"
        constraints = [
            models.UniqueConstraint(
                fields=["plateforme"], condition=Q(plateforme=True), name="chaine_plateforme_unique"
            ),
            models.CheckConstraint(
                condition=Q(plateforme=True, collectivite__isnull=True)
                | Q(plateforme=False, collectivite__isnull=False),
                name="chaine_plateforme_ou_collectivite",
            ),
        ]

    def __str__(self) -> str:
        return "plateforme" if self.plateforme else f"journal de {self.collectivite}"


class JournalInalterable(Exception):
    """Tentative de modifier ou de supprimer une entrée du journal."""

    def __init__(self) -> None:
        super().__init__(
            "Le journal est en ajout seul : une entrée ne se modifie ni ne se supprime."
        )


class EntreeJournalQuerySet(models.QuerySet["EntreeJournal"]):
    def update(self, **kwargs: Any) -> int:
        raise JournalInalterable()

    def delete(self) -> tuple[int, dict[str, int]]:
        raise JournalInalterable()


class EntreeJournal(models.Model):
    """Entrée du journal, jamais modifiée ni supprimée, scellée par HMAC-SHA256 et chaînée.

    `hash` est le sceau (HMAC de la clé dont `cle` est l'empreinte) ; une entrée d'avant les
    clés (`cle` vide) garde son empreinte SHA-256 simple.
    """

    chaine = models.ForeignKey(ChaineJournal, on_delete=models.PROTECT, related_name="entrees")
    collectivite = models.ForeignKey(
        Collectivite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="collectivité",
    )
    numero = models.PositiveBigIntegerField("n°")
    horodatage = models.DateTimeField("date", default=timezone.now)
    acteur = models.ForeignKey(
        Utilisateur,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    acteur_libelle = models.CharField("auteur (libellé)", max_length=300, blank=True)
    action = models.CharField("action", max_length=80, db_index=True)
    objet_type = models.CharField("type d'objet", max_length=80, blank=True)
    objet_id = models.CharField("identifiant de l'objet", max_length=64, blank=True)
    objet_libelle = models.CharField("objet", max_length=300, blank=True)
    sujet_type = models.CharField("type de sujet", max_length=80, blank=True)
    sujet_id = models.CharField("identifiant du sujet", max_length=64, blank=True)
    sujet_libelle = models.CharField("sujet", max_length=300, blank=True)
    details = models.JSONField("détails", default=dict, blank=True)
    hash_precedent = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # Empreinte courte de la clé qui a scellé l'entrée (jamais la clé) ; vide avant les clés.
    cle = models.CharField("clé de scellement", max_length=16, blank=True, default="")

    objects = EntreeJournalQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal"
        ordering = ["-horodatage", "-numero"]
        constraints = [
            models.UniqueConstraint(fields=["chaine", "numero"], name="journal_numero_unique"),
        ]
        indexes = [
            models.Index(fields=["sujet_type", "sujet_id", "horodatage"], name="journal_sujet"),
            models.Index(fields=["objet_type", "objet_id", "horodatage"], name="journal_objet"),
            models.Index(fields=["collectivite", "horodatage"], name="journal_collectivite"),
            # Total de la page du journal : `collectivite = … AND numero <= tête`, compté sur
            # l'index seul (voir `_couvertes_par_la_tete`).
            models.Index(fields=["collectivite", "numero"], name="journal_collectivite_numero"),
            models.Index(fields=["acteur", "horodatage"], name="journal_acteur"),
        ]

    def __str__(self) -> str:
        return f"#{self.numero} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise JournalInalterable()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise JournalInalterable()

    # Lecture en français pour les gabarits (page du journal, chronologie, export).
    @property
    def libelle_action(self) -> str:
        return registre.libelle_action(self.action)

    @property
    def details_lisibles(self) -> str:
        return details_en_francais(self.details)
