from __future__ import annotations

from typing import Any

from core.tenancy.models import Collectivite
from tests.exemple.models import Dossier


def dossiers_ouverts_compter(collectivite: Collectivite, utilisateur: Any) -> int:
    """Compteur de l'Accueil : le registre l'appelle avec la collectivité et la personne."""
    return Dossier.objects.pour(collectivite).filter(clos=False).count()
