"""Écritures du socle côté Paramètres et admin Django : agents, rôles, comptes du personnel.

Chaque service journalise ce qu'il écrit, avec la personne qui agit (`par`) : un rôle créé,
modifié ou supprimé, un statut de personnel changé, quelle que soit la page d'où vient la
demande (Paramètres, admin Django, commande).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.comptes.models import Invitation, Role, StatutInvitation, TypeRole, Utilisateur
from core.journal.services import journaliser
from core.tenancy.models import Collectivite
from core.tenancy.services import model_update

logger = logging.getLogger(__name__)


DUREE_INVITATION = timedelta(days=30)

MESSAGE_DERNIER_ADMINISTRATEUR = (
    "La collectivité doit garder au moins un administrateur actif : nommez-en un autre avant "
    "de modifier ce rôle."
)


def verifier_dernier_administrateur(
    *, role: Role, nouveau_role: str | None, actif: bool, supprime: bool = False
) -> None:
    """La règle, écrite une seule fois : une collectivité garde au moins un administrateur
    actif. `role` est l'état enregistré ; lève `ValidationError` si le changement (ou la
    suppression) retirerait le dernier. Sous verrou, appelée par `role_modifier` et
    `role_supprimer` ; sans verrou, par les formulaires pour afficher l'erreur à sa place."""
    if not (role.pk and role.role == TypeRole.ADMINISTRATEUR and role.actif):
        return
    reste = not supprime and nouveau_role == TypeRole.ADMINISTRATEUR and actif
    if reste:
        return
    autres = (
        Role.objects.filter(
            collectivite_id=role.collectivite_id, role=TypeRole.ADMINISTRATEUR, actif=True
        )
        .exclude(pk=role.pk)
        .exists()
    )
    if not autres:
        raise ValidationError(MESSAGE_DERNIER_ADMINISTRATEUR)


def _verrouiller_administrateurs(collectivite_id: int) -> None:
    # Verrou sur tous les administrateurs actifs : deux rétrogradations simultanées ne
    # peuvent pas laisser la collectivité sans administrateur.
    list(
        Role.objects.select_for_update()
        .filter(collectivite_id=collectivite_id, role=TypeRole.ADMINISTRATEUR, actif=True)
        .order_by("pk")
    )


class ResultatAjout(StrEnum):
    CREE = "cree"  # compte créé ici : lien d'activation à l'adresse saisie
    NEUTRE = "neutre"  # identifiant déjà pris (ou invitation déjà en cours) : rien à dire


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
) -> tuple[Role | None, ResultatAjout]:
    """Ajoute un agent : crée son compte si l'identifiant est libre, sinon invite la personne.

    Identifiant libre : compte et rôle créés, lien d'activation envoyé à `email`.
    Identifiant pris par quelqu'un qui n'a pas de rôle ici : une `Invitation` part à
    l'adresse du compte existant (jamais à `email`), par le compte de la plateforme ; la
    personne l'accepte connectée à son propre compte. Rien n'est rattaché, rien n'est
    montré de ce compte, et le résultat rendu à l'écran est le même qu'il y ait un compte,
    une invitation déjà en cours ou un compte désactivé (`ResultatAjout.NEUTRE`).
    """
    if role not in TypeRole.values:
        raise ValidationError({"role": "Choisissez un rôle de la liste."})
    utilisateur = (
        Utilisateur.objects.select_for_update().filter(username__iexact=identifiant).first()
    )
    if utilisateur is None:
        utilisateur = Utilisateur(
            username=identifiant, first_name=prenom, last_name=nom, email=email
        )
        utilisateur.set_unusable_password()
        utilisateur.full_clean()
        utilisateur.save()
        nouveau = role_creer(utilisateur=utilisateur, collectivite=collectivite, role=role, par=par)
        journaliser(
            action="agent_ajoute",
            collectivite=collectivite,
            par=par,
            objet=utilisateur,
            details={"role": role},
        )
        if utilisateur.email:
            from core.liens.services import activation_envoyer

            activation_envoyer(utilisateur=utilisateur, collectivite=collectivite, par=par)
        return nouveau, ResultatAjout.CREE
    if Role.objects.filter(utilisateur=utilisateur, collectivite=collectivite).exists():
        # La personne figure déjà dans la liste des agents : le dire n'apprend rien.
        raise ValidationError(
            {"identifiant": "Cette personne a déjà un rôle dans la collectivité."}
        )
    invitation_creer(collectivite=collectivite, par=par, utilisateur=utilisateur, role=role)
    return None, ResultatAjout.NEUTRE


def invitation_creer(
    *, collectivite: Collectivite, par: Utilisateur | None, utilisateur: Utilisateur, role: str
) -> Invitation | None:
    """Invitation en attente (une seule par personne et collectivité) ; le courriel part
    après le commit, à l'adresse du compte. Rien pour un compte désactivé ou sans adresse."""
    if not utilisateur.is_active or not utilisateur.email:
        return None
    maintenant = timezone.now()
    existante = (
        Invitation.objects.select_for_update()
        .filter(
            collectivite=collectivite,
            utilisateur=utilisateur,
            statut=StatutInvitation.EN_ATTENTE,
        )
        .first()
    )
    if existante is not None and existante.expire_le > maintenant:
        # Pas de nouveau courriel : un administrateur ne peut pas en faire pleuvoir.
        return existante
    if existante is not None:
        model_update(instance=existante, donnees={"statut": StatutInvitation.ANNULEE})
    invitation = Invitation(
        collectivite=collectivite,
        utilisateur=utilisateur,
        role=role,
        invite_par=par,
        expire_le=maintenant + DUREE_INVITATION,
    )
    invitation.full_clean()
    invitation.save()
    # Chaîne de la plateforme, pas celle de la collectivité : son journal montrerait sinon à
    # l'administrateur invitant le nom du compte existant, ou qu'il existe.
    journaliser(
        action="invitation_envoyee",
        collectivite=None,
        par=par,
        objet=invitation,
        details={"role": role, "collectivite": collectivite.pk},
    )
    invitation_id = int(invitation.pk)

    def mettre_en_file() -> None:
        from kombu.exceptions import OperationalError

        from core.tasks import mail_invitation_envoyer_task

        try:
            mail_invitation_envoyer_task.delay(invitation_id)
        except (OperationalError, OSError):
            logger.exception("Invitation %s non mise en file.", invitation_id)

    transaction.on_commit(mettre_en_file)
    return invitation


def invitation_envoyer(*, invitation: Invitation) -> None:
    """Courriel d'invitation, à l'adresse du compte invité, par le compte de la plateforme
    (`EMAIL_BACKEND`) : jamais par un compte d'envoi que l'administrateur invitant règle."""
    from django.core.mail import EmailMultiAlternatives

    from core.mail.services import rendre_gabarit

    personne = invitation.utilisateur
    if invitation.statut != StatutInvitation.EN_ATTENTE or not personne.email:
        return
    base = getattr(settings, "ECHARPE_URL_BASE", "http://127.0.0.1:8000").rstrip("/")
    sujet, texte, html = rendre_gabarit(
        gabarit="invitation",
        contexte={
            "prenom": personne.first_name,
            "identifiant": personne.username,
            "collectivite_nom": invitation.collectivite.nom,
            "role": invitation.get_role_display().lower(),
            "lien": base + reverse("comptes:invitations"),
            "expire_le": f"{timezone.localtime(invitation.expire_le):%d/%m/%Y}",
        },
    )
    courriel = EmailMultiAlternatives(subject=sujet, body=texte, to=[personne.email])
    if html:
        courriel.attach_alternative(html, "text/html")
    courriel.send()


def _invitation_a_moi(invitation: Invitation, par: Utilisateur) -> Invitation:
    ligne = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if ligne.utilisateur_id != par.pk:
        raise ValidationError("Cette invitation ne vous est pas adressée.")
    if ligne.statut != StatutInvitation.EN_ATTENTE:
        raise ValidationError("Cette invitation a déjà reçu une réponse.")
    if ligne.expire_le <= timezone.now():
        raise ValidationError(
            "Cette invitation a expiré : demandez à la collectivité de vous inviter à nouveau."
        )
    return ligne


@transaction.atomic
def invitation_accepter(*, invitation: Invitation, par: Utilisateur) -> Role:
    """La personne invitée, connectée à son propre compte, accepte : son rôle est créé."""
    ligne = _invitation_a_moi(invitation, par)
    if Role.objects.filter(utilisateur=par, collectivite_id=ligne.collectivite_id).exists():
        raise ValidationError("Vous avez déjà un rôle dans cette collectivité.")
    role = role_creer(utilisateur=par, collectivite=ligne.collectivite, role=ligne.role, par=par)
    model_update(
        instance=ligne,
        donnees={"statut": StatutInvitation.ACCEPTEE, "repondu_le": timezone.now()},
    )
    journaliser(action="invitation_acceptee", collectivite=ligne.collectivite, par=par, objet=ligne)
    return role


@transaction.atomic
def invitation_refuser(*, invitation: Invitation, par: Utilisateur) -> Invitation:
    ligne = _invitation_a_moi(invitation, par)
    model_update(
        instance=ligne,
        donnees={"statut": StatutInvitation.REFUSEE, "repondu_le": timezone.now()},
    )
    journaliser(action="invitation_refusee", collectivite=None, par=par, objet=ligne)
    return ligne


CHAMPS_ROLE = ("role", "actif")
CHAMPS_PERSONNEL = ("is_staff", "is_superuser", "is_active")


def _journaliser_role(*, role: Role, par: Utilisateur | None, changements: dict[str, Any]) -> None:
    """`role_retire` / `role_retabli` quand l'accès change, sinon `role_modifie`."""
    acces = tuple(changements.get("actif") or ())
    journaliser(
        action="role_retire"
        if acces == (True, False)
        else "role_retabli"
        if acces == (False, True)
        else "role_modifie",
        collectivite=role.collectivite,
        par=par,
        objet=role,
        sujet=role.utilisateur,
        details=changements,
    )


@transaction.atomic
def role_creer(
    *,
    utilisateur: Utilisateur,
    collectivite: Collectivite,
    role: str,
    par: Utilisateur | None,
    actif: bool = True,
) -> Role:
    """Donne un rôle dans une collectivité (admin Django, invitation acceptée, agent ajouté)."""
    nouveau = Role(utilisateur=utilisateur, collectivite=collectivite, role=role, actif=actif)
    nouveau.full_clean()
    nouveau.save()
    _journaliser_role(
        role=nouveau,
        par=par,
        changements={champ: [None, getattr(nouveau, champ)] for champ in CHAMPS_ROLE},
    )
    return nouveau


@transaction.atomic
def role_modifier(*, role: Role, par: Utilisateur, nouveau_role: str, actif: bool) -> Role:
    """Change le rôle ou l'accès d'un agent ; la collectivité garde un administrateur actif."""
    _verrouiller_administrateurs(role.collectivite_id)
    actuel = Role.objects.select_for_update().get(pk=role.pk)
    verifier_dernier_administrateur(role=actuel, nouveau_role=nouveau_role, actif=actif)
    avant = {champ: getattr(actuel, champ) for champ in CHAMPS_ROLE}
    actuel, modifies = model_update(instance=actuel, donnees={"role": nouveau_role, "actif": actif})
    if modifies:
        _journaliser_role(
            role=actuel,
            par=par,
            changements={champ: [avant[champ], getattr(actuel, champ)] for champ in modifies},
        )
    return actuel


@transaction.atomic
def role_supprimer(*, role: Role, par: Utilisateur) -> None:
    """Supprime un rôle (personnel de la plateforme) ; même règle que `role_modifier`."""
    _verrouiller_administrateurs(role.collectivite_id)
    actuel = Role.objects.select_for_update().filter(pk=role.pk).first()
    if actuel is None:
        return
    verifier_dernier_administrateur(role=actuel, nouveau_role=None, actif=False, supprime=True)
    pk = actuel.pk
    actuel.delete()
    # La ligne n'existe plus : l'entrée garde sa référence et son libellé.
    actuel.pk = pk
    journaliser(
        action="role_retire",
        collectivite=actuel.collectivite,
        par=par,
        objet=actuel,
        sujet=actuel.utilisateur,
        details={"role": [actuel.role, None], "actif": [actuel.actif, None], "supprime": True},
    )


@transaction.atomic
def utilisateur_enregistrer(*, utilisateur: Utilisateur, par: Utilisateur | None) -> Utilisateur:
    """Enregistre un compte modifié dans l'admin Django et journalise, dans la chaîne de la
    plateforme, ce qui change dans ses droits sur la plateforme (personnel, superutilisateur,
    compte actif). La création d'un compte du personnel est journalisée aussi."""
    avant = (
        Utilisateur.objects.select_for_update()
        .filter(pk=utilisateur.pk)
        .values(*CHAMPS_PERSONNEL)
        .first()
        if utilisateur.pk
        else None
    )
    utilisateur.save()
    if avant is None:
        changements = (
            {champ: [None, getattr(utilisateur, champ)] for champ in CHAMPS_PERSONNEL}
            if utilisateur.is_staff or utilisateur.is_superuser
            else {}
        )
    else:
        changements = {
            champ: [avant[champ], getattr(utilisateur, champ)]
            for champ in CHAMPS_PERSONNEL
            if avant[champ] != getattr(utilisateur, champ)
        }
    if changements:
        journaliser(
            action="personnel_modifie",
            collectivite=None,
            par=par,
            objet=utilisateur,
            details=changements,
        )
    return utilisateur
