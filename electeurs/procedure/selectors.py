"""Lectures de la procédure, toujours limitées à une collectivité."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.tenancy.models import Collectivite
from electeurs.models import Electeur
from electeurs.procedure.models import (
    ETATS_A_ECHEANCE,
    EtatMouvement,
    MembreCommission,
    Mouvement,
    Piece,
    ReunionCommission,
    Scrutin,
)


def mouvements_lister(
    *,
    collectivite: Collectivite,
    etat: str = "",
    type: str = "",
    en_retard: bool = False,
    origine: str = "",
    insee: bool = False,
    le: date | None = None,
) -> QuerySet[Mouvement]:
    mouvements = Mouvement.objects.pour(collectivite).select_related("electeur")
    if origine:
        mouvements = mouvements.filter(origine=origine)
    if insee:
        mouvements = mouvements.filter(_insee_a_transmettre())
    if etat:
        mouvements = mouvements.filter(etat=etat)
    if type:
        mouvements = mouvements.filter(type=type)
    if en_retard:
        mouvements = mouvements.filter(_en_retard(le))
    return mouvements


def _insee_a_transmettre() -> Q:
    return Q(echeance_insee__isnull=False, transmis_insee_le__isnull=True)


def _en_retard(le: date | None = None) -> Q:
    """Une étape de la procédure ou la transmission à l'INSEE a passé sa date limite."""
    jour = le or timezone.localdate()
    return Q(etat__in=ETATS_A_ECHEANCE, echeance__lt=jour) | (
        _insee_a_transmettre() & Q(echeance_insee__lt=jour)
    )


def mouvements_de(*, electeur: Electeur) -> QuerySet[Mouvement]:
    """Les mouvements d'un électeur, le plus récent d'abord (onglet « Mouvements » de la fiche)."""
    return Mouvement.objects.pour(electeur.collectivite_id).filter(electeur=electeur)


def pieces_de(*, electeur: Electeur) -> QuerySet[Piece]:
    """Les pièces d'un électeur (« historique des pièces » de la fiche)."""
    return (
        Piece.objects.pour(electeur.collectivite_id)
        .filter(electeur=electeur)
        .select_related("mouvement", "ajoutee_par")
    )


# --- Compteurs de l'Accueil : une requête chacun ---------------------------------------------


def demandes_a_decider_compter(collectivite: Collectivite, utilisateur: Any) -> int:
    # Les intentions de radiation n'y sont pas : le maire attend la fin des observations.
    return Mouvement.objects.pour(collectivite).filter(etat=EtatMouvement.A_DECIDER).count()


def decisions_a_notifier_compter(collectivite: Collectivite, utilisateur: Any) -> int:
    return (
        Mouvement.objects.pour(collectivite)
        .filter(etat__in=[EtatMouvement.DECIDEE, EtatMouvement.COMMISSION_DECIDEE])
        .count()
    )


def transmissions_insee_compter(collectivite: Collectivite, utilisateur: Any) -> int:
    return Mouvement.objects.pour(collectivite).filter(_insee_a_transmettre()).count()


def transmissions_insee_en_retard_compter(collectivite: Collectivite, utilisateur: Any) -> int:
    return (
        Mouvement.objects.pour(collectivite)
        .filter(_insee_a_transmettre(), echeance_insee__lt=timezone.localdate())
        .count()
    )


def mouvements_en_retard_compter(collectivite: Collectivite, utilisateur: Any) -> int:
    return Mouvement.objects.pour(collectivite).filter(_en_retard()).count()


# --- Commission de contrôle ------------------------------------------------------------------


def membres_lister(*, collectivite: Collectivite) -> QuerySet[MembreCommission]:
    """Les membres en fonction d'abord, puis les anciens (gardés pour l'historique)."""
    return MembreCommission.objects.pour(collectivite).order_by(
        F("fin_le").desc(nulls_first=True), "nom", "pk"
    )


def scrutins_lister(*, collectivite: Collectivite) -> QuerySet[Scrutin]:
    return Scrutin.objects.pour(collectivite).order_by("-premier_tour", "-pk")


def reunions_lister(*, collectivite: Collectivite) -> QuerySet[ReunionCommission]:
    return ReunionCommission.objects.pour(collectivite).prefetch_related("membres_presents")


def reunion_precedente(*, reunion: ReunionCommission) -> ReunionCommission | None:
    return (
        ReunionCommission.objects.pour(reunion.collectivite_id)
        .filter(date__lt=reunion.date)
        .order_by("-date")
        .first()
    )


def mouvements_a_examiner(*, reunion: ReunionCommission) -> QuerySet[Mouvement]:
    """Le tableau de la réunion (REU-27) : les mouvements datés (décision, ou réception pour
    ceux qui n'en ont pas) depuis la réunion précédente jusqu'au jour de celle-ci, plus les
    recours en attente et ce que la réunion a décidé."""
    precedente = reunion_precedente(reunion=reunion)
    depuis = Q(date_mouvement__gt=precedente.date) if precedente else Q()
    return (
        Mouvement.objects.pour(reunion.collectivite_id)
        .annotate(date_mouvement=Coalesce("decide_le", "recue_le"))
        .filter(
            (depuis & Q(date_mouvement__lte=reunion.date))
            | Q(etat=EtatMouvement.RAPO)
            | Q(reunion=reunion)
        )
        .select_related("electeur")
        .order_by("type", "electeur__recherche_naissance", "pk")
    )
