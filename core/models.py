"""Tous les modèles du socle, rangés par préoccupation dans les sous-paquets de `core`.

Ce module les réunit pour Django (une seule application `core`, mêmes migrations) et pour les
applications métier (`from core.models import Collectivite`). À l'intérieur de `core`, on
importe depuis le sous-paquet (`core.mail.models`), jamais d'ici.
"""

from core.comptes.models import Invitation, Role, StatutInvitation, TypeRole, Utilisateur
from core.delais.models import Delai, UniteDelai
from core.journal.models import ChaineJournal, EntreeJournal, JournalInalterable
from core.liens.models import CompteurIdentite, LienSecurise
from core.mail.models import (
    CompteSMTP,
    CourrierRecu,
    EnvoiActivation,
    LigneEnvoi,
    MessageEnvoye,
    ProtocoleBoite,
    Securite,
    StatutCourrier,
    StatutEnvoi,
    StatutMessage,
)
from core.tenancy.models import (
    BaseModel,
    Collectivite,
    ModeleCollectivite,
    ScopedQuerySet,
    TypeCollectivite,
)
from core.travaux.models import StatutTravail, Travail

__all__ = [
    "BaseModel",
    "ChaineJournal",
    "Collectivite",
    "CompteSMTP",
    "CompteurIdentite",
    "CourrierRecu",
    "Delai",
    "EntreeJournal",
    "EnvoiActivation",
    "LigneEnvoi",
    "Invitation",
    "JournalInalterable",
    "LienSecurise",
    "MessageEnvoye",
    "ModeleCollectivite",
    "ProtocoleBoite",
    "Role",
    "ScopedQuerySet",
    "Securite",
    "StatutCourrier",
    "StatutEnvoi",
    "StatutInvitation",
    "StatutMessage",
    "StatutTravail",
    "Travail",
    "TypeCollectivite",
    "TypeRole",
    "UniteDelai",
    "Utilisateur",
]
