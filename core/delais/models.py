"""Délais légaux : lignes datées avec leur référence, surchargeables par collectivité."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.tenancy.models import BaseModel, Collectivite


class UniteDelai(models.TextChoices):
    JOURS_FRANCS = "jours_francs", "jours francs"
    JOURS = "jours", "jours calendaires"
    JOURS_AVANT = "jours_avant", "jours (non francs)"
    SEANCES = "seances", "séances"
    HABITANTS = "habitants", "habitants"


class Delai(BaseModel):
    """Délai ou seuil légal, daté, avec sa référence. `collectivite` vide : valeur nationale
    (éditée par le personnel de la plateforme) ; renseignée : surcharge locale, permise
    seulement quand la loi laisse le choix (`surchargeable` sur la valeur nationale)."""

    code = models.SlugField("code", max_length=80)
    libelle = models.CharField("libellé", max_length=300)
    valeur = models.PositiveIntegerField("valeur")
    unite = models.CharField("unité", max_length=20, choices=UniteDelai.choices)
    reference = models.CharField("référence légale", max_length=300)
    confirme = models.BooleanField(
        "règle confirmée",
        default=True,
        help_text="Décoché : les sources juridiques ne la confirment pas ; la page des délais "
        "invite alors à la vérifier sur Légifrance.",
    )
    surchargeable = models.BooleanField(
        "modifiable par la collectivité", default=False, help_text="La loi laisse le choix."
    )
    valide_du = models.DateField("en vigueur du")
    valide_au = models.DateField("jusqu'au", null=True, blank=True)
    collectivite = models.ForeignKey(
        Collectivite,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="delais",
        verbose_name="collectivité",
    )
    note = models.TextField("note", blank=True)

    class Meta:
        verbose_name = "délai"
        verbose_name_plural = "délais"
        ordering = ["code", "-valide_du"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "valide_du"],
                condition=Q(collectivite__isnull=True),
                name="delai_national_unique",
            ),
            models.UniqueConstraint(
                fields=["code", "collectivite", "valide_du"], name="delai_local_unique"
            ),
            models.CheckConstraint(
                condition=Q(valide_au__isnull=True) | Q(valide_au__gte=models.F("valide_du")),
                name="delai_periode_valide",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.libelle} : {self.valeur} {self.get_unite_display()}"
