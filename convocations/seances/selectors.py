"""Lectures des séances : la liste (comptes en une requête), la page de préparation."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from convocations.seances.models import (
    Destinataire,
    DocumentSeance,
    EtatSeance,
    NatureDocument,
    PointOrdreDuJour,
    Seance,
)
from core.tenancy.models import Collectivite

PERIODES = {"a_venir": "À venir", "passees": "Passées"}


def seances_liste(
    collectivite: Collectivite, *, etat: str = "", type: str = "", periode: str = ""
) -> QuerySet[Seance]:
    """Les séances de la collectivité avec leurs comptes de destinataires et de lectures."""
    seances = Seance.objects.pour(collectivite).annotate(
        nb_destinataires=Count("destinataires"),
        nb_lus=Count("destinataires", filter=Q(destinataires__lu_le__isnull=False)),
    )
    if etat in EtatSeance.values:
        seances = seances.filter(etat=etat)
    if type:
        seances = seances.filter(type=type)
    if periode == "a_venir":
        seances = seances.filter(date__gte=timezone.now())
    elif periode == "passees":
        seances = seances.filter(date__lt=timezone.now())
    return seances


def points_de_la_seance(seance: Seance) -> QuerySet[PointOrdreDuJour]:
    return PointOrdreDuJour.objects.filter(seance=seance).order_by("numero", "pk")


def documents_de_la_seance(seance: Seance) -> list[DocumentSeance]:
    return list(DocumentSeance.objects.filter(seance=seance).select_related("ajoute_par"))


def documents_courants(documents: list[DocumentSeance]) -> list[tuple[DocumentSeance, bool]]:
    """Chaque document et s'il est la version en vigueur de sa nature (les annexes le sont
    toutes)."""
    dernieres: dict[str, int] = {}
    for document in documents:
        if document.nature != NatureDocument.ANNEXE:
            dernieres[document.nature] = max(dernieres.get(document.nature, 0), document.version)
    return [
        (d, d.nature == NatureDocument.ANNEXE or d.version == dernieres[d.nature])
        for d in documents
    ]


def destinataires_de_la_seance(seance: Seance) -> QuerySet[Destinataire]:
    return Destinataire.objects.filter(seance=seance).select_related("mandat")


def destinataires_compter(seance: Seance) -> dict[str, Any]:
    return Destinataire.objects.filter(seance=seance).aggregate(
        total=Count("pk"), membres=Count("pk", filter=Q(membre=True))
    )


def seances_en_preparation_compter(collectivite: Collectivite, utilisateur: Any) -> int:
    """Compteur de l'Accueil."""
    return Seance.objects.pour(collectivite).filter(etat=EtatSeance.BROUILLON).count()
