"""Dates limites de la procédure, calculées avec les délais datés de `core.delais`.

Chaque délai est lu tel qu'il était en vigueur le jour où il commence à courir (réception
de la demande, décision, notification…) : une valeur changée plus tard ne s'applique qu'aux
procédures dont le point de départ la suit. Le décompte est celui du Code électoral
(`core.delais.ajouter_jours` : jours calendaires, jour de départ non compté, prorogation
au jour ouvré suivant selon le réglage ECHARPE_DELAIS_PROROGATION_JOUR_NON_OUVRE).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q

from core.delais.models import Delai
from core.delais.services import (
    DelaiIntrouvable,
    ajouter_jours,
    date_limite_avant,
    delai_en_vigueur,
)
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
INSEE = "transmission_insee_decision"  # L18 III : 2 jours après la décision
INSEE_ADRESSE = "transmission_insee_changement_adresse"  # L16 II : 7 jours
# Avant un scrutin (semés par la migration de la procédure) : jours avant le premier tour,
# un dimanche (L55) ; 37 jours = le sixième vendredi, 39 jours = le sixième mercredi.
INSCRIPTION_SCRUTIN = "inscription_avant_scrutin"  # L17
INSCRIPTION_SCRUTIN_EN_LIGNE = "inscription_en_ligne_avant_scrutin"  # R5
INSCRIPTION_SCRUTIN_L30 = "inscription_l30_avant_scrutin"  # L30 : dixième jour
COMMISSION_SCRUTIN = "commission_avant_scrutin"  # L19 : au plus tard le 21e jour
CODES_SCRUTIN = (
    INSCRIPTION_SCRUTIN,
    INSCRIPTION_SCRUTIN_EN_LIGNE,
    INSCRIPTION_SCRUTIN_L30,
    COMMISSION_SCRUTIN,
)


def date_limite(code: str, *, depart: date, collectivite: Collectivite | None) -> date:
    """Fin du délai `code` qui court à partir du jour `depart` (jour non compté).

    Lève `ValidationError` (en français) si aucun délai de ce code n'est configuré ce jour-là.
    """
    try:
        delai = delai_en_vigueur(code, le=depart, collectivite=collectivite)
    except DelaiIntrouvable as erreur:
        raise ValidationError(str(erreur)) from erreur
    return ajouter_jours(depart, delai.valeur)


def date_limite_avant_scrutin(
    code: str, *, scrutin: date, collectivite: Collectivite | None
) -> date:
    """Dernier jour utile avant le premier tour `scrutin`, avec le délai `code` en vigueur le
    jour du scrutin (jours avant le dimanche du scrutin, non francs)."""
    try:
        delai = delai_en_vigueur(code, le=scrutin, collectivite=collectivite)
    except DelaiIntrouvable as erreur:
        raise ValidationError(str(erreur)) from erreur
    return date_limite_avant(scrutin, delai)


def limites_avant_scrutin(collectivite: Collectivite) -> Callable[[str, date], date]:
    """Pour une liste de scrutins : les délais avant scrutin lus en une seule requête, puis
    choisis comme `delai_en_vigueur` (la ligne nationale la plus récente en vigueur le jour du
    scrutin, remplacée par celle de la collectivité si la loi le permet)."""
    lignes = list(
        Delai.objects.filter(code__in=CODES_SCRUTIN)
        .filter(Q(collectivite__isnull=True) | Q(collectivite=collectivite))
        .order_by("-valide_du")
    )

    def limite(code: str, scrutin: date) -> date:
        en_vigueur = [
            d
            for d in lignes
            if d.code == code
            and d.valide_du <= scrutin
            and (d.valide_au is None or d.valide_au >= scrutin)
        ]
        national = next((d for d in en_vigueur if d.collectivite_id is None), None)
        if national is None:
            raise ValidationError(str(DelaiIntrouvable(code, scrutin)))
        delai = national
        if national.surchargeable:
            delai = next((d for d in en_vigueur if d.collectivite_id == collectivite.pk), national)
        return date_limite_avant(scrutin, delai)

    return limite
