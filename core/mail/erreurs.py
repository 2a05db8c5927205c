"""Erreurs d'envoi, en français : `ErreurEnvoi` et ses classes (définitif, temporaire, aucun
compte), textes fixes, masquage des adresses et du mot de passe.

`core.mail.services` les relaie : les appelants écrivent `from core.mail import ErreurEnvoi`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

from core.mail.models import MessageEnvoye

MESSAGE_NON_ASCII = (
    "Une adresse contient un caractère accentué que le serveur ne peut pas recevoir : "
    "seul le nom de domaine (après « @ ») peut en contenir."
)
MESSAGE_CONSTRUCTION = (
    "Le message n'a pas pu être préparé : une adresse, le nom affiché, l'objet ou le nom "
    "d'une pièce jointe a une forme que le format des courriels refuse."
)
MESSAGE_ENTETES_ALTERES = (
    "Le message n'est pas parti : une fois mis en forme, ses en-têtes ne correspondaient plus "
    "à ceux prévus (un nom, l'objet ou une adresse contient une forme encodée interdite)."
)
MESSAGE_ERREUR_INATTENDUE = (
    "Erreur inattendue pendant l'envoi : le message n'est pas parti. Si elle se reproduit, "
    "signalez-la à l'assistance."
)


# --- Erreurs --------------------------------------------------------------------------------


ADRESSE_MASQUEE = "[adresse masquée]"
MOT_DE_PASSE_MASQUE = "********"


def masquer_mot_de_passe(texte: str, *, mot_de_passe: str, identifiant: str = "") -> str:
    """`texte` où le mot de passe, et ses formes AUTH PLAIN / LOGIN (base64), sont masqués
    là où ils forment un mot entier (jamais à l'intérieur d'un autre mot)."""
    if not mot_de_passe or not texte:
        return texte
    formes: set[str] = set()
    for brut in (mot_de_passe, f"\0{identifiant}\0{mot_de_passe}"):
        code = base64.b64encode(brut.encode("utf-8")).decode("ascii")
        formes |= {code, code.rstrip("=")}
    for forme in sorted(formes, key=len, reverse=True):
        texte = re.sub(
            rf"(?<![A-Za-z0-9+/]){re.escape(forme)}(?![A-Za-z0-9+/=])", MOT_DE_PASSE_MASQUE, texte
        )
    return re.sub(rf"(?<!\w){re.escape(mot_de_passe)}(?!\w)", MOT_DE_PASSE_MASQUE, texte)


class ErreurEnvoi(Exception):
    """Échec d'un envoi, en français, avec le `code` SMTP s'il y en a un.

    Deux textes : `texte`, pour l'agent (trace `MessageEnvoye`, « Tester la connexion »), cite
    les adresses en cause ; `message`, seul repris par `str()`, `repr()` et `args` (donc par
    toute ligne de log, tout nouvel essai de Celery, toute trace d'exception), les remplace
    par « [adresse masquée] » (`masquer`). `destinataire` garde l'adresse refusée par le
    serveur (RCPT TO), s'il y en a une.
    """

    def __init__(self, message: str, *, code: int | None = None, incertain: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.texte = message
        self.code = code
        self.incertain = incertain
        self.destinataire: str | None = None
        self.message_envoye: MessageEnvoye | None = None

    def __str__(self) -> str:
        return self.message

    def masquer(self, adresses: Iterable[str]) -> ErreurEnvoi:
        """Retire ces adresses de `message` (et de `args`) ; `texte` les garde pour l'agent.

        Sans tenir compte de la casse : un serveur cite souvent l'adresse dans sa réponse
        (« 550 5.1.1 <lea@exemple.fr>: Recipient address rejected »).
        """
        masque = self.message
        # Les plus longues d'abord : « a@b.fr » ne doit pas entamer « la@b.fr ».
        for adresse in sorted({a for a in adresses if a}, key=len, reverse=True):
            masque = re.sub(re.escape(adresse), ADRESSE_MASQUEE, masque, flags=re.IGNORECASE)
        self.message = masque
        self.args = (masque,)
        return self


class EchecDefinitif(ErreurEnvoi):
    """5xx, authentification refusée, TLS impossible : réessayer ne servirait à rien."""


class EchecTemporaire(ErreurEnvoi):
    """4xx, délai dépassé, serveur injoignable : un nouvel essai plus tard peut réussir."""


class AucunCompte(ErreurEnvoi):
    """Aucun compte d'envoi : ni celui de la personne, ni celui de la collectivité, ni celui
    des réglages. Définitif tant que personne n'en configure un."""

    def __init__(self) -> None:
        super().__init__(
            "Aucun compte d'envoi n'est configuré : ni le vôtre, ni celui de la collectivité, "
            "ni celui de la plateforme. Renseignez votre compte dans Paramètres › Mon compte "
            "d'envoi."
        )


def _texte(reponse: bytes | str) -> str:
    if isinstance(reponse, bytes):
        reponse = reponse.decode("utf-8", errors="replace")
    return " ".join(reponse.split())


def _selon_code(code: int, message: str, *, incertain: bool = False) -> ErreurEnvoi:
    classe = EchecDefinitif if 500 <= code < 600 else EchecTemporaire
    return classe(message, code=code, incertain=incertain)


__all__ = [
    "ADRESSE_MASQUEE",
    "MESSAGE_CONSTRUCTION",
    "MESSAGE_ENTETES_ALTERES",
    "MESSAGE_ERREUR_INATTENDUE",
    "MESSAGE_NON_ASCII",
    "MOT_DE_PASSE_MASQUE",
    "AucunCompte",
    "EchecDefinitif",
    "EchecTemporaire",
    "ErreurEnvoi",
    "masquer_mot_de_passe",
]
