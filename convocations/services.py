"""Écritures du carnet d'adresses : arguments nommés, une transaction, le journal en dernier."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from convocations.adresses import normaliser_email
from convocations.models import (
    ActionConvocations,
    Assemblee,
    Contact,
    Groupe,
    Mandat,
    TypeGroupe,
    nom_assemblee,
)
from core.comptes.models import Role, Utilisateur
from core.journal.services import journaliser
from core.tenancy.models import Collectivite

# --- Contacts ----------------------------------------------------------------------------------


def _email(valeur: str) -> str:
    try:
        return normaliser_email(valeur)
    except ValueError as erreur:
        raise ValidationError({"email": str(erreur)}) from None


def _groupes_manuels(collectivite: Collectivite, groupes: Iterable[Groupe]) -> list[Groupe]:
    groupes = list(groupes)
    for groupe in groupes:
        if groupe.collectivite_id != collectivite.pk:
            raise ValidationError({"groupes": "Ce groupe n'existe pas."})
        if groupe.automatique:
            raise ValidationError(
                {
                    "groupes": f"Le groupe « {groupe.nom} » suit les mandats : on n'y ajoute "
                    "personne à la main."
                }
            )
    return groupes


def _verifier_utilisateur(collectivite: Collectivite, utilisateur: Utilisateur | None) -> None:
    if utilisateur is None:
        return
    connu = (
        Role.objects.pour(collectivite).filter(utilisateur=utilisateur).exists()
        or Mandat.objects.pour(collectivite).filter(utilisateur=utilisateur).exists()
    )
    if not connu:
        raise ValidationError({"utilisateur": "Cette personne n'est ni agent ni élu ici."})


@transaction.atomic
def contact_creer(
    *,
    collectivite: Collectivite,
    email: str,
    description: str = "",
    groupes: Iterable[Groupe] = (),
    utilisateur: Utilisateur | None = None,
    compte_collectivite: bool = False,
    par: Utilisateur | None,
) -> Contact:
    _verifier_utilisateur(collectivite, utilisateur)
    contact = Contact(
        collectivite=collectivite,
        email=_email(email),
        description=description.strip(),
        utilisateur=utilisateur,
        compte_collectivite=compte_collectivite,
    )
    contact.full_clean()
    contact.save()
    contact.groupes.set(_groupes_manuels(collectivite, groupes))
    journaliser(
        action=ActionConvocations.CONVOCATIONS_CONTACT_CREE,
        collectivite=collectivite,
        par=par,
        objet=contact,
        sujet=contact,
    )
    return contact


@transaction.atomic
def contact_modifier(
    *,
    contact: Contact,
    email: str,
    description: str,
    groupes: Iterable[Groupe],
    utilisateur: Utilisateur | None,
    compte_collectivite: bool,
    par: Utilisateur,
) -> Contact:
    collectivite = contact.collectivite
    _verifier_utilisateur(collectivite, utilisateur)
    contact.email = _email(email)
    contact.description = description.strip()
    contact.utilisateur = utilisateur
    contact.compte_collectivite = compte_collectivite
    contact.full_clean()
    contact.save()
    contact.groupes.set(_groupes_manuels(collectivite, groupes))
    journaliser(
        action=ActionConvocations.CONVOCATIONS_CONTACT_MODIFIE,
        collectivite=collectivite,
        par=par,
        objet=contact,
        sujet=contact,
    )
    return contact


@transaction.atomic
def contact_supprimer(*, contact: Contact, par: Utilisateur) -> None:
    """Supprime la fiche du carnet ; les mandats (et le compte) de l'élu restent."""
    journaliser(
        action=ActionConvocations.CONVOCATIONS_CONTACT_SUPPRIME,
        collectivite=contact.collectivite,
        par=par,
        objet=contact,
        details={"adresse": contact.email},
    )
    contact.delete()


# --- Groupes -----------------------------------------------------------------------------------


def _nom_groupe(nom: str) -> str:
    nom = " ".join(nom.split())
    if not nom:
        raise ValidationError({"nom": "Donnez un nom au groupe."})
    return nom


@transaction.atomic
def groupe_creer(*, collectivite: Collectivite, nom: str, par: Utilisateur | None) -> Groupe:
    groupe = Groupe(collectivite=collectivite, nom=_nom_groupe(nom), type=TypeGroupe.MANUEL)
    groupe.full_clean()
    groupe.save()
    journaliser(
        action=ActionConvocations.CONVOCATIONS_GROUPE_CREE,
        collectivite=collectivite,
        par=par,
        objet=groupe,
    )
    return groupe


def _refuser_automatique(groupe: Groupe, verbe: str) -> None:
    if groupe.automatique:
        raise ValidationError(
            f"Le groupe « {groupe.nom} » est automatique : il suit les mandats et ne peut être "
            f"{verbe}."
        )


@transaction.atomic
def groupe_renommer(*, groupe: Groupe, nom: str, par: Utilisateur) -> Groupe:
    _refuser_automatique(groupe, "renommé")
    ancien = groupe.nom
    groupe.nom = _nom_groupe(nom)
    groupe.full_clean()
    groupe.save()
    journaliser(
        action=ActionConvocations.CONVOCATIONS_GROUPE_RENOMME,
        collectivite=groupe.collectivite,
        par=par,
        objet=groupe,
        details={"ancien_nom": ancien},
    )
    return groupe


@transaction.atomic
def groupe_supprimer(*, groupe: Groupe, par: Utilisateur) -> None:
    """Supprime un groupe manuel ; ses contacts restent dans le carnet."""
    _refuser_automatique(groupe, "supprimé")
    journaliser(
        action=ActionConvocations.CONVOCATIONS_GROUPE_SUPPRIME,
        collectivite=groupe.collectivite,
        par=par,
        objet=groupe,
    )
    groupe.delete()


def groupe_automatique_assurer(
    *, collectivite: Collectivite, assemblee: str, commission: str = ""
) -> Groupe:
    """Le groupe automatique d'une assemblée, créé au premier mandat (sans journal : il suit
    le mandat, qui est journalisé)."""
    existant = (
        Groupe.objects.pour(collectivite)
        .filter(type=TypeGroupe.AUTOMATIQUE, assemblee=assemblee)
        .filter(commission__iexact=commission)
        .first()
    )
    if existant is not None:
        return existant
    nom = nom_assemblee(assemblee, commission)
    if Groupe.objects.pour(collectivite).filter(nom__iexact=nom).exists():
        raise ValidationError(
            f"Un groupe manuel s'appelle déjà « {nom} » : renommez-le avant d'enregistrer ce "
            "mandat (le groupe de l'assemblée est créé automatiquement)."
        )
    groupe = Groupe(
        collectivite=collectivite,
        nom=nom,
        type=TypeGroupe.AUTOMATIQUE,
        assemblee=assemblee,
        commission=commission,
    )
    groupe.full_clean()
    groupe.save()
    return groupe


# --- Mandats -----------------------------------------------------------------------------------


def _nom_utilisateur_libre(base: str) -> str:
    candidat = base
    numero = 1
    while Utilisateur.objects.filter(username=candidat).exists():
        numero += 1
        candidat = f"{base}-{numero}"
    return candidat


def _elu_du_contact(contact: Contact) -> Utilisateur:
    """La personne du contact ; un contact qui n'en a pas reçoit un compte sans mot de passe
    (l'élu l'activera par le lien que lui enverra Écharpe)."""
    if contact.utilisateur is not None:
        return contact.utilisateur
    local = contact.email.split("@", 1)[0].lower()[:100] or "elu"
    utilisateur = Utilisateur(
        username=_nom_utilisateur_libre(f"elu-{local}"),
        email=contact.email,
        last_name=contact.description[:150],
        is_active=True,
    )
    utilisateur.set_unusable_password()
    utilisateur.save()
    contact.utilisateur = utilisateur
    contact.save(update_fields=["utilisateur", "modifie_le"])
    return utilisateur


def _preparer_mandat(mandat: Mandat) -> None:
    mandat.commission = (
        " ".join(mandat.commission.split()) if mandat.assemblee == Assemblee.COMMISSION else ""
    )
    mandat.full_clean(exclude=["utilisateur"])
    groupe_automatique_assurer(
        collectivite=mandat.collectivite, assemblee=mandat.assemblee, commission=mandat.commission
    )


@transaction.atomic
def mandat_creer(
    *,
    contact: Contact,
    assemblee: str,
    fonction: str,
    debut: date,
    fin: date | None = None,
    commission: str = "",
    par: Utilisateur,
) -> Mandat:
    """Un mandat pour la personne du contact : elle devient élue, et membre du groupe
    automatique de l'assemblée tant que le mandat est en cours."""
    mandat = Mandat(
        collectivite=contact.collectivite,
        assemblee=assemblee,
        commission=commission,
        fonction=fonction,
        debut=debut,
        fin=fin,
    )
    _preparer_mandat(mandat)
    mandat.utilisateur = _elu_du_contact(contact)
    mandat.save()
    journaliser(
        action=ActionConvocations.CONVOCATIONS_MANDAT_CREE,
        collectivite=contact.collectivite,
        par=par,
        objet=mandat,
        sujet=contact,
    )
    return mandat


def _contact_de(mandat: Mandat) -> Contact | None:
    return (
        Contact.objects.pour(mandat.collectivite_id).filter(utilisateur=mandat.utilisateur).first()
    )


@transaction.atomic
def mandat_modifier(
    *,
    mandat: Mandat,
    assemblee: str,
    fonction: str,
    debut: date,
    fin: date | None,
    commission: str = "",
    par: Utilisateur,
) -> Mandat:
    mandat.assemblee = assemblee
    mandat.commission = commission
    mandat.fonction = fonction
    mandat.debut = debut
    mandat.fin = fin
    _preparer_mandat(mandat)
    mandat.save()
    journaliser(
        action=ActionConvocations.CONVOCATIONS_MANDAT_MODIFIE,
        collectivite=mandat.collectivite,
        par=par,
        objet=mandat,
        sujet=_contact_de(mandat),
    )
    return mandat


@transaction.atomic
def mandat_terminer(*, mandat: Mandat, fin: date, par: Utilisateur) -> Mandat:
    """Fin du mandat : l'élu quitte le groupe automatique de l'assemblée après ce jour."""
    if mandat.fin is not None and mandat.fin <= fin:
        raise ValidationError({"fin": "Ce mandat est déjà terminé."})
    mandat.fin = fin
    mandat.full_clean(exclude=["utilisateur"])
    mandat.save()
    journaliser(
        action=ActionConvocations.CONVOCATIONS_MANDAT_TERMINE,
        collectivite=mandat.collectivite,
        par=par,
        objet=mandat,
        sujet=_contact_de(mandat),
    )
    return mandat


def groupes_par_nom(collectivite: Collectivite) -> dict[str, Groupe]:
    """Les groupes de la collectivité, par nom sans casse."""
    return {
        g.cle: g
        for g in Groupe.objects.pour(collectivite).annotate(cle=Lower("nom"))  # type: ignore[attr-defined]
    }
