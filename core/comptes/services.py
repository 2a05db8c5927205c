"""Écritures du socle côté Paramètres et admin Django : agents, rôles, comptes du personnel.

Chaque service journalise ce qu'il écrit, avec la personne qui agit (`par`) : un rôle créé,
modifié ou supprimé, un statut de personnel changé, quelle que soit la page d'où vient la
demande (Paramètres, admin Django, commande).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.comptes.models import Invitation, Role, StatutInvitation, TypeRole, Utilisateur
from core.journal.services import journaliser
from core.liens.models import LienSecurise
from core.liens.services import lien_creer, lien_revoquer, lien_url_absolue, lien_utiliser
from core.mail.lots import EnvoiSansObjet, MessagePrepare, lot_mettre_en_file
from core.mail.models import EnvoiInvitation
from core.tenancy.models import Collectivite
from core.tenancy.services import model_update

logger = logging.getLogger(__name__)


DUREE_INVITATION = timedelta(days=14)

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


OBJECTIF_INVITATION = "invitation"

MESSAGE_INVITATION_EN_COURS = (
    "Une invitation est déjà en attente pour cette adresse : utilisez « Renvoyer » dans la "
    "liste des agents."
)
MESSAGE_IDENTIFIANT_PRIS = "Cet identifiant n'est pas disponible : choisissez-en un autre."


@transaction.atomic
def agent_ajouter(
    *,
    collectivite: Collectivite,
    par: Utilisateur,
    prenom: str,
    nom: str,
    email: str,
    role: str,
) -> Invitation:
    """Invite une personne à prendre un rôle : crée toujours une invitation en attente pour le
    courriel saisi, et la lui envoie.

    Aucun compte n'est cherché ni créé, aucun rôle n'est donné : la personne choisit, en
    ouvrant le lien, de créer son compte ou d'accepter avec un compte existant. L'écran, la
    liste des agents et le courriel sont donc les mêmes qu'un compte existe ou non pour cette
    adresse, ici ou ailleurs. Seul refus : une invitation déjà en attente ici pour la même
    adresse (que la liste des agents montre déjà)."""
    if role not in TypeRole.values:
        raise ValidationError({"role": "Choisissez un rôle de la liste."})
    email = email.strip()
    if (
        Invitation.objects.pour(collectivite)
        .filter(email__iexact=email, statut=StatutInvitation.EN_ATTENTE)
        .exists()
    ):
        raise ValidationError({"email": MESSAGE_INVITATION_EN_COURS})
    maintenant = timezone.now()
    invitation = Invitation(
        collectivite=collectivite,
        email=email,
        prenom=prenom.strip(),
        nom=nom.strip(),
        role=role,
        invite_par=par,
        envoyee_le=maintenant,
        expire_le=maintenant + DUREE_INVITATION,
    )
    # La contrainte d'unicité est vérifiée ci-dessus (message français) puis par la base.
    invitation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ValidationError({"email": MESSAGE_INVITATION_EN_COURS}) from None
    journaliser(
        action="invitation_envoyee",
        collectivite=collectivite,
        par=par,
        objet=invitation,
        details={"role": role},
    )
    invitation_envoyer(invitation=invitation, par=par)
    return invitation


def invitation_envoyer(*, invitation: Invitation, par: Utilisateur | None) -> EnvoiInvitation:
    """Seul point d'envoi d'une invitation : enregistre l'envoi (`EnvoiInvitation`, « en
    attente ») et le met en file après le commit ; `mail_invitation_envoyer_task` l'envoie par
    le chemin des envois en nombre (`core.mail.lots` : nouveaux essais, échecs, incertains).

    Le jeton naît dans la tâche (`invitation_preparer`) : le broker ne voit que des
    identifiants. Broker indisponible : le balayage le remettra en file."""

    def mettre_en_file() -> None:
        from core.tasks import mail_invitation_envoyer_task

        lot_mettre_en_file(ids=[envoi.pk], tache=mail_invitation_envoyer_task)

    envoi = EnvoiInvitation.objects.create(
        collectivite_id=invitation.collectivite_id,
        invitation=invitation,
        par=par if par is not None and par.pk is not None else None,
    )
    mettre_en_file()
    return envoi


def invitation_preparer(envoi: EnvoiInvitation) -> MessagePrepare:
    """Le courriel d'un `EnvoiInvitation`, appelé par `core.mail.lots` dans la tâche.

    Crée le lien de l'invitation (usage unique, jusqu'à l'expiration de l'invitation ; il
    révoque le précédent), validé avant l'envoi. Rien n'est créé ni envoyé (`EnvoiSansObjet`)
    si l'invitation n'attend plus de réponse (acceptée, annulée ou expirée entre deux essais).
    """

    invitation = Invitation.objects.select_related("collectivite").get(pk=envoi.invitation_id)
    restant = invitation.expire_le - timezone.now()
    if invitation.statut != StatutInvitation.EN_ATTENTE or restant <= timedelta(0):
        raise EnvoiSansObjet("Cette invitation n'attend plus de réponse : rien n'est envoyé.")
    _lien, jeton = lien_creer(
        collectivite=invitation.collectivite,
        objectif=OBJECTIF_INVITATION,
        cible=invitation,
        duree=restant,
        usage_unique=True,
        par=envoi.par,
    )
    return MessagePrepare.depuis_gabarit(
        gabarit="invitation",
        contexte={
            "prenom": invitation.prenom,
            "collectivite_nom": invitation.collectivite.nom,
            "role": invitation.get_role_display().lower(),
            "lien": lien_url_absolue(jeton),
            "expire_le": f"{timezone.localtime(invitation.expire_le):%d/%m/%Y}",
        },
        collectivite=invitation.collectivite,
        expediteur=envoi.par,
        destinataires=[invitation.email],
    )


def _invitation_en_attente(invitation: Invitation) -> Invitation:
    ligne = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if ligne.statut != StatutInvitation.EN_ATTENTE:
        raise ValidationError("Cette invitation n'est plus en attente.")
    return ligne


@transaction.atomic
def invitation_renvoyer(*, invitation: Invitation, par: Utilisateur) -> Invitation:
    """Nouveau lien (le précédent ne sert plus) et nouvelle échéance, à la même adresse."""
    ligne = _invitation_en_attente(invitation)
    maintenant = timezone.now()
    ligne, _ = model_update(
        instance=ligne,
        donnees={"envoyee_le": maintenant, "expire_le": maintenant + DUREE_INVITATION},
    )
    journaliser(
        action="invitation_envoyee",
        collectivite=ligne.collectivite,
        par=par,
        objet=ligne,
        details={"role": ligne.role},
    )
    invitation_envoyer(invitation=ligne, par=par)
    return ligne


def _revoquer_liens(invitation: Invitation, par: Utilisateur | None) -> None:

    for lien in LienSecurise.objects.filter(
        objectif=OBJECTIF_INVITATION,
        cible_type=Invitation._meta.label_lower,
        cible_id=str(invitation.pk),
        revoque_le__isnull=True,
    ):
        lien_revoquer(lien=lien, par=par)


@transaction.atomic
def invitation_annuler(*, invitation: Invitation, par: Utilisateur) -> Invitation:
    """L'administrateur retire l'invitation : son lien ne mène plus nulle part."""
    ligne = _invitation_en_attente(invitation)
    ligne, _ = model_update(instance=ligne, donnees={"statut": StatutInvitation.ANNULEE})
    _revoquer_liens(ligne, par)
    journaliser(action="invitation_annulee", collectivite=ligne.collectivite, par=par, objet=ligne)
    return ligne


def _invitation_du_lien(invitation: Invitation, lien: Any) -> Invitation:
    """L'invitation, verrouillée, si `lien` est bien le sien et qu'elle attend une réponse."""
    if (
        lien.objectif != OBJECTIF_INVITATION
        or lien.cible_type != Invitation._meta.label_lower
        or lien.cible_id != str(invitation.pk)
    ):
        raise ValidationError("Ce lien ne correspond pas à cette invitation.")
    ligne = _invitation_en_attente(invitation)
    if ligne.expire_le <= timezone.now():
        raise ValidationError(
            "Cette invitation a expiré : demandez à la collectivité de vous l'envoyer à nouveau."
        )
    return ligne


def _accepter(ligne: Invitation, lien: Any, utilisateur: Utilisateur, *, creation: bool) -> Role:

    # Le lien ne sert qu'une fois, même en concurrence (lève une `LienInvalide` sinon).
    lien_utiliser(lien=lien)
    role = role_creer(
        utilisateur=utilisateur, collectivite=ligne.collectivite, role=ligne.role, par=utilisateur
    )
    model_update(
        instance=ligne,
        donnees={
            "utilisateur": utilisateur,
            "statut": StatutInvitation.ACCEPTEE,
            "repondu_le": timezone.now(),
        },
    )
    journaliser(
        action="invitation_acceptee",
        collectivite=ligne.collectivite,
        par=utilisateur,
        objet=ligne,
        details={"creation": creation},
    )
    return role


@transaction.atomic
def invitation_accepter(*, invitation: Invitation, lien: Any, par: Utilisateur) -> Role:
    """La personne qui a ouvert le lien, connectée à son propre compte, accepte : le rôle est
    créé pour ce compte-là (jamais pour un compte deviné d'après l'adresse)."""
    ligne = _invitation_du_lien(invitation, lien)
    if Role.objects.filter(utilisateur=par, collectivite_id=ligne.collectivite_id).exists():
        raise ValidationError("Vous avez déjà un rôle dans cette collectivité.")
    return _accepter(ligne, lien, par, creation=False)


@transaction.atomic
def invitation_creer_compte(
    *,
    invitation: Invitation,
    lien: Any,
    identifiant: str,
    mot_de_passe: str,
    prenom: str,
    nom: str,
) -> Role:
    """La personne qui a ouvert le lien crée son compte (identifiant et mot de passe choisis
    par elle, courriel de l'invitation) et accepte du même geste."""
    ligne = _invitation_du_lien(invitation, lien)
    if Utilisateur.objects.filter(username__iexact=identifiant).exists():
        raise ValidationError({"identifiant": MESSAGE_IDENTIFIANT_PRIS})
    utilisateur = Utilisateur(
        username=identifiant, first_name=prenom, last_name=nom, email=ligne.email
    )
    utilisateur.set_password(mot_de_passe)
    utilisateur.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            utilisateur.save()
    except IntegrityError:
        raise ValidationError({"identifiant": MESSAGE_IDENTIFIANT_PRIS}) from None
    return _accepter(ligne, lien, utilisateur, creation=True)


@transaction.atomic
def invitation_refuser(*, invitation: Invitation, lien: Any) -> Invitation:
    """Refus par la personne qui a ouvert le lien. Jamais d'acteur au journal : la
    collectivité n'apprend pas quel compte, s'il y en a un, a refusé."""

    ligne = _invitation_du_lien(invitation, lien)
    lien_utiliser(lien=lien)
    ligne, _ = model_update(
        instance=ligne,
        donnees={"statut": StatutInvitation.REFUSEE, "repondu_le": timezone.now()},
    )
    journaliser(action="invitation_refusee", collectivite=ligne.collectivite, objet=ligne)
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
