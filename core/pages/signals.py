"""À la connexion, les espaces personnels de la personne (le portail d'un élu) sont retenus
dans sa session : le menu du compte les montre sans requête sur chaque page, la première
comprise."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from core.context_processors import retenir_espaces


@receiver(user_logged_in, dispatch_uid="pages_espaces_personnels")
def espaces_retenir(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        retenir_espaces(request, user)
