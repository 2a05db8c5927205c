"""Événements journalisés par signal.

- Connexions, déconnexions et échecs de connexion : chaîne « plateforme » (collectivité
  vide). Le mot de passe n'est jamais écrit : seuls l'identifiant saisi et l'adresse IP.
- Personnel : un changement de `is_staff`, `is_superuser` ou `is_active` d'un compte
  (`personnel_modifie`, chaîne « plateforme »).
- Rôles : ce signal est l'unique endroit qui journalise la création, la modification et la
  suppression d'un `Role` (`role_modifie`, `role_retire`, `role_retabli` dans la chaîne de
  la collectivité), qu'elles viennent des Paramètres, de l'admin Django ou d'une commande.
  Les services ne les journalisent donc pas eux-mêmes. L'auteur est lu dans
  `core.journal.services.acteur_courant`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from core.comptes.models import Role, Utilisateur
from core.journal.services import acteur_du_contexte, journaliser
from core.tenancy.models import Collectivite

CHAMPS_PERSONNEL = ("is_staff", "is_superuser", "is_active")
CHAMPS_ROLE = ("role", "actif")


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


# --- Personnel de la plateforme -----------------------------------------------------------


# Champs suivis par modèle : leur valeur avant l'enregistrement est lue en pre_save, comparée
# en post_save ; seules les différences sont journalisées.
CHAMPS_SUIVIS: dict[type[Any], tuple[str, ...]] = {
    Utilisateur: CHAMPS_PERSONNEL,
    Role: CHAMPS_ROLE,
}


def _memoriser_avant(
    sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if raw:
        return
    champs = CHAMPS_SUIVIS[sender]
    existant = not instance._state.adding and instance.pk is not None
    concerne = update_fields is None or bool(set(update_fields) & set(champs))
    instance._journal_avant = (
        sender.objects.filter(pk=instance.pk).values(*champs).first()
        if existant and concerne
        else None
    )


for _modele in CHAMPS_SUIVIS:
    pre_save.connect(
        _memoriser_avant, sender=_modele, dispatch_uid=f"journal_avant_{_modele.__name__}"
    )


def _changements(instance: Any, *, created: bool, raw: bool) -> dict[str, Any]:
    """Champs suivis qui ont changé : [avant, après] ; à la création, avant = None."""
    avant = instance.__dict__.pop("_journal_avant", None)
    champs = CHAMPS_SUIVIS[type(instance)]
    if raw:
        return {}
    if created:
        return {champ: [None, getattr(instance, champ)] for champ in champs}
    if avant is None:
        return {}
    return {
        champ: [avant[champ], getattr(instance, champ)]
        for champ in champs
        if avant[champ] != getattr(instance, champ)
    }


@receiver(post_save, sender=Utilisateur, dispatch_uid="journal_personnel")
def journaliser_personnel(
    sender: Any, instance: Utilisateur, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    changements = _changements(instance, created=created, raw=raw)
    if created and not (instance.is_staff or instance.is_superuser):
        return
    if changements:
        journaliser(
            action="personnel_modifie",
            collectivite=None,
            par=acteur_du_contexte(),
            objet=instance,
            details=changements,
        )


# --- Rôles --------------------------------------------------------------------------------


@receiver(post_save, sender=Role, dispatch_uid="journal_role")
def journaliser_role(
    sender: Any, instance: Role, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    changements = _changements(instance, created=created, raw=raw)
    if not changements:
        return
    acces = changements.get("actif")
    action = {(True, False): "role_retire", (False, True): "role_retabli"}.get(
        tuple(acces) if acces else (None, None), "role_modifie"
    )
    journaliser(
        action=action,
        collectivite=instance.collectivite,
        par=acteur_du_contexte(),
        objet=instance,
        sujet=instance.utilisateur,
        details=changements,
    )


def _suppression_de_collectivite(origine: Any) -> bool:
    if isinstance(origine, Collectivite):
        return True
    return isinstance(origine, QuerySet) and origine.model is Collectivite


@receiver(post_delete, sender=Role, dispatch_uid="journal_role_supprime")
def journaliser_role_supprime(sender: Any, instance: Role, **kwargs: Any) -> None:
    # Une collectivité supprimée emporte ses rôles : sa chaîne ne doit pas naître à ce moment.
    if _suppression_de_collectivite(kwargs.get("origin")):
        return
    journaliser(
        action="role_retire",
        collectivite=instance.collectivite,
        par=acteur_du_contexte(),
        objet=instance,
        sujet=instance.utilisateur,
        details={"role": [instance.role, None], "actif": [instance.actif, None], "supprime": True},
    )
