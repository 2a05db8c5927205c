"""La seule fonction qui envoie un courriel : `envoyer`.

Tout courriel d'Écharpe passe par ici : le compte est choisi (`compte_pour_envoi`),
une trace `MessageEnvoye` est écrite « en cours » avant de parler au serveur, puis « envoyé »
à la réponse 250, ou « échec » / « échec temporaire » avec le code et la réponse du serveur.

Les tâches Celery ne réessaient que `EchecTemporaire` (4xx, délai dépassé, serveur
injoignable) ; `EchecDefinitif` (5xx, authentification refusée, TLS) est final. Quand
`EchecTemporaire.incertain` est vrai, le message entier a été transmis mais la réponse finale
n'est pas venue : la trace reste « en cours » (incertaine) et ne doit pas être
renvoyée automatiquement.

Une erreur imprévue après l'écriture de la trace la termine « échec » (message en français)
avant d'être relancée, sauf une fois le message entier transmis : elle devient alors un
`EchecTemporaire` incertain. Les domaines internationalisés partent en punycode ; une partie
locale accentuée est un `EchecDefinitif` (pas de SMTPUTF8).

Les courriels de Django (réinitialisation du mot de passe…) passent aussi par `envoyer`, avec
le compte de la plateforme : `EnvoyerBackend` est l'`EMAIL_BACKEND` par défaut.

En démonstration (`ECHARPE_BOITE_DEMO`), les messages sont écrits dans une boîte locale
(fichiers .eml lisibles sur /outbox/) au lieu de partir par SMTP ; « Tester la connexion »
contacte pourtant tout serveur autre que celui des comptes de démonstration (`HOTE_BOITE_DEMO`).

Chaque valeur d'en-tête venue des données (nom affiché, objet, adresses, en-têtes, noms de
pièces jointes) est vérifiée après décodage de ses mots encodés RFC 2047 (`verifier_entete`) ;
le message mis en forme est relu et doit porter exactement les en-têtes posés. Les erreurs du
module `email`, en anglais, deviennent des messages en français.

Chaque échange avec le serveur a une échéance globale (`ECHARPE_SMTP_DELAI_GLOBAL`, et
`ECHARPE_SMTP_DELAI_TEST` pour « Tester la connexion ») en plus du délai par lecture
`ECHARPE_SMTP_TIMEOUT` : un serveur qui répond octet par octet ne retient personne.

Les logs portent les identifiants et les statuts ; jamais de mot de passe, d'adresse ni de
corps de message. Le texte d'une `ErreurEnvoi` (`str()`, `args`) ne cite aucune adresse : celui
que voit l'agent est `ErreurEnvoi.texte`.
"""

from __future__ import annotations

import base64
import errno
import logging
import mimetypes
import re
import secrets
import smtplib
import socket
import ssl
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header
from email.headerregistry import Address
from email.message import EmailMessage
from email.mime.base import MIMEBase
from email.parser import BytesParser
from email.utils import formatdate, make_msgid, parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage as DjangoEmailMessage
from django.core.validators import validate_email
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.html import strip_tags

from core.comptes.models import Utilisateur
from core.mail.comptes import CompteResolu, MotDePasseIndechiffrable, compte_pour_envoi
from core.mail.models import CompteSMTP, MessageEnvoye, Securite, StatutMessage
from core.tenancy.models import Collectivite

logger = logging.getLogger(__name__)

CRLF = b"\r\n"
REPONSE_BOITE_DEMO = "250 boîte de démonstration"
# Le serveur fictif des comptes de démonstration (`charger_demo`) : « Tester la connexion »
# l'adresse à la boîte locale ; tout autre serveur est réellement contacté.
HOTE_BOITE_DEMO = "boite-demo.localhost"
# En-têtes que `envoyer` écrit lui-même : `entetes` ne peut pas les remplacer.
ENTETES_RESERVES = {
    "from",
    "sender",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
}
_NOM_ENTETE = re.compile(r"[!-9;-~]+")  # RFC 5322 ftext : ASCII imprimable sauf « : »
_NOM_GABARIT = re.compile(r"[a-z0-9_]+(/[a-z0-9_]+)*")
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


def _delai() -> float:
    return float(settings.ECHARPE_SMTP_TIMEOUT)


def delai_global_envoi() -> float:
    """Durée maximale d'un envoi (connexion comprise), quel que soit le rythme du serveur."""
    return float(getattr(settings, "ECHARPE_SMTP_DELAI_GLOBAL", 120))


def _secondes(delai: float) -> str:
    return str(int(delai)) if float(delai).is_integer() else str(delai).replace(".", ",")


def _message_delai(echeance: _Echeance | None = None) -> str:
    if echeance is not None and echeance.depassee():
        return (
            "Le serveur n'a pas terminé l'échange dans le délai de "
            f"{_secondes(echeance.duree)} secondes : la connexion a été interrompue."
        )
    delai = _delai()
    if delai <= 1:
        return "Le serveur n'a pas répondu dans le délai d'une seconde."
    return f"Le serveur n'a pas répondu dans les {_secondes(delai)} secondes."


class _Echeance:
    """Heure limite d'un échange avec le serveur.

    Le délai de `socket` vaut pour chaque lecture : un serveur qui envoie un octet toutes les
    quatre secondes tiendrait la connexion indéfiniment. Avant chaque lecture, écriture ou
    négociation TLS, le délai de la socket devient le plus petit du délai par opération et du
    temps qui reste (`_SocketBornee`, `_SSLSocketBornee`).
    """

    def __init__(self, *, par_operation: float, duree: float) -> None:
        self.par_operation = par_operation
        self.duree = duree
        self.limite = time.monotonic() + duree

    def demarrer(self, duree: float) -> None:
        self.duree = duree
        self.limite = time.monotonic() + duree

    def restant(self) -> float:
        return self.limite - time.monotonic()

    def depassee(self) -> bool:
        return self.restant() <= 0

    def borne(self) -> float:
        restant = self.restant()
        if restant <= 0:
            raise TimeoutError("délai global dépassé")
        return min(self.par_operation, restant)


class _SocketBornee(socket.socket):
    """Socket TCP dont chaque opération s'arrête à l'échéance de l'échange."""

    echeance: _Echeance

    def recv(self, *args: Any) -> bytes:
        self.settimeout(self.echeance.borne())
        return super().recv(*args)

    def recv_into(self, *args: Any) -> int:
        self.settimeout(self.echeance.borne())
        return super().recv_into(*args)

    def send(self, *args: Any) -> int:
        self.settimeout(self.echeance.borne())
        return super().send(*args)

    def sendall(self, *args: Any) -> None:
        self.settimeout(self.echeance.borne())
        super().sendall(*args)


class _SSLSocketBornee(ssl.SSLSocket):
    """Même chose sous TLS ; l'échéance est un attribut de classe (`_contexte_tls`) parce que
    `wrap_socket` négocie avant de rendre l'objet."""

    echeance: _Echeance

    def do_handshake(self, block: bool = False) -> None:
        self.settimeout(self.echeance.borne())
        super().do_handshake(block)

    def read(self, *args: Any) -> Any:
        self.settimeout(self.echeance.borne())
        return super().read(*args)

    def write(self, *args: Any) -> int:
        self.settimeout(self.echeance.borne())
        return super().write(*args)

    def recv(self, *args: Any) -> bytes:
        self.settimeout(self.echeance.borne())
        return super().recv(*args)

    def recv_into(self, *args: Any) -> int:
        self.settimeout(self.echeance.borne())
        return super().recv_into(*args)

    def send(self, *args: Any) -> int:
        self.settimeout(self.echeance.borne())
        return super().send(*args)


def _socket_bornee(hote: str, port: int, echeance: _Echeance, source: Any) -> socket.socket:
    brute = socket.create_connection((hote, port), echeance.borne(), source)
    bornee = _SocketBornee(brute.family, brute.type, brute.proto, fileno=brute.detach())
    bornee.echeance = echeance
    bornee.settimeout(echeance.par_operation)
    return bornee


class _SMTPBorne(smtplib.SMTP):
    echeance: _Echeance
    _host: str  # attribut interne de smtplib (nom vérifié par TLS)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return _socket_bornee(host, port, self.echeance, self.source_address)


class _SMTPSSLBorne(smtplib.SMTP_SSL, _SMTPBorne):
    """`SMTP_SSL._get_socket` enveloppe en TLS la socket bornée de `_SMTPBorne`."""


_RAISONS_RESEAU = {
    errno.ECONNREFUSED: "connexion refusée",
    errno.EHOSTUNREACH: "serveur injoignable",
    errno.ENETUNREACH: "réseau injoignable",
    errno.ECONNRESET: "connexion interrompue par le serveur",
    errno.EADDRNOTAVAIL: "adresse indisponible",
}


def _traduire(
    erreur: BaseException, compte: CompteResolu, *, echeance: _Echeance | None = None
) -> ErreurEnvoi:
    """Une exception de smtplib, ssl ou socket devient une erreur en français, classée."""
    if isinstance(erreur, ErreurEnvoi):
        return erreur
    adresse = f"{compte.hote}:{compte.port}"
    delai = _message_delai(echeance)
    if isinstance(erreur, smtplib.SMTPAuthenticationError):
        code = erreur.smtp_code
        return _selon_code(code, f"Le serveur a refusé l'identifiant ou le mot de passe ({code}).")
    if isinstance(erreur, smtplib.SMTPServerDisconnected):
        if isinstance(erreur.__context__, TimeoutError):
            return EchecTemporaire(delai)
        return EchecTemporaire(f"Le serveur {adresse} a fermé la connexion de façon inattendue.")
    if isinstance(erreur, smtplib.SMTPResponseException):
        code = erreur.smtp_code
        return _selon_code(code, f"Le serveur a répondu : {code} {_texte(erreur.smtp_error)}")
    if isinstance(erreur, TimeoutError):
        return EchecTemporaire(delai)
    if isinstance(erreur, ssl.SSLCertVerificationError):
        return EchecDefinitif(
            "La négociation TLS a échoué : le certificat du serveur n'est pas reconnu "
            f"({erreur.verify_message})."
        )
    if isinstance(erreur, ssl.SSLError):
        raison = erreur.reason or erreur.__class__.__name__
        return EchecDefinitif(
            f"La négociation TLS a échoué : {raison}. Vérifiez le port et la sécurité choisis "
            "(STARTTLS sur le port 587, SSL/TLS sur le port 465)."
        )
    if isinstance(erreur, UnicodeError):
        # smtplib n'écrit que de l'ASCII sur le fil (pas de SMTPUTF8) ; le détail de
        # l'exception, en anglais, citerait la valeur fautive.
        return EchecDefinitif(MESSAGE_NON_ASCII)
    if isinstance(erreur, socket.gaierror):
        return EchecTemporaire(
            f"Impossible de joindre le serveur {adresse} : nom de serveur introuvable."
        )
    if isinstance(erreur, OSError):
        raison = _RAISONS_RESEAU.get(erreur.errno or 0, f"erreur réseau ({erreur.errno})")
        return EchecTemporaire(f"Impossible de joindre le serveur {adresse} : {raison}.")
    if isinstance(erreur, smtplib.SMTPException):
        return EchecTemporaire(f"Erreur SMTP avec le serveur {adresse}.")
    raise erreur


# --- Connexion ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _nom_local() -> str:
    return socket.getfqdn()


def _contexte_tls(echeance: _Echeance | None = None) -> ssl.SSLContext:
    contexte = ssl.create_default_context()
    if echeance is not None:
        contexte.sslsocket_class = type(
            "_SSLSocketBorneeConnexion", (_SSLSocketBornee,), {"echeance": echeance}
        )
    # Désactivable seulement pour un serveur de test au certificat auto-signé.
    if not getattr(settings, "ECHARPE_SMTP_VERIFIER_CERTIFICAT", True):
        contexte.check_hostname = False
        contexte.verify_mode = ssl.CERT_NONE
    return contexte


def _fermer(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


class ConnexionSMTP:
    """Une connexion SMTP ouverte et authentifiée une fois, réutilisée pour un lot.

    S'ouvre au premier envoi (l'échec est alors tracé sur le message) ou par `ouvrir()` ; se
    rouvre d'elle-même si le serveur l'a fermée entre deux messages.

    Chaque échange (`ouvrir()`, puis chaque message avec l'ouverture qu'il demande) a une
    échéance globale : `delai_global` secondes (`ECHARPE_SMTP_DELAI_GLOBAL` par défaut), en
    plus du délai par lecture `ECHARPE_SMTP_TIMEOUT`. `meme_en_demo` : le serveur est
    contacté même quand la boîte de démonstration est active (« Tester la connexion »).
    """

    def __init__(
        self,
        compte: CompteResolu,
        *,
        delai_global: float | None = None,
        meme_en_demo: bool = False,
    ) -> None:
        self.compte = compte
        self.ouvertures = 0
        self.meme_en_demo = meme_en_demo
        self.delai_global = delai_global if delai_global is not None else delai_global_envoi()
        self._echeance = _Echeance(par_operation=_delai(), duree=self.delai_global)
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> ConnexionSMTP:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.fermer()

    @property
    def ouverte(self) -> bool:
        return self._smtp is not None

    def ouvrir(self) -> None:
        if self._smtp is not None:
            return
        self._echeance.demarrer(self.delai_global)
        self._ouvrir()

    def _ouvrir(self) -> None:
        if self._smtp is not None:
            return
        try:
            self._smtp = self._connecter()
        except UnicodeError as erreur:
            # Identifiant et mot de passe sont traités dans `_authentifier` : reste le nom du
            # serveur, que le codec IDNA n'a pas pu encoder.
            raise EchecDefinitif(
                f"Le nom du serveur « {self.compte.hote} » n'est pas valide."
            ) from erreur
        except Exception as erreur:
            raise self._sans_secret(self._traduire(erreur)) from erreur
        self.ouvertures += 1

    def _traduire(self, erreur: BaseException) -> ErreurEnvoi:
        return _traduire(erreur, self.compte, echeance=self._echeance)

    def _sans_secret(self, erreur: ErreurEnvoi) -> ErreurEnvoi:
        # Un serveur pourrait renvoyer ce qu'on lui a envoyé : le mot de passe ne doit
        # jamais s'afficher ni s'enregistrer.
        message = self.masquer_secret(erreur.message)
        texte = self.masquer_secret(erreur.texte)
        if (message, texte) != (erreur.message, erreur.texte):
            erreur.message, erreur.texte = message, texte
            erreur.args = (message,)
        return erreur

    def masquer_secret(self, texte: str) -> str:
        """`texte` sans le mot de passe du compte, ni ses formes AUTH (base64).

        Seulement là où il forme un mot entier : un mot de passe « x » ne doit pas défigurer
        « connexion refusée » (ni, surtout, révéler ainsi sa valeur).
        """
        return masquer_mot_de_passe(
            texte, mot_de_passe=self.compte.mot_de_passe, identifiant=self.compte.identifiant
        )

    def fermer(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            # QUIT aussi est borné : un serveur lent ne retient pas la fin d'un lot.
            self._echeance.demarrer(min(_delai(), self.delai_global))
            _fermer(smtp)

    def _abandonner(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            smtp.close()

    def _connecter(self) -> smtplib.SMTP:
        compte = self.compte
        contexte = _contexte_tls(self._echeance)
        smtp: _SMTPBorne
        if compte.securite == Securite.SSL:
            smtp = _SMTPSSLBorne(local_hostname=_nom_local(), timeout=_delai(), context=contexte)
        else:
            smtp = _SMTPBorne(local_hostname=_nom_local(), timeout=_delai())
        smtp.echeance = self._echeance
        # Nom vérifié par TLS ; `SMTP(hote, port)` le poserait lui-même.
        smtp._host = compte.hote
        try:
            # Ce que ferait `smtplib.SMTP(hote, port)`, avec la socket bornée.
            code, bienvenue = smtp.connect(compte.hote, compte.port)
            if code != 220:
                raise smtplib.SMTPConnectError(code, bienvenue)
            smtp.ehlo_or_helo_if_needed()
            if compte.securite == Securite.STARTTLS:
                if not smtp.has_extn("starttls"):
                    raise EchecDefinitif(
                        "La négociation TLS a échoué : le serveur ne propose pas STARTTLS. "
                        "Choisissez SSL/TLS (port 465) ou vérifiez le serveur."
                    )
                try:
                    smtp.starttls(context=contexte)
                except smtplib.SMTPResponseException as erreur:
                    raise EchecDefinitif(
                        "La négociation TLS a échoué : le serveur a répondu "
                        f"{erreur.smtp_code} {_texte(erreur.smtp_error)}",
                        code=erreur.smtp_code,
                    ) from erreur
                smtp.ehlo()
            if compte.identifiant:
                self._authentifier(smtp)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _authentifier(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.login(self.compte.identifiant, self.compte.mot_de_passe)
        except smtplib.SMTPNotSupportedError as erreur:
            raise EchecDefinitif(
                "Le serveur ne propose pas d'authentification sur cette connexion : vérifiez "
                "la sécurité choisie (STARTTLS ou SSL/TLS)."
            ) from erreur
        except UnicodeEncodeError:
            # smtplib encode l'identifiant et le mot de passe en ASCII ; le détail de
            # l'exception citerait le mot de passe.
            raise EchecDefinitif(
                "L'identifiant ou le mot de passe contient un caractère accentué que "
                "l'authentification SMTP ne peut pas transmettre."
            ) from None
        except smtplib.SMTPAuthenticationError:
            raise
        except smtplib.SMTPException as erreur:
            if "authentication method" in str(erreur):
                raise EchecDefinitif(
                    "Le serveur ne propose aucune méthode d'authentification connue "
                    "(PLAIN, LOGIN, CRAM-MD5)."
                ) from erreur
            raise

    def transmettre(
        self, *, expediteur: str, destinataires: Sequence[str], contenu: bytes
    ) -> tuple[int, str]:
        """Une transaction SMTP (MAIL, RCPT, DATA) ; rend le code et le texte de la réponse
        finale (250). Lève `ErreurEnvoi` ; un destinataire refusé annule tout le message.

        Les domaines internationalisés de l'enveloppe partent en punycode ; une adresse dont la
        partie locale n'est pas en ASCII est refusée (`EchecDefinitif`) avant toute commande.
        """
        adresses = [expediteur, *destinataires]
        self._echeance.demarrer(self.delai_global)
        try:
            expediteur = adresse_enveloppe(expediteur)
            destinataires = [adresse_enveloppe(a) for a in destinataires]
            adresses += [expediteur, *destinataires]
            code, reponse = self._transmettre(
                expediteur=expediteur, destinataires=destinataires, contenu=contenu
            )
        except ErreurEnvoi as erreur:
            # Les adresses restent dans `texte` (pour l'agent), jamais dans `message` (logs).
            self._sans_secret(erreur).masquer(adresses)
            raise
        return code, self.masquer_secret(reponse)

    def _transmettre(
        self, *, expediteur: str, destinataires: Sequence[str], contenu: bytes
    ) -> tuple[int, str]:
        smtp = self._preparer(expediteur)
        phase = "enveloppe"
        try:
            for destinataire in destinataires:
                code, reponse = smtp.rcpt(destinataire)
                if code not in (250, 251):
                    if 400 <= code < 500:
                        texte = f"Refus temporaire pour le destinataire {destinataire} : "
                    else:
                        texte = f"Le serveur a refusé le destinataire {destinataire} : "
                    refus = _selon_code(code, f"{texte}{code} {_texte(reponse)}")
                    refus.destinataire = destinataire
                    raise refus
            code, reponse = smtp.docmd("DATA")
            if code != 354:
                raise _selon_code(
                    code, f"Le serveur a refusé le message : {code} {_texte(reponse)}"
                )
            smtp.send(_donnees(contenu))
            # Le message est entier chez le serveur : sans réponse, il est peut-être parti.
            phase = "reponse"
            code, reponse = smtp.getreply()
        except ErreurEnvoi as erreur:
            self._reinitialiser(erreur.code)
            raise
        except Exception as erreur:
            self._abandonner()
            try:
                traduite = self._traduire(erreur)
            except Exception:
                if phase != "reponse":
                    raise
                # Erreur imprévue alors que le message est entier chez le serveur : il est
                # peut-être parti, la trace doit rester « en cours » (incertaine).
                traduite = EchecTemporaire(
                    "La réponse du serveur n'a pas pu être lue : le message est peut-être parti."
                )
            traduite.incertain = phase == "reponse"
            raise traduite from erreur
        if code != 250:
            self._reinitialiser(code)
            raise _selon_code(code, f"Le serveur a refusé le message : {code} {_texte(reponse)}")
        return code, _texte(reponse)

    def _preparer(self, expediteur: str) -> smtplib.SMTP:
        """Ouvre au besoin et envoie MAIL FROM ; une connexion réutilisée que le serveur a
        fermée entre-temps est rouverte une fois (rien n'a encore été transmis)."""
        for essai in (1, 2):
            reutilisee = self._smtp is not None
            self._ouvrir()
            smtp = self._smtp
            assert smtp is not None
            try:
                code, reponse = smtp.mail(expediteur)
            except smtplib.SMTPServerDisconnected as erreur:
                self._abandonner()
                if reutilisee and essai == 1:
                    continue
                raise self._traduire(erreur) from erreur
            except Exception as erreur:
                self._abandonner()
                raise self._traduire(erreur) from erreur
            if code == 421 and reutilisee and essai == 1:
                # Le serveur ferme une connexion restée inactive : on en rouvre une.
                self._abandonner()
                continue
            if code != 250:
                self._reinitialiser(code)
                raise _selon_code(
                    code,
                    f"Le serveur a refusé l'adresse d'expédition {expediteur} : "
                    f"{code} {_texte(reponse)}",
                )
            return smtp
        raise AssertionError("inaccessible")  # pragma: no cover

    def _reinitialiser(self, code: int | None) -> None:
        """Après un refus, remet la session à zéro (RSET) pour le message suivant ; 421 veut
        dire que le serveur ferme : la connexion sera rouverte au prochain envoi."""
        if self._smtp is None:
            return
        if code == 421:
            self._abandonner()
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._abandonner()


def _donnees(contenu: bytes) -> bytes:
    """Corps de la commande DATA : points doublés en début de ligne, fin « CRLF.CRLF »."""
    donnees = re.sub(rb"(?m)^\.", b"..", contenu)
    if not donnees.endswith(CRLF):
        donnees += CRLF
    return donnees + b"." + CRLF


def connexion_smtp(compte: CompteResolu) -> ConnexionSMTP:
    """Gestionnaire de contexte : `with connexion_smtp(compte) as c: envoyer(..., connexion=c)`
    envoie tout un lot par une seule connexion, fermée à la sortie du bloc."""
    return ConnexionSMTP(compte)


# --- Construction du message ----------------------------------------------------------------


def _une_ligne(valeur: str, libelle: str) -> str:
    # Un retour à la ligne dans un en-tête permettrait d'en injecter d'autres (Bcc…).
    if "\r" in valeur or "\n" in valeur:
        raise ValueError(f"{libelle} ne doit pas contenir de retour à la ligne.")
    return valeur


# Un mot encodé (RFC 2047) : « =?charset?q|b?texte?= ».
_MOT_ENCODE = re.compile(r"=\?[^?]*\?[bBqQ]\?.*?\?=", re.DOTALL)


def _interdit(caractere: str) -> bool:
    # Caractères de contrôle (CR, LF, NUL…), séparateurs de ligne Unicode, demi-codets : la
    # tabulation seule est permise dans un en-tête.
    return caractere != "\t" and unicodedata.category(caractere) in ("Cc", "Cs", "Zl", "Zp")


def _par_entete(texte: str) -> str:
    # Le décodeur des en-têtes du module `email` : celui qui décide de ce qui part sur le fil.
    return str(policy.default.header_factory("Subject", texte))


def _par_decode_header(texte: str) -> str:
    # `decode_header`, plus large (mots encodés collés à du texte).
    morceaux = []
    for brut, jeu in decode_header(texte):
        if isinstance(brut, str):
            morceaux.append(brut)
            continue
        try:
            # Sans jeu de caractères : texte hors mot encodé, rendu en raw-unicode-escape.
            morceaux.append(brut.decode(jeu or "raw-unicode-escape", errors="replace"))
        except LookupError:
            morceaux.append(brut.decode("latin-1"))
    return "".join(morceaux)


def _decoder(valeur: str, decodeur: Callable[[str], str]) -> list[str]:
    """Les décodages successifs de `valeur` tant que le texte change (un mot encodé peut en
    cacher un autre) ; `ValueError` s'il ne se stabilise pas."""
    lectures = [valeur]
    texte = valeur
    for _ in range(8):
        if not _MOT_ENCODE.search(texte):
            return lectures
        suivant = decodeur(texte)
        if suivant == texte:
            return lectures
        texte = suivant
        lectures.append(texte)
        if any(_interdit(c) for c in texte):
            return lectures
    raise ValueError("mots encodés imbriqués")


def _decodages(valeur: str) -> list[str]:
    """Toutes les lectures de `valeur`, brute puis décodée par les deux décodeurs."""
    return [*_decoder(valeur, _par_entete), *_decoder(valeur, _par_decode_header)]


def contient_mot_encode(valeur: str) -> bool:
    """Vrai si `valeur` contient un mot encodé RFC 2047 (« =?utf-8?q?…?= »)."""
    return bool(_MOT_ENCODE.search(valeur))


def verifier_entete(valeur: str, libelle: str) -> str:
    """`valeur`, destinée à un en-tête, si elle ne contient aucun caractère de contrôle, même
    caché dans un mot encodé (« =?utf-8?q?=0D=0ABcc…?= ») ; sinon `ValueError` en français.

    Le module `email` de Python 3.11.7 (CVE-2024-6923) écrit sur le fil le retour à la ligne
    qu'un mot encodé contient : la vérification ne dépend pas de la version de l'interprète.
    """
    valeur = _une_ligne(str(valeur), libelle)
    interdit = (
        f"{libelle} contient un caractère interdit (retour à la ligne ou caractère de "
        "contrôle, parfois caché dans une forme encodée « =?…?= ») : retirez-le."
    )
    try:
        lectures = _decodages(valeur)
    except Exception:
        raise ValueError(interdit) from None
    if any(_interdit(c) for lecture in lectures for c in lecture):
        raise ValueError(interdit)
    return valeur


def neutraliser_entete(valeur: str) -> str:
    """`valeur` lisible et sûre pour un en-tête : mots encodés décodés (comme le ferait le
    module `email`), caractères de contrôle remplacés par une espace, espaces regroupées.
    Pour l'objet rendu d'un gabarit, où le nom d'une collectivité peut arriver."""
    texte = " ".join(str(valeur).split())
    for _ in range(8):
        try:
            lisible = _par_entete(texte) if _MOT_ENCODE.search(texte) else texte
        except Exception:
            lisible = texte
        propre = " ".join("".join(" " if _interdit(c) else c for c in lisible).split())
        if propre == texte:
            return propre
        texte = propre
    # Imbrication sans fin : la forme « =?…?= » est cassée plutôt que décodée à l'envoi.
    return texte.replace("=?", "= ?")


def adresse_ascii(adresse: str) -> str:
    """L'adresse avec son domaine en punycode (`exémple.fr` → `xn--exmple-cva.fr`).

    Lève `UnicodeError` si la partie locale n'est pas en ASCII ou si le domaine ne peut pas
    être encodé (IDNA).
    """
    local, arobase, domaine = adresse.rpartition("@")
    if not arobase:
        local, domaine = adresse, ""
    local.encode("ascii")
    if not domaine.isascii():
        domaine = domaine.encode("idna").decode("ascii")
    return f"{local}{arobase}{domaine}"


def adresse_enveloppe(adresse: str) -> str:
    """`adresse_ascii` pour MAIL FROM et RCPT TO ; `EchecDefinitif` en français sinon."""
    try:
        return adresse_ascii(adresse)
    except UnicodeError:
        raise EchecDefinitif(MESSAGE_NON_ASCII) from None


def _adresse_entete(adresse: str) -> str:
    # Un en-tête sans SMTPUTF8 est en ASCII : le domaine y figure en punycode. Une adresse
    # impossible à convertir reste telle quelle (l'enveloppe la refusera avant l'envoi).
    try:
        return adresse_ascii(adresse)
    except UnicodeError:
        return adresse


def _adresse(adresse: str, libelle: str) -> str:
    adresse = _une_ligne(str(adresse), libelle).strip()
    invalide = ValueError(f"{libelle} est invalide : « {adresse} ».")
    # Une adresse ne contient jamais de mot encodé (RFC 2047 § 5) ; le module `email` le
    # décoderait pourtant, retours à la ligne compris.
    if _MOT_ENCODE.search(adresse) or any(_interdit(c) for c in adresse):
        raise invalide
    try:
        validate_email(adresse)
    except ValidationError:
        raise invalide from None
    return adresse


def _construire(
    *,
    compte: CompteResolu,
    destinataires: list[str],
    sujet: str,
    texte: str,
    html: str | None,
    pieces_jointes: Sequence[tuple[str, bytes, str]],
    reply_to: list[str],
    entetes: dict[str, str],
) -> EmailMessage:
    expediteur = _adresse_entete(_adresse(compte.expediteur, "L'adresse d'expédition"))
    nom_affiche = verifier_entete(compte.nom_affiche, "Le nom affiché")
    try:
        return _assembler(
            expediteur=expediteur,
            nom_affiche=nom_affiche,
            destinataires=destinataires,
            sujet=sujet,
            texte=texte,
            html=html,
            pieces_jointes=pieces_jointes,
            reply_to=reply_to,
            entetes=entetes,
        )
    except Exception as erreur:
        # Le module `email` lève des erreurs en anglais (« missing trailing whitespace
        # after encoded-word ») : l'agent lit un message en français.
        logger.warning("Message impossible à construire (%s)", type(erreur).__name__)
        raise ValueError(MESSAGE_CONSTRUCTION) from None


def _assembler(
    *,
    expediteur: str,
    nom_affiche: str,
    destinataires: list[str],
    sujet: str,
    texte: str,
    html: str | None,
    pieces_jointes: Sequence[tuple[str, bytes, str]],
    reply_to: list[str],
    entetes: dict[str, str],
) -> EmailMessage:
    message = EmailMessage(policy=policy.default)
    message["From"] = Address(display_name=nom_affiche, addr_spec=expediteur)
    message["To"] = ", ".join(_adresse_entete(a) for a in destinataires)
    message["Subject"] = sujet
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=expediteur.rpartition("@")[2] or None)
    if reply_to:
        message["Reply-To"] = ", ".join(_adresse_entete(a) for a in reply_to)
    for nom, valeur in entetes.items():
        message[nom] = valeur
    message.set_content(texte, cte="quoted-printable")
    if html:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    for nom, contenu, type_mime in pieces_jointes:
        principal, _, secondaire = type_mime.partition("/")
        if not principal or not secondaire:
            principal, secondaire = "application", "octet-stream"
        message.add_attachment(contenu, maintype=principal, subtype=secondaire, filename=nom)
    return message


def _verifier_entetes(entetes: dict[str, str] | None) -> dict[str, str]:
    resultat: dict[str, str] = {}
    for nom, valeur in (entetes or {}).items():
        if not _NOM_ENTETE.fullmatch(nom):
            raise ValueError(f"Nom d'en-tête invalide : « {nom} ».")
        if nom.lower() in ENTETES_RESERVES:
            raise ValueError(f"L'en-tête « {nom} » est écrit par Écharpe et ne peut être fourni.")
        resultat[nom] = verifier_entete(str(valeur), f"L'en-tête « {nom} »")
    return resultat


def _serialiser(message: EmailMessage) -> bytes:
    """Les octets du message, relus pour vérifier qu'ils portent exactement les en-têtes
    posés : aucun en-tête ajouté (Bcc, Reply-To…), aucun corps avancé. `EchecDefinitif`
    en français sinon, quelle que soit la version du module `email`."""
    try:
        contenu = message.as_bytes(policy=policy.SMTP)
    except Exception as erreur:
        # Python corrigé (HeaderWriteError) ou autre refus du module `email`, en anglais.
        logger.warning("Message impossible à mettre en forme (%s)", type(erreur).__name__)
        raise EchecDefinitif(MESSAGE_ENTETES_ALTERES) from None
    relu = BytesParser(policy=policy.compat32).parsebytes(contenu)
    attendus = [[nom.lower() for nom in partie] for partie in message.walk()]
    lus = [[nom.lower() for nom in partie] for partie in relu.walk()]
    bloc = contenu.split(CRLF + CRLF, 1)[0].replace(CRLF, b"")
    if attendus != lus or b"\r" in bloc or b"\n" in bloc:
        logger.warning("Message %s refusé : en-têtes altérés", message["Message-ID"])
        raise EchecDefinitif(MESSAGE_ENTETES_ALTERES)
    return contenu


def _resoudre(
    *,
    collectivite: Collectivite | None,
    expediteur: Utilisateur | None,
    compte: CompteSMTP | None,
    connexion: ConnexionSMTP | None,
) -> CompteResolu:
    if (
        compte is not None
        and collectivite is not None
        and compte.collectivite_id != collectivite.pk
    ):
        raise ValueError("Ce compte d'envoi appartient à une autre collectivité.")
    if connexion is not None:
        if compte is not None and connexion.compte.compte != compte:
            raise ValueError("La connexion fournie n'utilise pas ce compte d'envoi.")
        return connexion.compte
    try:
        if compte is not None:
            return CompteResolu.depuis_compte(compte)
        resolu = compte_pour_envoi(collectivite=collectivite, utilisateur=expediteur)
    except MotDePasseIndechiffrable as erreur:
        raise EchecDefinitif(str(erreur)) from erreur
    if resolu is None:
        raise AucunCompte()
    return resolu


def compte_resolu(
    *,
    collectivite: Collectivite | None,
    expediteur: Utilisateur | None,
    compte: CompteSMTP | None = None,
) -> CompteResolu:
    """Le compte qu'`envoyer` prendrait pour ces arguments (sans connexion fournie).

    Lève `AucunCompte`, `EchecDefinitif` (mot de passe indéchiffrable) ou `ValueError`.
    `core.mail.lots` s'en sert pour ouvrir une connexion par compte.
    """
    return _resoudre(
        collectivite=collectivite, expediteur=expediteur, compte=compte, connexion=None
    )


# --- Envoi ----------------------------------------------------------------------------------


def envoyer(
    *,
    collectivite: Collectivite | None,
    expediteur: Utilisateur | None,
    destinataires: list[str],
    sujet: str,
    texte: str,
    html: str | None = None,
    pieces_jointes: Sequence[tuple[str, bytes, str]] = (),
    reply_to: Sequence[str] = (),
    entetes: dict[str, str] | None = None,
    compte: CompteSMTP | None = None,
    connexion: ConnexionSMTP | None = None,
) -> MessageEnvoye:
    """Envoie un courriel et rend sa trace `MessageEnvoye` (statut « envoyé », code 250).

    Compte : `connexion.compte`, sinon `compte`, sinon `compte_pour_envoi` ; aucun →
    `AucunCompte`. Lève `ValueError` (message français) pour une entrée invalide (retour à la
    ligne dans un en-tête, adresse invalide), `EchecDefinitif` / `EchecTemporaire` si le
    serveur refuse ou ne répond pas ; la trace enregistre alors le code et la réponse.

    La trace est écrite « en cours » avant la transaction SMTP : appelez `envoyer` hors d'un
    bloc `atomic` (tâche Celery, vue `non_atomic_requests`) pour qu'elle soit validée d'abord.
    Sans collectivité (courriel de la plateforme), la trace n'est pas enregistrée en base.
    """
    destinataires = [_adresse(a, "L'adresse du destinataire") for a in destinataires]
    if not destinataires:
        raise ValueError("Indiquez au moins un destinataire.")
    sujet = verifier_entete(sujet, "L'objet")
    reponses = [_adresse(a, "L'adresse de réponse") for a in reply_to]
    entetes_propres = _verifier_entetes(entetes)
    for nom, _contenu, _type in pieces_jointes:
        verifier_entete(nom, "Le nom d'une pièce jointe")
    resolu = _resoudre(
        collectivite=collectivite, expediteur=expediteur, compte=compte, connexion=connexion
    )
    message = _construire(
        compte=resolu,
        destinataires=destinataires,
        sujet=sujet,
        texte=texte,
        html=html,
        pieces_jointes=pieces_jointes,
        reply_to=reponses,
        entetes=entetes_propres,
    )
    trace = MessageEnvoye(
        collectivite=collectivite,
        compte=resolu.compte,
        compte_libelle=resolu.libelle[:300],
        expediteur=str(message["From"])[:300],
        destinataires=", ".join(destinataires),
        sujet=sujet[:300],
        message_id=str(message["Message-ID"])[:300],
        statut=StatutMessage.EN_COURS,
        demandeur=expediteur if getattr(expediteur, "pk", None) else None,
    )
    if collectivite is not None:
        trace.save()
    nouvelle: ConnexionSMTP | None = None
    try:
        # L'enveloppe est vérifiée aussi en démonstration : la boîte refuse ce que le
        # serveur refuserait.
        enveloppe = [adresse_enveloppe(a) for a in destinataires]
        expediteur_enveloppe = adresse_enveloppe(resolu.expediteur)
        contenu = _serialiser(message)
        boite_demo = bool(getattr(settings, "ECHARPE_BOITE_DEMO", None))
        if boite_demo and not (connexion is not None and connexion.meme_en_demo):
            ecrire_boite_demo(contenu)
            code, reponse = 250, REPONSE_BOITE_DEMO
        else:
            if connexion is None:
                connexion = nouvelle = connexion_smtp(resolu)
            code, texte_reponse = connexion.transmettre(
                expediteur=expediteur_enveloppe, destinataires=enveloppe, contenu=contenu
            )
            reponse = f"{code} {texte_reponse}".strip()
    except ErreurEnvoi as erreur:
        _enregistrer_echec(trace, erreur)
        raise
    except Exception as erreur:
        # Imprévu, mais avant la réponse finale du serveur (une erreur après la transmission
        # complète devient un `EchecTemporaire` incertain dans `transmettre`) : le message
        # n'est pas parti. La trace ne reste pas « en cours », qui voudrait dire incertain.
        _enregistrer_echec(trace, EchecDefinitif(MESSAGE_ERREUR_INATTENDUE))
        # Le type seulement : le texte de l'exception pourrait citer une adresse.
        logger.error(
            "Message %s %s : erreur inattendue (%s)",
            trace.pk,
            trace.message_id,
            type(erreur).__name__,
        )
        raise
    finally:
        if nouvelle is not None:
            _fermer_sans_erreur(nouvelle)
    trace.statut = StatutMessage.ENVOYE
    trace.code_smtp = code
    trace.reponse_smtp = reponse
    trace.envoye_le = timezone.now()
    if trace.pk:
        trace.save(update_fields=["statut", "code_smtp", "reponse_smtp", "envoye_le", "modifie_le"])
    logger.info("Message %s %s envoyé (%s)", trace.pk, trace.message_id, code)
    return trace


def _fermer_sans_erreur(connexion: ConnexionSMTP) -> None:
    # Après la réponse finale, une erreur de fermeture ne change rien au sort du message.
    try:
        connexion.fermer()
    except Exception as erreur:
        logger.warning("Fermeture de la connexion SMTP impossible (%s)", type(erreur).__name__)


def _enregistrer_echec(trace: MessageEnvoye, erreur: ErreurEnvoi) -> None:
    erreur.message_envoye = trace
    trace.code_smtp = erreur.code
    # Pour l'agent : avec l'adresse refusée (la trace en garde déjà la liste).
    trace.reponse_smtp = erreur.texte
    champs = ["code_smtp", "reponse_smtp", "modifie_le"]
    if not erreur.incertain:
        # Incertain : le message est peut-être parti ; la trace reste « en cours ».
        trace.statut = (
            StatutMessage.ECHEC_TEMPORAIRE
            if isinstance(erreur, EchecTemporaire)
            else StatutMessage.ECHEC
        )
        champs.append("statut")
    if trace.pk:
        trace.save(update_fields=champs)
    logger.warning(
        "Message %s %s non envoyé : %s (code %s, incertain=%s)",
        trace.pk,
        trace.message_id,
        type(erreur).__name__,
        erreur.code,
        erreur.incertain,
    )


def rendre_gabarit(*, gabarit: str, contexte: dict[str, Any]) -> tuple[str, str, str | None]:
    """Objet, texte et HTML (facultatif) de `emails/<gabarit>.subject.txt|.txt|.html`."""
    if not _NOM_GABARIT.fullmatch(gabarit):
        raise ValueError(f"Nom de gabarit de courriel invalide : « {gabarit} ».")
    # L'objet tient sur une ligne : les retours à la ligne du gabarit ou du contexte tombent,
    # comme les caractères de contrôle cachés dans un mot encodé (nom de collectivité…).
    sujet = neutraliser_entete(render_to_string(f"emails/{gabarit}.subject.txt", contexte))
    texte = render_to_string(f"emails/{gabarit}.txt", contexte)
    try:
        gabarit_html = get_template(f"emails/{gabarit}.html")
    except TemplateDoesNotExist:
        return sujet, texte, None
    return sujet, texte, gabarit_html.render(contexte)


def envoyer_gabarit(*, gabarit: str, contexte: dict[str, Any], **kwargs: Any) -> MessageEnvoye:
    """Rend le triplet `emails/<gabarit>.*` puis appelle `envoyer(**kwargs)`."""
    sujet, texte, html = rendre_gabarit(gabarit=gabarit, contexte=contexte)
    return envoyer(sujet=sujet, texte=texte, html=html, **kwargs)


# --- Boîte de démonstration -----------------------------------------------------------------


def _dossier_boite() -> Path:
    dossier = getattr(settings, "ECHARPE_BOITE_DEMO", None)
    if not dossier:
        raise ValueError("La boîte de démonstration n'est pas activée (ECHARPE_BOITE_DEMO).")
    return Path(dossier)


def ecrire_boite_demo(contenu: bytes) -> Path:
    """Écrit un message (.eml) au nom horodaté et unique dans la boîte de démonstration."""
    dossier = _dossier_boite()
    dossier.mkdir(parents=True, exist_ok=True)
    nom = f"{timezone.now():%Y%m%d-%H%M%S-%f}-{secrets.token_hex(4)}.eml"
    chemin = dossier / nom
    with open(chemin, "xb") as fichier:
        fichier.write(contenu)
    return chemin


class BoiteDemoBackend(BaseEmailBackend):
    """Backend Django de la démonstration : chaque courriel devient un .eml dans
    `ECHARPE_BOITE_DEMO` (réinitialisation de mot de passe, etc.)."""

    def send_messages(self, email_messages: Sequence[DjangoEmailMessage]) -> int:
        envoyes = 0
        for email in email_messages:
            if not email.recipients():
                continue
            try:
                ecrire_boite_demo(email.message().as_bytes(linesep="\r\n"))
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            envoyes += 1
        return envoyes


# --- Courriels de la plateforme (EMAIL_BACKEND) ----------------------------------------------


def _corps(email: DjangoEmailMessage) -> tuple[str, str | None]:
    """Texte et HTML (facultatif) d'un message de Django."""
    corps = str(email.body or "")
    if email.content_subtype == "html":
        return strip_tags(corps), corps
    html = None
    for alternative in getattr(email, "alternatives", None) or ():
        contenu, type_mime = alternative[0], alternative[1]
        if type_mime == "text/html":
            html = contenu.decode("utf-8") if isinstance(contenu, bytes) else str(contenu)
            break
    return corps, html


def _pieces_jointes(email: DjangoEmailMessage) -> list[tuple[str, bytes, str]]:
    pieces: list[tuple[str, bytes, str]] = []
    for piece in email.attachments:
        if isinstance(piece, MIMEBase):
            nom = piece.get_filename() or "piece-jointe"
            charge = piece.get_payload(decode=True)
            contenu = charge if isinstance(charge, bytes) else b""
            type_mime = piece.get_content_type()
        else:
            nom, brut, type_mime = piece[0] or "piece-jointe", piece[1], piece[2]
            contenu = brut.encode("utf-8") if isinstance(brut, str) else bytes(brut)
            type_mime = type_mime or mimetypes.guess_type(nom)[0] or "application/octet-stream"
        pieces.append((nom, contenu, type_mime))
    return pieces


def _erreur_neutre(erreur: Exception) -> Exception:
    """Une erreur du même type (et du même code) dont le texte ne dit que ce type et ce code :
    celui de l'erreur d'origine peut citer une adresse (destinataire refusé, adresse invalide,
    réponse du serveur)."""
    code = getattr(erreur, "code", None)
    texte = f"Courriel de plateforme non envoyé : {type(erreur).__name__} (code {code})."
    if isinstance(erreur, AucunCompte):
        return AucunCompte()  # texte fixe, sans adresse
    if isinstance(erreur, ErreurEnvoi):
        return type(erreur)(texte, code=code, incertain=erreur.incertain)
    try:
        neutre = type(erreur)(texte)
    except Exception:
        return ErreurEnvoi(texte)
    return neutre if str(neutre) == texte else ErreurEnvoi(texte)


class EnvoyerBackend(BaseEmailBackend):
    """Backend Django (`EMAIL_BACKEND`) des courriels de la plateforme : réinitialisation du
    mot de passe, erreurs envoyées aux ADMINS…

    Chaque message passe par `envoyer(collectivite=None, expediteur=None, …)`, donc par le
    compte par défaut de la plateforme (`ECHARPE_SMTP_DEFAUT`) : une seule configuration SMTP,
    les mêmes délais, la même traduction des erreurs. L'expéditeur est celui de ce compte
    (`from_email` est ignoré). Les destinataires en copie cachée reçoivent chacun leur propre
    message, pour que leur adresse n'apparaisse nulle part.

    Sans collectivité, aucune ligne `MessageEnvoye` n'est écrite (la collectivité y est
    obligatoire) : le Message-ID et le statut de chaque envoi vont dans les logs.
    """

    def send_messages(self, email_messages: Sequence[DjangoEmailMessage]) -> int:
        envoyes = 0
        for email in email_messages:
            try:
                if self._envoyer(email):
                    envoyes += 1
            except Exception as erreur:
                trace = getattr(erreur, "message_envoye", None)
                logger.warning(
                    "Courriel de plateforme %s non envoyé : %s (code %s)",
                    trace.message_id if trace is not None else "-",
                    type(erreur).__name__,
                    getattr(erreur, "code", None),
                )
                if not self.fail_silently:
                    # Django journalise l'exception (`logger.exception` de la réinitialisation
                    # du mot de passe) : ni adresse, ni réponse du serveur, ni exception liée.
                    raise _erreur_neutre(erreur) from None
        return envoyes

    def _envoyer(self, email: DjangoEmailMessage) -> bool:
        visibles = [*email.to, *email.cc]
        groupes = ([visibles] if visibles else []) + [[adresse] for adresse in email.bcc]
        if not groupes:
            return False
        texte, html = _corps(email)
        pieces = _pieces_jointes(email)
        # From, To, Message-ID… sont écrits par `envoyer` ; les autres en-têtes suivent.
        entetes = {
            nom: str(valeur)
            for nom, valeur in (email.extra_headers or {}).items()
            if nom.lower() not in ENTETES_RESERVES
        }
        for destinataires in groupes:
            trace = envoyer(
                collectivite=None,
                expediteur=None,
                destinataires=destinataires,
                sujet=str(email.subject or ""),
                texte=texte,
                html=html,
                pieces_jointes=pieces,
                reply_to=list(email.reply_to),
                entetes=entetes,
            )
            logger.info(
                "Courriel de plateforme %s : %s (code %s)",
                trace.message_id,
                trace.statut,
                trace.code_smtp,
            )
        return True


# --- Lecture de la boîte de démonstration -----------------------------------------------------


_NOM_FICHIER_BOITE = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9]{6}-[0-9a-f]{8}")


@dataclass(frozen=True)
class MessageBoite:
    """Un message de la boîte de démonstration, lu avec `email` (policy=default)."""

    nom: str
    date: datetime | None
    expediteur: str
    destinataires: str
    sujet: str
    entetes: list[tuple[str, str]] = field(default_factory=list)
    texte: str = ""
    a_html: bool = False
    pieces_jointes: list[str] = field(default_factory=list)
    # Adresses de To, Cc et Bcc, domaine en punycode et en minuscules : qui peut le lire.
    adresses: frozenset[str] = frozenset()


def _date(valeur: str | None) -> datetime | None:
    if not valeur:
        return None
    try:
        return parsedate_to_datetime(valeur)
    except (TypeError, ValueError):
        return None


def _normaliser_adresse(adresse: str) -> str:
    return _adresse_entete(adresse.strip()).lower()


def _adresses_destinataires(message: Any) -> frozenset[str]:
    adresses: set[str] = set()
    for nom in ("To", "Cc", "Bcc"):
        for entete in message.get_all(nom, []):
            for adresse in getattr(entete, "addresses", ()):
                if adresse.addr_spec:
                    adresses.add(_normaliser_adresse(adresse.addr_spec))
    return frozenset(adresses)


def boite_demo_lisible(courriel: MessageBoite, utilisateur: Any) -> bool:
    """Un superutilisateur lit toute la boîte ; tous les autres, personnel de la plateforme
    compris (il peut être limité à quelques collectivités), seulement les messages dont leur
    propre adresse est destinataire (la boîte contient les liens d'activation et de
    réinitialisation de tout le monde)."""
    if getattr(utilisateur, "is_superuser", False):
        return True
    email = getattr(utilisateur, "email", "") or ""
    return bool(email) and _normaliser_adresse(email) in courriel.adresses


def _lire(chemin: Path, *, complet: bool) -> MessageBoite:
    with open(chemin, "rb") as fichier:
        message = BytesParser(policy=policy.default).parse(fichier, headersonly=not complet)
    apercu = MessageBoite(
        nom=chemin.stem,
        date=_date(message.get("Date")),
        expediteur=str(message.get("From", "")),
        destinataires=str(message.get("To", "")),
        sujet=str(message.get("Subject", "")),
        adresses=_adresses_destinataires(message),
    )
    if not complet:
        return apercu
    assert isinstance(message, EmailMessage)
    corps = message.get_body(preferencelist=("plain",))
    texte = corps.get_content() if isinstance(corps, EmailMessage) else ""
    return MessageBoite(
        nom=apercu.nom,
        date=apercu.date,
        expediteur=apercu.expediteur,
        destinataires=apercu.destinataires,
        sujet=apercu.sujet,
        entetes=[(nom, str(valeur)) for nom, valeur in message.items()],
        texte=texte,
        a_html=message.get_body(preferencelist=("html",)) is not None,
        pieces_jointes=[
            piece.get_filename() or "(sans nom)" for piece in message.iter_attachments()
        ],
        adresses=apercu.adresses,
    )


def boite_demo_noms() -> list[str]:
    """Les noms (sans .eml) des messages de la boîte, du plus récent au plus ancien."""
    dossier = _dossier_boite()
    if not dossier.is_dir():
        return []
    noms = [f.stem for f in dossier.glob("*.eml") if _NOM_FICHIER_BOITE.fullmatch(f.stem)]
    return sorted(noms, reverse=True)


def boite_demo_message(nom: str, *, complet: bool = True) -> MessageBoite | None:
    """Un message par son nom (sans .eml) : en-têtes seulement, ou complet avec le texte et
    les pièces jointes. `None` s'il n'existe pas ou si le nom n'est pas celui d'un fichier de
    la boîte (aucun chemin arbitraire)."""
    if not _NOM_FICHIER_BOITE.fullmatch(nom):
        return None
    chemin = _dossier_boite() / f"{nom}.eml"
    if not chemin.is_file():
        return None
    return _lire(chemin, complet=complet)


__all__ = [
    "HOTE_BOITE_DEMO",
    "MESSAGE_CONSTRUCTION",
    "MESSAGE_ENTETES_ALTERES",
    "AucunCompte",
    "BoiteDemoBackend",
    "ConnexionSMTP",
    "EchecDefinitif",
    "EchecTemporaire",
    "EnvoyerBackend",
    "ErreurEnvoi",
    "MessageBoite",
    "adresse_ascii",
    "adresse_enveloppe",
    "boite_demo_lisible",
    "boite_demo_message",
    "boite_demo_noms",
    "compte_resolu",
    "connexion_smtp",
    "contient_mot_encode",
    "ecrire_boite_demo",
    "envoyer",
    "envoyer_gabarit",
    "delai_global_envoi",
    "masquer_mot_de_passe",
    "neutraliser_entete",
    "rendre_gabarit",
    "verifier_entete",
]
