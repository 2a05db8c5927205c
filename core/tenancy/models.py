"""Collectivités et base des lignes métier : chaque ligne appartient à une collectivité."""

from __future__ import annotations

from typing import Any, Self, TypeVar

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

_M = TypeVar("_M", bound=models.Model)


def champ_cree_le(*, db_index: bool = True) -> Any:
    """La date de création de `BaseModel` ; `db_index=False` pour une grande table que rien ne
    trie ni ne filtre par elle (électeurs, inscriptions : un index de moins à chaque import)."""
    return models.DateTimeField("créé le", default=timezone.now, editable=False, db_index=db_index)


class BaseModel(models.Model):
    cree_le = champ_cree_le()
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        abstract = True


class TypeCollectivite(models.TextChoices):
    COMMUNE = "commune", "Commune"
    EPCI = "epci", "EPCI"


class Collectivite(BaseModel):
    nom = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant court", max_length=80, unique=True)
    type = models.CharField(
        "type", max_length=10, choices=TypeCollectivite.choices, default=TypeCollectivite.COMMUNE
    )
    code_insee = models.CharField(
        "code INSEE",
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^(\d{5}|2[AB]\d{3})$", "Code INSEE à 5 caractères.")],
    )
    siren = models.CharField(
        "SIREN",
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^\d{9}$", "Le SIREN compte 9 chiffres.")],
    )
    population_legale = models.PositiveIntegerField(
        "population légale",
        default=0,
        help_text="Population municipale en vigueur ; elle fixe les délais de convocation (CGCT).",
    )
    membre_3500_ou_plus = models.BooleanField(
        "au moins une commune membre de 3 500 habitants ou plus",
        default=False,
        help_text="EPCI seulement : CGCT L5211-1, les règles des communes de 3 500 habitants "
        "et plus s'appliquent alors.",
    )
    alsace_moselle = models.BooleanField(
        "droit local d'Alsace-Moselle",
        default=False,
        help_text="Bas-Rhin, Haut-Rhin, Moselle : convocation du conseil trois jours au moins "
        "avant la séance, la veille en cas d'urgence, sous 3 500 habitants (CGCT, art. L2541-2).",
    )
    adresse = models.TextField("adresse", blank=True)
    courriel = models.EmailField("courriel de la mairie", blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    commission_adresse = models.TextField(
        "adresse postale de la commission de contrôle", blank=True
    )
    commission_courriel = models.EmailField("courriel de la commission de contrôle", blank=True)
    signataire_nom = models.CharField("signataire par défaut", max_length=200, blank=True)
    signataire_qualite = models.CharField("qualité du signataire", max_length=200, blank=True)
    logo = models.FileField("logo", upload_to="logos/", blank=True)

    class Meta:
        verbose_name = "collectivité"
        verbose_name_plural = "collectivités"
        ordering = ["nom"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type="epci") | Q(membre_3500_ou_plus=False),
                name="collectivite_membre_3500_epci_seulement",
            )
        ]

    def __str__(self) -> str:
        return self.nom

    def regime_3500_ou_plus(self, seuil: int) -> bool:
        """Vrai si les règles des communes de 3 500 habitants et plus s'appliquent (CGCT).

        Une commune les suit si sa population légale atteint `seuil` (le délai configuré
        `seuil_habitants_convocation`). Un EPCI les suit si et seulement si une commune membre
        compte 3 500 habitants ou plus (CGCT L5211-1), quelle que soit sa propre population.
        """
        if self.type == TypeCollectivite.EPCI:
            return self.membre_3500_ou_plus
        return self.population_legale >= seuil


class ScopedQuerySet(models.QuerySet[_M]):
    """Requêtes d'un modèle rattaché à une collectivité."""

    def pour(self, collectivite: Collectivite | int | None) -> Self:
        """Les lignes d'une collectivité ; `None` ne rend rien (jamais tout)."""
        if collectivite is None:
            return self.none()
        return self.filter(collectivite=collectivite)


def champ_collectivite(*, db_index: bool = True, on_delete: Any = models.PROTECT) -> Any:
    """La collectivité d'une ligne (`ModeleCollectivite`) ; `db_index=False` quand tous les
    index du modèle commencent déjà par elle."""
    return models.ForeignKey(
        Collectivite,
        verbose_name="collectivité",
        on_delete=on_delete,
        related_name="+",
        db_index=db_index,
    )


class ModeleCollectivite(BaseModel):
    """Base de toute ligne métier : elle appartient à exactement une collectivité."""

    collectivite = champ_collectivite()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
