"""Dates limites de la procédure, calculées avec les délais datés de `core.delais`.

Chaque délai est lu tel qu'il était en vigueur le jour où il commence à courir (réception
de la demande, décision, notification…) : une valeur changée plus tard ne s'applique qu'aux
procédures dont le point de départ la suit. Le décompte est celui du Code électoral
(`core.delais.ajouter_jours` : jours calendaires, jour de départ non compté, prorogation
au jour ouvré suivant selon le réglage ECHARPE_DELAIS_PROROGATION_JOUR_NON_OUVRE).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError

from core.delais.services import DelaiIntrouvable, ajouter_jours, delai_en_vigueur
from core.tenancy.models import Collectivite

# Codes des lignes de `core.Delai` (semées par la migration 0002 de core et par celle de la
# procédure) : la valeur, l'unité et la référence légale vivent dans la configuration.
DECISION = "decision_demande_inscription"  # L18 I : 5 jours après réception
NOTIFICATION = "notification_decision"  # L18 III : 2 jours après la décision
OBSERVATIONS = "observations_radiation"  # R12 : 15 jours après réception du courrier
RAPO = "rapo"  # L18 III : 5 jours après la notification
COMMISSION = "decision_commission_rapo"  # L18 III, L19 : 30 jours, silence = rejet
NOTIFICATION_COMMISSION = "notification_commission"  # L19 : 2 jours
TRIBUNAL = "recours_tribunal"  # L20 : 7 jours après la décision de la commission


def date_limite(code: str, *, depart: date, collectivite: Collectivite | None) -> date:
    """Fin du délai `code` qui court à partir du jour `depart` (jour non compté).

    Lève `ValidationError` (en français) si aucun délai de ce code n'est configuré ce jour-là.
    """
    try:
        delai = delai_en_vigueur(code, le=depart, collectivite=collectivite)
    except DelaiIntrouvable as erreur:
        raise ValidationError(str(erreur)) from erreur
    return ajouter_jours(depart, delai.valeur)
