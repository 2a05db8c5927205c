"""Lectures du côté de l'élu : toujours à partir de son propre destinataire (jamais la réponse
d'un autre élu, jamais la séance d'une autre collectivité)."""

from __future__ import annotations

from django.db.models import QuerySet

from convocations.reponses.models import PieceReponse
from convocations.seances.models import (
    Destinataire,
    DocumentSeance,
    EtatSeance,
    PointOrdreDuJour,
    Reponse,
)
from core.comptes.models import Utilisateur


def destinataires_visibles() -> QuerySet[Destinataire]:
    """Les destinataires dont la séance est partie (un brouillon ne se montre à personne)."""
    return Destinataire.objects.select_related("seance__collectivite", "collectivite").exclude(
        seance__etat=EtatSeance.BROUILLON
    )


def destinataire_de_l_elu(*, pk: int, utilisateur: Utilisateur) -> Destinataire | None:
    return destinataires_visibles().filter(pk=pk, utilisateur=utilisateur).first()


def destinataire_par_pk(pk: int) -> Destinataire | None:
    return destinataires_visibles().filter(pk=pk).first()


def documents_du_destinataire(destinataire: Destinataire) -> QuerySet[DocumentSeance]:
    return DocumentSeance.objects.filter(seance_id=destinataire.seance_id).order_by(
        "ordre", "nature", "-version", "pk"
    )


def points_du_destinataire(destinataire: Destinataire) -> QuerySet[PointOrdreDuJour]:
    return PointOrdreDuJour.objects.filter(seance_id=destinataire.seance_id).order_by(
        "numero", "pk"
    )


def historique_des_reponses(destinataire: Destinataire) -> QuerySet[Reponse]:
    """Les réponses validées de CE destinataire, la plus récente d'abord."""
    return (
        Reponse.objects.filter(destinataire=destinataire)
        .select_related("mandataire", "par")
        .prefetch_related("pieces")
        .order_by("-cree_le", "-pk")
    )


def derniere_reponse(destinataire: Destinataire) -> Reponse | None:
    return historique_des_reponses(destinataire).first()


def mandataires_possibles(destinataire: Destinataire) -> QuerySet[Destinataire]:
    """Les autres membres de la séance (le service dit ensuite qui peut recevoir un pouvoir)."""
    return (
        Destinataire.objects.filter(seance_id=destinataire.seance_id, membre=True)
        .exclude(pk=destinataire.pk)
        .order_by("nom", "email", "pk")
    )


def piece_en_attente(destinataire: Destinataire, pk: int | None) -> PieceReponse | None:
    if pk is None:
        return None
    return PieceReponse.objects.filter(
        pk=pk, destinataire=destinataire, reponse__isnull=True
    ).first()
