"""Lectures du socle."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from core.comptes.models import Invitation, Role, StatutInvitation, Utilisateur
from core.liens.models import LienSecurise
from core.mail.models import CompteSMTP, EnvoiActivation, EnvoiInvitation
from core.tenancy.models import Collectivite


def rattache_ailleurs(*, utilisateur: Utilisateur, collectivite: Collectivite | int) -> bool:
    """Vrai si le compte a un lien quelconque hors de `collectivite` : un rôle (même retiré),
    un compte d'envoi, ou un statut de personnel de la plateforme. Un administrateur ne
    touche alors ni à son activation, ni à son mot de passe, ni à ses données."""
    if utilisateur.is_staff or utilisateur.is_superuser:
        return True
    if Role.objects.filter(utilisateur=utilisateur).exclude(collectivite=collectivite).exists():
        return True
    return (
        CompteSMTP.objects.filter(utilisateur=utilisateur)
        .exclude(collectivite=collectivite)
        .exists()
    )


def activation_renvoyable(*, role: Role) -> bool:
    """Le lien d'activation de cet agent peut être renvoyé d'ici : compte jamais activé, et
    rattaché à cette seule collectivité."""
    personne = role.utilisateur
    return not personne.has_usable_password() and not rattache_ailleurs(
        utilisateur=personne, collectivite=role.collectivite_id
    )


def agents_de_la_collectivite(*, collectivite: Collectivite) -> QuerySet[Role]:
    """Rôles de la collectivité avec, pour la liste : `rattache_ailleurs` (le compte a un lien
    ailleurs) et `invitation_envoyee_le` (dernier lien d'activation émis)."""
    utilisateur = OuterRef("utilisateur_id")
    dernier_lien = (
        LienSecurise.objects.filter(
            objectif="activation",
            cible_type=Utilisateur._meta.label_lower,
            cible_id=Cast(utilisateur, output_field=CharField()),
        )
        .values("cible_id")
        .annotate(dernier=Max("cree_le"))
        .values("dernier")
    )
    return (
        Role.objects.pour(collectivite)
        .select_related("utilisateur")
        .annotate(
            rattache_ailleurs=Exists(
                Role.objects.filter(utilisateur_id=utilisateur).exclude(collectivite=collectivite)
            )
            | Exists(
                CompteSMTP.objects.filter(utilisateur_id=utilisateur).exclude(
                    collectivite=collectivite
                )
            ),
            invitation_envoyee_le=Subquery(dernier_lien[:1]),
            **_dernier_envoi(
                EnvoiActivation.objects.filter(
                    collectivite=collectivite, utilisateur_id=utilisateur
                )
            ),
        )
    )


def _dernier_envoi(envois: QuerySet[Any]) -> dict[str, Subquery]:
    """Statut et réponse du dernier envoi (`LigneEnvoi`) : la liste montre un échec ou un envoi
    incertain, que personne ne refait automatiquement."""
    dernier = envois.order_by("-cree_le", "-pk")
    return {
        "dernier_envoi_statut": Subquery(dernier.values("statut")[:1]),
        "dernier_envoi_reponse": Subquery(dernier.values("reponse_smtp")[:1]),
    }


def invitations_en_attente(*, collectivite: Collectivite, texte: str = "") -> QuerySet[Invitation]:
    """Invitations de la collectivité qui attendent une réponse (expirées comprises, pour
    « Renvoyer ») : rien que ce que l'administrateur a saisi, jamais de compte."""
    invitations = (
        Invitation.objects.pour(collectivite)
        .filter(statut=StatutInvitation.EN_ATTENTE)
        .annotate(**_dernier_envoi(EnvoiInvitation.objects.filter(invitation_id=OuterRef("pk"))))
    )
    if texte:
        invitations = invitations.filter(
            Q(email__icontains=texte) | Q(nom__icontains=texte) | Q(prenom__icontains=texte)
        )
    return invitations.order_by("-cree_le", "pk")
