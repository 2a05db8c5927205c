"""Serveurs SMTP locaux pour les tests d'envoi : un vrai serveur aiosmtpd sur 127.0.0.1.

Utilisation dans un module de test :

    from tests.smtp_local import *  # noqa: F403  (fixtures)
    from tests.smtp_local import IDENTIFIANT, MOT_DE_PASSE, creer_compte

    def test_envoi(serveur_smtp, collectivite):
        serveur = serveur_smtp(securite="starttls", auth=True)
        compte = creer_compte(serveur, collectivite=collectivite)
        ...
        assert serveur.boite.recus[0].message["Subject"] == "…"

Ce que le module fournit :

- `serveur_smtp` : fabrique de serveurs (port libre choisi par le système), arrêtés en fin de
  test ; `securite` = "aucune", "starttls" (certificat auto-signé généré au lancement de la
  session avec `cryptography`) ou "ssl" (TLS implicite) ; `auth=True` exige AUTH LOGIN/PLAIN
  avec `IDENTIFIANT` / `MOT_DE_PASSE` et répond 535 à tout autre couple ; `reponses` scripte
  la réponse à RCPT pour des destinataires (« 550 5.1.1 … », « 450 … », « 421 … ») ; une
  liste de réponses est consommée une par RCPT, puis le destinataire est accepté (un refus
  temporaire suivi d'un succès) ;
  `reponse_data` scripte la réponse finale à DATA ; `delai_data` fait attendre le serveur
  avant cette réponse (cas « message transmis, réponse jamais venue ») ; `inactivite` ferme
  les connexions inactives ; `serveur.fermer_connexions()` coupe sur-le-champ, côté serveur,
  toutes les connexions ouvertes (cas d'un lot dont la connexion a été coupée entre deux
  messages, sans dépendre d'une horloge).
- `serveur_muet` : accepte les connexions et n'envoie rien (délai dépassé).
- `serveur_goutte` : accepte les connexions et envoie une bannière sans fin, un octet toutes
  les `intervalle` secondes (0,2 s), jamais assez lentement pour que le délai par lecture
  expire : seule une échéance globale l'arrête. Il raccroche de lui-même au bout de
  `duree_max` secondes (8 s), pour qu'un client sans échéance finisse quand même.
- `port_ferme` : un port local où rien n'écoute (connexion refusée) ; le port reste réservé
  par une socket liée mais sans écoute pendant tout le test, si bien qu'aucun autre processus
  ne peut le prendre entre-temps.
- `smtp_sans_verification` : réglages pour accepter le certificat auto-signé et un délai
  de 2 secondes.
- `creer_compte(serveur, …)` : un `CompteSMTP` qui pointe vers le serveur local.

Aucun test ne vise une autre adresse que 127.0.0.1 : la suite ne sort jamais de la machine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOTE = "127.0.0.1"
IDENTIFIANT = "agent@exemple.test"
MOT_DE_PASSE = "Secret-SMTP-42!"
NOM_SERVEUR = "smtp.echarpe.test"
REPONSE_DATA = "250 2.0.0 Ok: queued as ECHARPE42"


@dataclass
class Recu:
    """Un message reçu par le serveur local."""

    expediteur: str
    destinataires: list[str]
    contenu: bytes
    # (adresse, port) du client : deux messages du même pair sont venus par la même connexion.
    pair: Any
    identifiant: str | None

    @property
    def message(self) -> EmailMessage:
        message = BytesParser(policy=policy.default).parsebytes(self.contenu)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class Boite:
    """Gestionnaire aiosmtpd : garde les messages reçus, joue les réponses scriptées."""

    reponses: dict[str, str | list[str]] = field(default_factory=dict)
    reponse_data: str = REPONSE_DATA
    delai_data: float = 0
    recus: list[Recu] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reponse = self.reponses.get(address)
        if isinstance(reponse, list):
            # Réponses successives : la première est consommée, puis l'adresse est acceptée.
            reponse = reponse.pop(0) if reponse else None
        if reponse is not None:
            return reponse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delai_data:
            await asyncio.sleep(self.delai_data)
        auth = session.auth_data
        self.recus.append(
            Recu(
                expediteur=envelope.mail_from,
                destinataires=list(envelope.rcpt_tos),
                contenu=envelope.original_content or envelope.content,
                pair=session.peer,
                identifiant=auth.login.decode() if isinstance(auth, LoginPassword) else None,
            )
        )
        return self.reponse_data

    @property
    def connexions(self) -> int:
        """Nombre de connexions distinctes par lesquelles des messages sont arrivés."""
        return len({recu.pair for recu in self.recus})


def _authentificateur(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == IDENTIFIANT.encode()
        and auth_data.password == MOT_DE_PASSE.encode()
    )
    # handled=False sans message : aiosmtpd répond « 535 5.7.8 Authentication credentials
    # invalid ».
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class _SMTPImplicite(SMTP):
    """Session en TLS implicite (port 465) : chiffrée dès la connexion. aiosmtpd ne le sait
    pas de lui-même ; sans cela il refuserait AUTH (538) ou il faudrait accepter AUTH en
    clair."""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._tls_protocol = True  # type: ignore[assignment]


class _Controleur(Controller):
    """`Controller` sur un port choisi par le système (port=0), lu après l'écoute."""

    tls_implicite = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions: list[SMTP] = []

    def factory(self) -> SMTP:
        classe = _SMTPImplicite if self.tls_implicite else SMTP
        session = classe(self.handler, **self.SMTP_kwargs)
        self.sessions.append(session)
        return session

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class ServeurSMTP:
    controleur: Controller
    boite: Boite
    securite: str
    auth: bool

    @property
    def hote(self) -> str:
        return HOTE

    @property
    def port(self) -> int:
        return int(self.controleur.port)

    def fermer_connexions(self, delai: float = 5.0) -> int:
        """Ferme tout de suite, côté serveur, les connexions ouvertes (sans réponse 421, comme
        un serveur qui coupe une connexion inactive) ; rend leur nombre une fois chacune
        fermée pour de bon."""
        controleur = self.controleur
        assert isinstance(controleur, _Controleur)

        async def fermer() -> int:
            ouvertes = [s for s in controleur.sessions if s.transport is not None]
            for session in ouvertes:
                # abort() et non close() : en TLS, close() attendrait le close_notify du client.
                transport = session.transport
                assert isinstance(transport, asyncio.Transport)
                transport.abort()
            while any(session.transport is not None for session in ouvertes):
                await asyncio.sleep(0.01)
            return len(ouvertes)

        return asyncio.run_coroutine_threadsafe(fermer(), controleur.loop).result(timeout=delai)

    def arreter(self) -> None:
        self.controleur.stop()


@dataclass(frozen=True)
class Certificat:
    certificat: Path
    cle: Path

    def contexte_serveur(self) -> ssl.SSLContext:
        contexte = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        contexte.load_cert_chain(self.certificat, self.cle)
        return contexte


def generer_certificat(dossier: Path) -> Certificat:
    """Certificat auto-signé pour localhost et 127.0.0.1 (clé EC, valable un jour)."""
    cle = ec.generate_private_key(ec.SECP256R1())
    nom = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    maintenant = dt.datetime.now(dt.UTC)
    certificat = (
        x509.CertificateBuilder()
        .subject_name(nom)
        .issuer_name(nom)
        .public_key(cle.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(maintenant - dt.timedelta(minutes=5))
        .not_valid_after(maintenant + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOTE))]
            ),
            critical=False,
        )
        .sign(cle, hashes.SHA256())
    )
    chemin_certificat = dossier / "smtp-test.pem"
    chemin_cle = dossier / "smtp-test.key"
    chemin_certificat.write_bytes(certificat.public_bytes(serialization.Encoding.PEM))
    chemin_cle.write_bytes(
        cle.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificat(certificat=chemin_certificat, cle=chemin_cle)


def demarrer_serveur(
    *,
    certificat: Certificat | None = None,
    securite: str = "aucune",
    auth: bool = False,
    mecanismes_exclus: tuple[str, ...] = (),
    reponses: dict[str, str | list[str]] | None = None,
    reponse_data: str = REPONSE_DATA,
    delai_data: float = 0,
    inactivite: float | None = None,
) -> ServeurSMTP:
    """Démarre un serveur aiosmtpd sur 127.0.0.1 ; à arrêter avec `arreter()`."""
    scriptees = {
        adresse: list(reponse) if isinstance(reponse, list) else reponse
        for adresse, reponse in (reponses or {}).items()
    }
    boite = Boite(reponses=scriptees, reponse_data=reponse_data, delai_data=delai_data)
    options: dict[str, Any] = {
        "server_hostname": NOM_SERVEUR,
        "ready_timeout": 10.0,
        "auth_require_tls": False,
    }
    if inactivite is not None:
        # Le serveur ferme sans rien dire une connexion inactive depuis `inactivite` s.
        options["timeout"] = inactivite
    if securite in ("starttls", "ssl"):
        assert certificat is not None, "STARTTLS et SSL demandent un certificat"
    if securite == "starttls":
        options.update(
            tls_context=certificat.contexte_serveur(),  # type: ignore[union-attr]
            require_starttls=True,
            auth_require_tls=True,
        )
    elif securite == "ssl":
        options.update(
            ssl_context=certificat.contexte_serveur(),  # type: ignore[union-attr]
            auth_require_tls=True,
        )
    elif securite != "aucune":
        raise ValueError(f"sécurité inconnue : {securite}")
    if auth:
        options.update(
            authenticator=_authentificateur,
            auth_required=True,
            auth_exclude_mechanism=list(mecanismes_exclus),
        )
    controleur = _Controleur(boite, hostname=HOTE, port=0, **options)
    controleur.tls_implicite = securite == "ssl"
    controleur.start()
    return ServeurSMTP(controleur=controleur, boite=boite, securite=securite, auth=auth)


class ServeurMuet:
    """Accepte les connexions TCP et n'envoie jamais rien : le client attend sa bannière."""

    def __init__(self) -> None:
        self._ecoute = socket.create_server((HOTE, 0))
        self._ecoute.settimeout(0.1)
        self.port: int = self._ecoute.getsockname()[1]
        self._clients: list[socket.socket] = []
        self._arret = threading.Event()
        self._fil = threading.Thread(target=self._accepter, daemon=True)
        self._fil.start()

    @property
    def hote(self) -> str:
        return HOTE

    def _accepter(self) -> None:
        while not self._arret.is_set():
            try:
                client, _ = self._ecoute.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._clients.append(client)

    def arreter(self) -> None:
        self._arret.set()
        self._fil.join(timeout=2)
        self._ecoute.close()
        for client in self._clients:
            client.close()


class ServeurGoutte:
    """Serveur « goutte à goutte » : une bannière SMTP multiligne (« 220-… ») envoyée octet
    par octet, sans fin ; chaque lecture du client reçoit un octet avant son délai."""

    LIGNE = b"220-smtp.echarpe.test patientez\r\n"

    def __init__(self, *, intervalle: float = 0.2, duree_max: float = 8.0) -> None:
        self.intervalle = intervalle
        self.duree_max = duree_max
        self._ecoute = socket.create_server((HOTE, 0))
        self._ecoute.settimeout(0.1)
        self.port: int = self._ecoute.getsockname()[1]
        self._arret = threading.Event()
        self._fils: list[threading.Thread] = []
        self._fil = threading.Thread(target=self._accepter, daemon=True)
        self._fil.start()

    @property
    def hote(self) -> str:
        return HOTE

    def _accepter(self) -> None:
        while not self._arret.is_set():
            try:
                client, _ = self._ecoute.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            fil = threading.Thread(target=self._egoutter, args=(client,), daemon=True)
            self._fils.append(fil)
            fil.start()

    def _egoutter(self, client: socket.socket) -> None:
        fin = time.monotonic() + self.duree_max
        with client:
            position = 0
            while not self._arret.is_set() and time.monotonic() < fin:
                octet = self.LIGNE[position % len(self.LIGNE) : position % len(self.LIGNE) + 1]
                try:
                    client.sendall(octet)
                except OSError:
                    return  # le client a raccroché
                position += 1
                self._arret.wait(self.intervalle)

    def arreter(self) -> None:
        self._arret.set()
        self._fil.join(timeout=2)
        for fil in self._fils:
            fil.join(timeout=2)
        self._ecoute.close()


class PortFerme:
    """Un port de 127.0.0.1 où rien n'écoute : s'y connecter est refusé (ECONNREFUSED).

    La socket reste liée au port, sans `listen()`, jusqu'à `fermer()` : le port ne peut pas
    être attribué à un autre processus pendant le test (ce qui arriverait avec un port lié puis
    libéré aussitôt), et Linux refuse toute connexion vers une socket qui n'écoute pas.
    """

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind((HOTE, 0))
        self.port: int = int(self._socket.getsockname()[1])

    def fermer(self) -> None:
        self._socket.close()


def creer_compte(
    serveur: ServeurSMTP | ServeurMuet | ServeurGoutte | None = None,
    *,
    collectivite: Any,
    utilisateur: Any = None,
    port: int | None = None,
    securite: str | None = None,
    identifiant: str | None = None,
    mot_de_passe: str | None = None,
    adresse_expediteur: str = "mairie@saint-test.test",
    nom_affiche: str = "Mairie de Saint-Test",
) -> Any:
    """Un `CompteSMTP` (mot de passe chiffré) vers le serveur local, ou vers `port`."""
    from core.mail.comptes import chiffrer
    from core.models import CompteSMTP

    avec_auth = isinstance(serveur, ServeurSMTP) and serveur.auth
    if securite is None:
        securite = serveur.securite if isinstance(serveur, ServeurSMTP) else "aucune"
    if identifiant is None:
        identifiant = IDENTIFIANT if avec_auth else ""
    if mot_de_passe is None:
        mot_de_passe = MOT_DE_PASSE if avec_auth else ""
    if port is None:
        assert serveur is not None
        port = serveur.port
    return CompteSMTP.objects.create(
        collectivite=collectivite,
        utilisateur=utilisateur,
        adresse_expediteur=adresse_expediteur,
        nom_affiche=nom_affiche,
        identifiant=identifiant,
        mot_de_passe_chiffre=chiffrer(mot_de_passe) if mot_de_passe else "",
        hote=HOTE,
        port=port,
        securite=securite,
    )


# --- Fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def certificat_smtp(tmp_path_factory: pytest.TempPathFactory) -> Certificat:
    return generer_certificat(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def serveur_smtp(certificat_smtp: Certificat) -> Iterator[Callable[..., ServeurSMTP]]:
    """Fabrique : `serveur_smtp(securite="starttls", auth=True, reponses={...})`."""
    serveurs: list[ServeurSMTP] = []

    def demarrer(**options: Any) -> ServeurSMTP:
        serveur = demarrer_serveur(certificat=certificat_smtp, **options)
        serveurs.append(serveur)
        return serveur

    yield demarrer
    for serveur in serveurs:
        serveur.arreter()


@pytest.fixture
def serveur_muet() -> Iterator[ServeurMuet]:
    serveur = ServeurMuet()
    yield serveur
    serveur.arreter()


@pytest.fixture
def serveur_goutte() -> Iterator[ServeurGoutte]:
    serveur = ServeurGoutte()
    yield serveur
    serveur.arreter()


@pytest.fixture
def port_ferme() -> Iterator[int]:
    reserve = PortFerme()
    yield reserve.port
    reserve.fermer()


@pytest.fixture
def smtp_sans_verification(settings: Any) -> Any:
    """Accepte le certificat auto-signé du serveur local et limite l'attente à 2 s."""
    settings.ECHARPE_SMTP_VERIFIER_CERTIFICAT = False
    settings.ECHARPE_SMTP_TIMEOUT = 2
    settings.ECHARPE_BOITE_DEMO = None
    return settings


__all__ = [
    "textes_de_log",
    "certificat_smtp",
    "port_ferme",
    "serveur_goutte",
    "serveur_muet",
    "serveur_smtp",
    "smtp_sans_verification",
]


def textes_de_log(records: list[logging.LogRecord]) -> list[str]:
    """Tout ce qu'un handler pourrait écrire : message, arguments, trace d'exception.

    Sauf les lignes du serveur SMTP de test (aiosmtpd, logger `mail.log`) : il joue le
    serveur distant, qui voit l'adresse par nature."""
    formateur = logging.Formatter()
    textes = []
    for record in records:
        if record.name.startswith("mail.log"):
            continue
        textes += [record.getMessage(), repr(record.args), repr(record.msg)]
        if record.exc_info:
            textes.append(formateur.formatException(record.exc_info))
        if record.exc_text:
            textes.append(record.exc_text)
    return textes
