"""Ce que la page dit de l'avancement d'un mouvement : la prochaine échéance, en mots.

Le retard se dit en toutes lettres (« En retard »), jamais par la seule couleur."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from electeurs.procedure.models import ETATS_A_ECHEANCE, EtatMouvement, Mouvement


@dataclass(frozen=True)
class Situation:
    texte: str
    en_retard: bool = False


def _jj(d: date) -> str:
    return f"{d:%d/%m/%Y}"


def situation(mouvement: Mouvement, *, aujourdhui: date | None = None) -> Situation:
    aujourdhui = aujourdhui or timezone.localdate()
    etat = mouvement.etat
    echeance = mouvement.echeance
    en_retard = etat in ETATS_A_ECHEANCE and echeance is not None and echeance < aujourdhui
    if etat == EtatMouvement.A_DECIDER and echeance:
        return Situation(f"À décider au plus tard le {_jj(echeance)}", en_retard)
    if etat in (EtatMouvement.DECIDEE, EtatMouvement.COMMISSION_DECIDEE) and echeance:
        return Situation(f"À notifier au plus tard le {_jj(echeance)}", en_retard)
    if etat == EtatMouvement.RAPO and echeance:
        if en_retard:
            return Situation(
                f"Sans décision de la commission au {_jj(echeance)} : le recours est réputé "
                "rejeté (rejet implicite)",
                True,
            )
        return Situation(f"Décision de la commission au plus tard le {_jj(echeance)}")
    if etat == EtatMouvement.INTENTION:
        if mouvement.npai_le:
            return Situation("Pli revenu NPAI : le maire peut décider")
        if mouvement.observations_le:
            return Situation("Observations reçues : le maire peut décider")
        if mouvement.fin_observations is None:
            return Situation(
                "Réception du courrier non enregistrée : le délai d'observations ne court pas "
                "encore"
            )
        if aujourdhui <= mouvement.fin_observations:
            return Situation(f"Observations possibles jusqu'au {_jj(mouvement.fin_observations)}")
        return Situation(
            f"Observations closes le {_jj(mouvement.fin_observations)} : le maire peut décider"
        )
    if etat == EtatMouvement.NOTIFIEE and mouvement.notifie_le:
        return Situation(f"Notifiée le {_jj(mouvement.notifie_le)}")
    return Situation("")


def situation_insee(mouvement: Mouvement, *, aujourdhui: date | None = None) -> Situation:
    """Où en est la transmission de la décision à l'INSEE (EL-22) : vide s'il n'y a rien."""
    if mouvement.transmis_insee_le:
        return Situation(f"Transmise à l'INSEE le {_jj(mouvement.transmis_insee_le)}")
    if mouvement.echeance_insee is None:
        return Situation("")
    aujourdhui = aujourdhui or timezone.localdate()
    return Situation(
        f"À transmettre à l'INSEE au plus tard le {_jj(mouvement.echeance_insee)}",
        mouvement.echeance_insee < aujourdhui,
    )
