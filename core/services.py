"""Écritures du socle côté Paramètres : agents, rôles, fiche de la collectivité.

Les changements de rôle sont journalisés par le signal de `core.signals` (un seul endroit) ;
ces services journalisent le reste.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.journal import journaliser
from core.models import Collectivite, Role, TypeRole, Utilisateur


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


def _administrateurs_actifs(collectivite: Collectivite) -> int:
    return Role.objects.filter(
        collectivite=collectivite, role=TypeRole.ADMINISTRATEUR, actif=True
    ).count()


@transaction.atomic
def agent_ajouter(
    *,
    collectivite: Collectivite,
    par: Utilisateur,
    prenom: str,
    nom: str,
    email: str,
    identifiant: str,
    role: str,
) -> tuple[Role, bool]:
    """Donne un rôle dans la collectivité à une personne, créée si elle n'existe pas.

    Rend (rôle, créé) ; une personne déjà connue (même identifiant) garde son compte : elle
    peut travailler pour plusieurs collectivités.
    """
    utilisateur = Utilisateur.objects.filter(username__iexact=identifiant).first()
    cree = utilisateur is None
    if utilisateur is None:
        utilisateur = Utilisateur(
            username=identifiant, first_name=prenom, last_name=nom, email=email
        )
        utilisateur.set_unusable_password()
        utilisateur.full_clean()
        utilisateur.save()
    if Role.objects.filter(utilisateur=utilisateur, collectivite=collectivite).exists():
        raise ValidationError(
            {"identifiant": "Cette personne a déjà un rôle dans la collectivité."}
        )
    nouveau = Role(utilisateur=utilisateur, collectivite=collectivite, role=role)
    nouveau.full_clean()
    nouveau.save()
    # Le rôle lui-même est journalisé par le signal de core.signals ; ici, le compte créé.
    if cree:
        journaliser(
            action="agent_ajoute",
            collectivite=collectivite,
            acteur=par,
            objet=utilisateur,
            details={"role": role},
        )
    if cree and utilisateur.email:
        from core.liens import activation_envoyer

        activation_envoyer(utilisateur=utilisateur, collectivite=collectivite, par=par)
    return nouveau, cree


@transaction.atomic
def role_modifier(*, role: Role, par: Utilisateur, nouveau_role: str, actif: bool) -> Role:
    """Change le rôle ou l'accès d'un agent ; la collectivité garde un administrateur actif."""
    # Verrou sur tous les administrateurs actifs : deux rétrogradations simultanées ne
    # peuvent pas laisser la collectivité sans administrateur.
    list(
        Role.objects.select_for_update()
        .filter(collectivite_id=role.collectivite_id, role=TypeRole.ADMINISTRATEUR, actif=True)
        .order_by("pk")
    )
    role = Role.objects.select_for_update().get(pk=role.pk)
    retire_admin = (
        role.role == TypeRole.ADMINISTRATEUR
        and role.actif
        and (nouveau_role != TypeRole.ADMINISTRATEUR or not actif)
    )
    if retire_admin and _administrateurs_actifs(role.collectivite) <= 1:
        raise ValidationError(
            "La collectivité doit garder au moins un administrateur actif : nommez-en un autre "
            "avant de modifier ce rôle."
        )
    role, _ = model_update(instance=role, donnees={"role": nouveau_role, "actif": actif})
    return role


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
    avant = {champ: getattr(collectivite, champ) for champ in donnees}
    collectivite, modifies = model_update(instance=collectivite, donnees=donnees)
    if modifies:
        journaliser(
            action="collectivite_modifiee",
            collectivite=collectivite,
            acteur=par,
            objet=collectivite,
            details={
                champ: [avant[champ], donnees[champ]] for champ in modifies if champ != "logo"
            },
        )
    return collectivite
