"""Connexion SMTP : `ConnexionSMTP` (une connexion authentifiée réutilisée pour un lot), échéance
globale de chaque échange (`_Echeance`, sockets bornées, `_SMTPBorne`), contexte TLS, et
traduction en français des erreurs de smtplib, ssl et socket.

Chaque échange avec le serveur a une échéance globale (`ECHARPE_SMTP_DELAI_GLOBAL`, et
`ECHARPE_SMTP_DELAI_TEST` pour « Tester la connexion ») en plus du délai par lecture
`ECHARPE_SMTP_TIMEOUT` : un serveur qui répond octet par octet ne retient personne.
"""

from __future__ import annotations

import errno
import logging
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Sequence
from functools import lru_cache
from types import TracebackType
from typing import Any

from django.conf import settings

from core.mail.comptes import CompteResolu
from core.mail.entetes import adresse_enveloppe
from core.mail.erreurs import (
    MESSAGE_NON_ASCII,
    EchecDefinitif,
    EchecTemporaire,
    ErreurEnvoi,
    _selon_code,
    _texte,
    masquer_mot_de_passe,
)
from core.mail.models import Securite
from core.mail.reseau import AdresseInterdite, connexion_autorisee

logger = logging.getLogger(__name__)

CRLF = b"\r\n"


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


class _Bornee(socket.socket):
    """Chaque lecture et écriture s'arrête à l'échéance de l'échange (socket brute ou TLS)."""

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


class _SocketBornee(_Bornee):
    """Socket TCP dont chaque opération s'arrête à l'échéance de l'échange."""

    def sendall(self, *args: Any) -> None:
        self.settimeout(self.echeance.borne())
        super().sendall(*args)


class _SSLSocketBornee(_Bornee, ssl.SSLSocket):
    """Même chose sous TLS ; l'échéance est un attribut de classe (`_contexte_tls`) parce que
    `wrap_socket` négocie avant de rendre l'objet."""

    def do_handshake(self, block: bool = False) -> None:
        self.settimeout(self.echeance.borne())
        super().do_handshake(block)

    def read(self, *args: Any) -> Any:
        self.settimeout(self.echeance.borne())
        return super().read(*args)

    def write(self, *args: Any) -> int:
        self.settimeout(self.echeance.borne())
        return super().write(*args)


def _socket_bornee(hote: str, port: int, echeance: _Echeance, source: Any) -> socket.socket:
    brute = connexion_autorisee(hote, port, echeance.borne(), source)
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
    if isinstance(erreur, AdresseInterdite):
        return EchecDefinitif(erreur.texte)
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


__all__ = ["ConnexionSMTP", "connexion_smtp", "delai_global_envoi"]
