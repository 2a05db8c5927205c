"""Le tableau des mouvements à examiner par la commission de contrôle (PDF, travail suivi)."""

from __future__ import annotations

from core.documents.pdf import pdf_rendre
from core.travaux.services import ResultatTravail, Suivi, TravailErreur
from electeurs.procedure.models import ReunionCommission
from electeurs.procedure.selectors import mouvements_a_examiner, reunion_precedente


def tableau_commission_rendre(*, suivi: Suivi, reunion_id: int) -> ResultatTravail:
    # Lu par `pour()` la collectivité du travail : un identifiant d'ailleurs ne rend rien.
    reunion = (
        ReunionCommission.objects.pour(suivi.travail.collectivite_id)
        .filter(pk=reunion_id)
        .select_related("collectivite")
        .first()
    )
    if reunion is None:
        raise TravailErreur("Cette réunion de la commission n'existe plus.")
    mouvements = list(mouvements_a_examiner(reunion=reunion))
    suivi.definir_total(len(mouvements))
    suivi.avancer(len(mouvements))
    contenu = pdf_rendre(
        "electeurs/procedure/pdf/tableau_commission.html",
        {
            "collectivite": reunion.collectivite,
            "reunion": reunion,
            "precedente": reunion_precedente(reunion=reunion),
            "mouvements": mouvements,
        },
    )
    return ResultatTravail(
        message=f"Tableau de la réunion du {reunion.date:%d/%m/%Y} prêt.",
        fichier_nom=f"commission-controle-{reunion.date:%Y-%m-%d}.pdf",
        contenu=contenu,
    )
