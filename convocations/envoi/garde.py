"""Garde du délai de convocation, en attendant celle du sous-paquet `seances`.

`convocations.seances.services.envoi_autorise(seance=, maintenant=)` est la garde de référence
(point 7 : écran, délais datés, urgence journalisée). Tant qu'elle n'est pas sur la branche
principale, l'envoi passe par cette version minimale, de même signature : à la fusion, ce
module ne fait plus que la réexporter.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from convocations.seances.models import Seance, TypeSeance
from core.delais.services import (
    DelaiIntrouvable,
    date_limite_convocation,
    date_limite_convocation_commission,
)


def _date_limite(seance: Seance) -> date | None:
    jour = timezone.localdate(seance.date)
    try:
        if seance.deliberante:
            return date_limite_convocation(
                seance=jour, urgence=seance.urgence, collectivite=seance.collectivite
            )
        if seance.type == TypeSeance.COMMISSION:
            return date_limite_convocation_commission(seance=jour, collectivite=seance.collectivite)
    except DelaiIntrouvable:
        return None
    # Bureau : pas de délai légal ni configuré.
    return None


def envoi_autorise(*, seance: Seance, maintenant: datetime) -> tuple[bool, str]:
    """(autorisé, message en français). Refuse une séance classée ou passée, et un envoi après
    le dernier jour légal sauf urgence justifiée (le délai d'urgence s'applique alors)."""
    if seance.classee:
        return False, "Cette séance est classée : elle ne peut plus être envoyée."
    if seance.date <= maintenant:
        return False, "Cette séance a déjà eu lieu : la convocation ne peut plus partir."
    limite = _date_limite(seance)
    if limite is not None and timezone.localdate(maintenant) > limite:
        if seance.urgence:
            return False, (
                f"Même en urgence, la convocation devait partir au plus tard le {limite:%d/%m/%Y}."
            )
        return False, (
            f"Le dernier jour d'envoi était le {limite:%d/%m/%Y}. Pour envoyer quand même, "
            "cochez « urgence » dans la préparation de la séance et justifiez-la."
        )
    return True, ""
