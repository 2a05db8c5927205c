"""Ce que chaque rôle peut faire : le tableau des rôles, vérifié ici et nulle part ailleurs.

Une capacité (`electeurs`, `avis`, `convocations`, `parametres`, `journal`) et une action
(`lire`, `ecrire`, `envoyer`, `exporter`) ; les vues déclarent ce qu'elles demandent.
"""

from __future__ import annotations

from enum import StrEnum

from core.comptes.models import TypeRole


class Capacite(StrEnum):
    ELECTEURS = "electeurs"  # électeurs, REU, télédossiers
    AVIS = "avis"  # avis et courriels aux électeurs
    CONVOCATIONS = "convocations"
    PARAMETRES = "parametres"  # agents, rôles, comptes SMTP de la collectivité, modèles, délais
    SMTP_PERSONNEL = "smtp_personnel"  # son propre compte SMTP
    JOURNAL = "journal"  # tout le journal de la collectivité
    JOURNAL_PERSONNEL = "journal_personnel"  # ses propres actions
    ACCUEIL = "accueil"


class Action(StrEnum):
    LIRE = "lire"
    ECRIRE = "ecrire"
    ENVOYER = "envoyer"
    EXPORTER = "exporter"  # export de données personnelles


_TOUT = frozenset(Action)
_LECTURE_EXPORT = frozenset({Action.LIRE, Action.EXPORTER})

MATRICE: dict[str, dict[Capacite, frozenset[Action]]] = {
    TypeRole.ADMINISTRATEUR: {
        Capacite.ACCUEIL: _TOUT,
        Capacite.ELECTEURS: _TOUT,
        Capacite.AVIS: _TOUT,
        Capacite.CONVOCATIONS: _TOUT,
        Capacite.PARAMETRES: _TOUT,
        Capacite.SMTP_PERSONNEL: _TOUT,
        Capacite.JOURNAL: _LECTURE_EXPORT,
        Capacite.JOURNAL_PERSONNEL: _LECTURE_EXPORT,
    },
    TypeRole.AGENT_ELECTIONS: {
        Capacite.ACCUEIL: _TOUT,
        Capacite.ELECTEURS: _TOUT,
        Capacite.AVIS: _TOUT,
        Capacite.SMTP_PERSONNEL: _TOUT,
        Capacite.JOURNAL_PERSONNEL: _LECTURE_EXPORT,
    },
    TypeRole.SECRETARIAT: {
        Capacite.ACCUEIL: _TOUT,
        Capacite.CONVOCATIONS: _TOUT,
        Capacite.SMTP_PERSONNEL: _TOUT,
        Capacite.JOURNAL_PERSONNEL: _LECTURE_EXPORT,
    },
    TypeRole.LECTURE: {
        Capacite.ACCUEIL: frozenset({Action.LIRE}),
        # Lecture seule : lecture sans export de données personnelles.
        Capacite.ELECTEURS: frozenset({Action.LIRE}),
        Capacite.AVIS: frozenset({Action.LIRE}),
        Capacite.CONVOCATIONS: frozenset({Action.LIRE}),
    },
}


def role_peut(
    role: str | None, capacite: Capacite | str, action: Action | str = Action.LIRE
) -> bool:
    if not role:
        return False
    return Action(action) in MATRICE.get(role, {}).get(Capacite(capacite), frozenset())
