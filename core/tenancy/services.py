"""Écritures de la fiche d'une collectivité, et l'outil de mise à jour commun aux services."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.comptes.models import Utilisateur
from core.journal.services import journaliser
from core.tenancy.models import Collectivite


def model_update(*, instance: Any, donnees: dict[str, Any]) -> tuple[Any, list[str]]:
    """Met à jour les champs qui changent vraiment, avec `full_clean` et `update_fields`."""
    modifies = [champ for champ, valeur in donnees.items() if getattr(instance, champ) != valeur]
    for champ in modifies:
        setattr(instance, champ, donnees[champ])
    if modifies:
        instance.full_clean()
        instance.save(
            update_fields=[*modifies, "modifie_le"] if hasattr(instance, "modifie_le") else modifies
        )
    return instance, modifies


CHAMPS_COLLECTIVITE = [
    "nom",
    "code_insee",
    "siren",
    "population_legale",
    "membre_3500_ou_plus",
    "alsace_moselle",
    "adresse",
    "courriel",
    "telephone",
    "commission_adresse",
    "commission_courriel",
    "signataire_nom",
    "signataire_qualite",
]


@transaction.atomic
def collectivite_modifier(
    *, collectivite: Collectivite, par: Utilisateur, donnees: dict[str, Any]
) -> Collectivite:
    """Modifie la fiche (Paramètres ou admin Django) et journalise les champs changés,
    « avant → après » ; le logo est nommé sans son contenu."""
    avant = {champ: getattr(collectivite, champ) for champ in donnees}
    collectivite, modifies = model_update(instance=collectivite, donnees=donnees)
    if modifies:
        journaliser(
            action="collectivite_modifiee",
            collectivite=collectivite,
            par=par,
            objet=collectivite,
            details={
                **{champ: [avant[champ], donnees[champ]] for champ in modifies if champ != "logo"},
                "champs_modifies": modifies,
            },
        )
    return collectivite


@transaction.atomic
def collectivite_creer(*, collectivite: Collectivite, par: Utilisateur | None) -> Collectivite:
    """Crée une collectivité (admin Django, superutilisateurs) ; sa chaîne de journal commence
    par cette création."""
    collectivite.full_clean()
    collectivite.save()
    journaliser(
        action="collectivite_creee",
        collectivite=collectivite,
        par=par,
        objet=collectivite,
        details={"nom": collectivite.nom, "type": collectivite.type},
    )
    return collectivite
