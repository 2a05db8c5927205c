"""Connexions, déconnexions et échecs de connexion, journalisés par les signaux de Django
(chaîne « plateforme », collectivité vide). Le mot de passe n'est jamais écrit : seuls
l'identifiant saisi et l'adresse IP.

Seuls ces événements passent par des signaux : Django les émet sans service à nous. Tout le
reste (rôles, personnel, fiche de la collectivité, délais) est journalisé par le service qui
écrit, avec la personne qui agit passée en `par`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from core.comptes.models import Utilisateur
from core.journal.services import journaliser


def _adresse_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR seulement : un X-Forwarded-For se falsifie ; derrière un mandataire, c'est à
    # lui de réécrire REMOTE_ADDR.
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


# --- Connexions ---------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="journal_connexion")
def journaliser_connexion(
    sender: Any, request: HttpRequest | None, user: Utilisateur, **kwargs: Any
) -> None:
    journaliser(
        action="connexion",
        collectivite=None,
        par=user,
        objet=user,
        details={"ip": _adresse_ip(request)},
    )


@receiver(user_logged_out, dispatch_uid="journal_deconnexion")
def journaliser_deconnexion(
    sender: Any, request: HttpRequest | None, user: Utilisateur | None, **kwargs: Any
) -> None:
    if user is None or not user.is_authenticated:
        return
    journaliser(
        action="deconnexion",
        collectivite=None,
        par=user,
        objet=user,
        details={"ip": _adresse_ip(request)},
    )


@receiver(user_login_failed, dispatch_uid="journal_connexion_echec")
def journaliser_connexion_echec(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Le texte saisi n'est jamais gardé : on y tape souvent son mot de passe par erreur, et le
    # journal est ineffaçable. On garde le compte visé s'il existe, sinon « inconnu ».
    saisi = str(credentials.get(Utilisateur.USERNAME_FIELD) or "")[:150]
    compte = Utilisateur.objects.filter(username__iexact=saisi).first() if saisi else None
    journaliser(
        action="connexion_echec",
        collectivite=None,
        objet=compte,
        details={"compte": compte.pk if compte else "inconnu", "ip": _adresse_ip(request)},
    )
