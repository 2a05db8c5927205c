"""Le compte et ses rôles actifs gardés en cache entre deux pages (`ComptesBackend`).

Chaque page du back-office lit le compte et ses rôles : une requête, la plus chère de la page
une fois le reste gardé. Ils sont gardés en cache et oubliés dès qu'une écriture les touche :
enregistrement ou suppression d'un compte, d'un rôle, d'une collectivité (signaux), et
`QuerySet.update()` sur les comptes et les rôles (qui ne déclenche aucun signal). L'oubli a
lieu tout de suite et de nouveau à la validation de la transaction : une page lue entre les
deux ne garde pas l'état d'avant. Une écriture en SQL direct, hors de l'ORM, se voit au plus
tard après `DUREE_COMPTE_GARDE`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any, ClassVar

from django.core.cache import cache
from django.db import models, transaction

# Filet de sécurité pour une écriture hors de l'ORM : un rôle retiré par SQL direct ne sert
# plus au-delà de ce délai.
DUREE_COMPTE_GARDE = 60


def cle_compte(utilisateur_id: Any) -> str:
    return f"comptes:compte:v1:{utilisateur_id}"


def _oublier(cles: list[str]) -> None:
    cache.delete_many(cles)


def est_un_oubli(rappel: Any) -> bool:
    """Vrai pour le rappel de validation posé par `oublier_comptes` (les tests qui comptent
    les tâches mises en file à la validation l'écartent)."""
    return isinstance(rappel, partial) and rappel.func is _oublier


def oublier_comptes(utilisateur_ids: Iterable[Any]) -> None:
    cles = [cle_compte(pk) for pk in {pk for pk in utilisateur_ids if pk is not None}]
    if not cles:
        return
    _oublier(cles)
    transaction.on_commit(partial(_oublier, cles))


class OubliALaMiseAJour:
    """À placer avant `QuerySet` : `QuerySet.update()` n'émet aucun signal, les comptes touchés
    (par `champ_compte`) sont oubliés ici. Pour les requêtes des comptes et des rôles."""

    champ_compte: ClassVar[str] = "pk"

    def update(self, **kwargs: Any) -> int:
        requete: models.QuerySet[Any] = self  # type: ignore[assignment]
        ids = list(requete.values_list(self.champ_compte, flat=True))
        nombre: int = super().update(**kwargs)  # type: ignore[misc]
        oublier_comptes(ids)
        return nombre
