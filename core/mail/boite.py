"""Relevé de la boîte de réception d'un compte SMTP (POP3 ou IMAP) : rebonds et courrier.

`boite_relever(compte_id=…)` ouvre la boîte (`boite_*` du `CompteSMTP`, même identifiant et
même mot de passe que l'envoi), et pour chaque message :

1. le **prend** en base : une ligne `CourrierRecu` unique par (compte, uid). Le relevé qui
   l'insère traite le message ; un autre relevé simultané perd l'insertion et passe ;
2. le **traite** : un avis de non-remise (`core.mail.dsn`) d'un message que nous avons
   envoyé marque le `MessageEnvoye` « rebondi » et le journalise (un retard ne le marque
   pas) ; tout autre message va aux lecteurs inscrits au registre
   (`registre.ajouter_reception_courrier`) ;
3. le **retire** du serveur seulement une fois traité. Un message que personne ne prend
   (courrier de l'agent, rebond d'un message qui n'est pas le nôtre) reste sur le serveur,
   marqué « ignoré » pour n'être plus relu ; un traitement qui lève laisse le message sur le
   serveur, repris au relevé suivant (au plus `TENTATIVES_MAX` fois).

Le relevé entier a une échéance (`ECHARPE_BOITE_DELAI`, 120 s par défaut) : à l'échéance,
la socket est coupée, même si le serveur distille ses réponses octet par octet.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import poplib
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.journal.services import ActionCore, journaliser
from core.mail.comptes import MotDePasseIndechiffrable, dechiffrer
from core.mail.connexion import _contexte_tls
from core.mail.dsn import Rebond, analyser_rebond
from core.mail.models import (
    CompteSMTP,
    CourrierRecu,
    MessageEnvoye,
    ProtocoleBoite,
    Securite,
    StatutCourrier,
    StatutMessage,
)
from core.mail.reseau import AdresseInterdite, connexion_autorisee
from core.registry import registre

logger = logging.getLogger(__name__)

DELAI_RELEVE = 120
TAILLE_MAX = 10 * 1024 * 1024
TENTATIVES_MAX = 5
# Une ligne « en cours » plus vieille que ceci vient d'un relevé interrompu (worker tué) :
# un relevé suivant peut la reprendre.
REPRISE_APRES = timedelta(minutes=15)
# Un rebond ne concerne qu'un message récent quand on ne le retrouve que par son destinataire.
FENETRE_DESTINATAIRE = timedelta(days=30)

MESSAGE_AUTHENTIFICATION = (
    "Le serveur de la boîte de réception a refusé l'identifiant ou le mot de passe du compte. "
    "Vérifiez-les dans les paramètres du compte."
)
MESSAGE_SANS_BOITE = "Ce compte n'a pas de boîte de réception configurée."
MESSAGE_TLS = (
    "La connexion chiffrée au serveur de la boîte de réception a échoué. Vérifiez le port et la "
    "sécurité choisis (SSL/TLS sur les ports 993 et 995)."
)
MESSAGE_PROTOCOLE = "Le serveur de la boîte de réception a répondu de façon inattendue."


class ErreurBoite(Exception):
    """Relevé impossible ou interrompu ; le texte, en français, ne cite aucun secret."""


@dataclass
class RapportReleve:
    vus: int = 0
    rebonds: int = 0
    retards: int = 0
    transmis: int = 0
    ignores: int = 0
    echecs: int = 0
    deja_pris: int = 0
    supprimes: int = 0
    interrompu: bool = False
    erreur: str = ""


@dataclass(frozen=True)
class _Element:
    uid: str
    cle: str
    taille: int


class _Boite(Protocol):
    def lister(self) -> list[_Element]: ...
    def lire(self, cle: str) -> bytes: ...
    def supprimer(self, cle: str) -> None: ...
    def fermer(self) -> None: ...


# --- Échéance -------------------------------------------------------------------------------


class _Echeance:
    """Échéance du relevé : la socket est coupée quand elle passe, quoi qu'elle attende."""

    def __init__(self, secondes: float) -> None:
        self.secondes = secondes
        self.fin = time.monotonic() + secondes
        self._minuteur: threading.Timer | None = None
        self._double: socket.socket | None = None
        self.depassee = False

    def restant(self) -> float:
        return max(0.0, self.fin - time.monotonic())

    def surveiller(self, sock: socket.socket) -> None:
        """À appeler sur la socket brute, dès la connexion (avant l'accueil du serveur)."""
        # Un double du descripteur désigne la même connexion : il la coupe encore après
        # l'enrobage TLS (STARTTLS, SSL/TLS), qui détache l'objet socket d'origine.
        double = self._double = sock.dup()

        def couper() -> None:
            self.depassee = True
            with contextlib.suppress(OSError):
                double.shutdown(socket.SHUT_RDWR)

        self._minuteur = threading.Timer(self.restant(), couper)
        self._minuteur.daemon = True
        self._minuteur.start()

    def arreter(self) -> None:
        if self._minuteur is not None:
            self._minuteur.cancel()
        if self._double is not None:
            self._double.close()

    def message(self) -> str:
        return (
            f"Le relevé de la boîte de réception a dépassé le délai de {int(self.secondes)} "
            "secondes ; il reprendra au prochain passage."
        )


def _delai_lecture(echeance: _Echeance) -> float:
    return max(0.5, min(float(settings.ECHARPE_SMTP_TIMEOUT), echeance.restant()))


# --- IMAP et POP3 ---------------------------------------------------------------------------


def _connecter(hote: str, port: int, delai: float | None, echeance: _Echeance) -> socket.socket:
    """Socket vers une adresse autorisée, coupée par l'échéance du relevé."""
    sock = connexion_autorisee(hote, port, delai)
    echeance.surveiller(sock)
    return sock


class _IMAP(imaplib.IMAP4):
    def __init__(self, hote: str, port: int, *, echeance: _Echeance, delai: float) -> None:
        self._echeance = echeance
        super().__init__(hote, port, timeout=delai)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = _connecter(self.host, self.port, timeout, self._echeance)
        return sock


class _IMAPSSL(imaplib.IMAP4_SSL):
    def __init__(self, hote: str, port: int, *, echeance: _Echeance, delai: float) -> None:
        self._echeance = echeance
        super().__init__(hote, port, ssl_context=_contexte_tls(), timeout=delai)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = _connecter(self.host, self.port, timeout, self._echeance)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


class _POP3(poplib.POP3):
    def __init__(self, hote: str, port: int, *, echeance: _Echeance, delai: float) -> None:
        self._echeance = echeance
        super().__init__(hote, port, timeout=delai)

    def _create_socket(self, timeout: float) -> socket.socket:
        sock = _connecter(self.host, self.port, timeout, self._echeance)
        return sock


class _POP3SSL(poplib.POP3_SSL):
    def __init__(self, hote: str, port: int, *, echeance: _Echeance, delai: float) -> None:
        self._echeance = echeance
        super().__init__(hote, port, context=_contexte_tls(), timeout=delai)

    def _create_socket(self, timeout: float) -> socket.socket:
        sock = _connecter(self.host, self.port, timeout, self._echeance)
        contexte: ssl.SSLContext = self.context  # type: ignore[attr-defined]
        return contexte.wrap_socket(sock, server_hostname=self.host)


class _BoiteIMAP:
    def __init__(self, compte: CompteSMTP, mot_de_passe: str, echeance: _Echeance) -> None:
        hote, port = compte.boite_hote, int(compte.boite_port or 0)
        delai = _delai_lecture(echeance)
        self.imap: imaplib.IMAP4
        if compte.boite_securite == Securite.SSL:
            self.imap = _IMAPSSL(hote, port or 993, echeance=echeance, delai=delai)
        else:
            self.imap = _IMAP(hote, port or 143, echeance=echeance, delai=delai)
        if compte.boite_securite == Securite.STARTTLS:
            self.imap.starttls(ssl_context=_contexte_tls())
        try:
            self.imap.login(compte.identifiant or compte.adresse_expediteur, mot_de_passe)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error:
            raise ErreurBoite(MESSAGE_AUTHENTIFICATION) from None
        statut, _donnees = self.imap.select("INBOX")
        if statut != "OK":
            raise ErreurBoite(MESSAGE_PROTOCOLE)
        # Les UID ne valent que sous un même UIDVALIDITY : il fait partie de l'identifiant.
        valeurs = self.imap.untagged_responses.get("UIDVALIDITY") or []
        premier = valeurs[0] if valeurs else None
        self.uidvalidity = premier.decode("ascii", "replace") if isinstance(premier, bytes) else "0"
        self.uidplus = "UIDPLUS" in self.imap.capabilities

    def lister(self) -> list[_Element]:
        statut, donnees = self.imap.uid("FETCH", "1:*", "(UID RFC822.SIZE)")
        if statut != "OK":
            raise ErreurBoite(MESSAGE_PROTOCOLE)
        elements = []
        for ligne in donnees:
            if not isinstance(ligne, bytes):
                continue
            uid = re.search(rb"UID (\d+)", ligne)
            taille = re.search(rb"RFC822\.SIZE (\d+)", ligne)
            if uid and taille:
                cle = uid.group(1).decode("ascii")
                elements.append(
                    _Element(uid=f"{self.uidvalidity}:{cle}", cle=cle, taille=int(taille.group(1)))
                )
        return elements

    def lire(self, cle: str) -> bytes:
        # BODY.PEEK : un message laissé sur le serveur ne passe pas pour lu chez l'agent.
        statut, donnees = self.imap.uid("FETCH", cle, "(BODY.PEEK[])")
        if statut != "OK":
            raise ErreurBoite(MESSAGE_PROTOCOLE)
        for partie in donnees:
            if isinstance(partie, tuple) and len(partie) == 2:
                return bytes(partie[1])
        raise ErreurBoite(MESSAGE_PROTOCOLE)

    def supprimer(self, cle: str) -> None:
        self.imap.uid("STORE", cle, "+FLAGS.SILENT", r"(\Deleted)")
        if self.uidplus:
            self.imap.uid("EXPUNGE", cle)
        else:
            # Sans UIDPLUS, EXPUNGE efface aussi ce que l'agent a marqué supprimé : c'était
            # déjà son intention.
            self.imap.expunge()

    def fermer(self) -> None:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            self.imap.logout()


class _BoitePOP3:
    def __init__(self, compte: CompteSMTP, mot_de_passe: str, echeance: _Echeance) -> None:
        hote, port = compte.boite_hote, int(compte.boite_port or 0)
        delai = _delai_lecture(echeance)
        self.pop: poplib.POP3
        if compte.boite_securite == Securite.SSL:
            self.pop = _POP3SSL(hote, port or 995, echeance=echeance, delai=delai)
        else:
            self.pop = _POP3(hote, port or 110, echeance=echeance, delai=delai)
        if compte.boite_securite == Securite.STARTTLS:
            self.pop.stls(context=_contexte_tls())
        try:
            self.pop.user(compte.identifiant or compte.adresse_expediteur)
            self.pop.pass_(mot_de_passe)
        except poplib.error_proto:
            raise ErreurBoite(MESSAGE_AUTHENTIFICATION) from None

    def lister(self) -> list[_Element]:
        _reponse, lignes_uidl, _octets = self.pop.uidl()
        _reponse, lignes_list, _octets = self.pop.list()
        tailles = {}
        for ligne in lignes_list:
            numero, _sep, taille = ligne.decode("ascii", "replace").partition(" ")
            tailles[numero] = int(taille) if taille.strip().isdigit() else 0
        elements = []
        for ligne in lignes_uidl:
            numero, _sep, uid = ligne.decode("ascii", "replace").partition(" ")
            if numero and uid:
                elements.append(
                    _Element(uid=uid.strip(), cle=numero, taille=tailles.get(numero, 0))
                )
        return elements

    def lire(self, cle: str) -> bytes:
        _reponse, lignes, _octets = self.pop.retr(int(cle))
        return b"\r\n".join(lignes) + b"\r\n"

    def supprimer(self, cle: str) -> None:
        # Effectif au QUIT : si la session tombe avant, le message revient au relevé suivant,
        # déjà « traité », et n'est que retiré.
        self.pop.dele(int(cle))

    def fermer(self) -> None:
        with contextlib.suppress(OSError, poplib.error_proto):
            self.pop.quit()


def _ouvrir(compte: CompteSMTP, echeance: _Echeance) -> _Boite:
    try:
        mot_de_passe = dechiffrer(compte.mot_de_passe_chiffre)
    except MotDePasseIndechiffrable as erreur:
        raise ErreurBoite(str(erreur)) from None
    if compte.boite_protocole == ProtocoleBoite.IMAP:
        return _BoiteIMAP(compte, mot_de_passe, echeance)
    return _BoitePOP3(compte, mot_de_passe, echeance)


def _traduire(erreur: BaseException, compte: CompteSMTP, echeance: _Echeance) -> str:
    adresse = f"{compte.boite_hote}:{compte.boite_port}"
    if isinstance(erreur, ErreurBoite):
        return str(erreur)
    if isinstance(erreur, AdresseInterdite):
        return erreur.texte
    if echeance.depassee or isinstance(erreur, TimeoutError):
        return echeance.message()
    if isinstance(erreur, ssl.SSLError):
        return MESSAGE_TLS
    if isinstance(erreur, socket.gaierror):
        return f"Impossible de joindre le serveur {adresse} : nom de serveur introuvable."
    if isinstance(erreur, ConnectionRefusedError):
        return f"Impossible de joindre le serveur {adresse} : connexion refusée."
    if isinstance(erreur, OSError):
        return f"Impossible de joindre le serveur {adresse} : erreur réseau."
    return MESSAGE_PROTOCOLE


# --- Relevé ---------------------------------------------------------------------------------


def boite_relever(*, compte_id: int) -> RapportReleve:
    """Relève la boîte du compte ; ne lève pas : l'erreur éventuelle est dans le rapport."""
    rapport = RapportReleve()
    compte = CompteSMTP.objects.select_related("collectivite").filter(pk=compte_id).first()
    if compte is None or not compte.boite_protocole or not compte.boite_hote:
        rapport.erreur = MESSAGE_SANS_BOITE
        return rapport
    echeance = _Echeance(float(getattr(settings, "ECHARPE_BOITE_DELAI", DELAI_RELEVE)))
    boite: _Boite | None = None
    try:
        boite = _ouvrir(compte, echeance)
        _relever(compte=compte, boite=boite, rapport=rapport, echeance=echeance)
    except (ErreurBoite, OSError, EOFError, imaplib.IMAP4.error, poplib.error_proto) as erreur:
        rapport.erreur = _traduire(erreur, compte, echeance)
        rapport.interrompu = True
        # Le texte traduit seulement : celui du serveur pourrait reprendre ce qu'on lui a dit.
        logger.warning("Relevé de la boîte du compte %s : %s", compte.pk, rapport.erreur)
    finally:
        if boite is not None:
            boite.fermer()
        echeance.arreter()
    if not rapport.erreur:
        logger.info(
            "Relevé de la boîte du compte %s : %s vus, %s rebonds, %s retards, %s transmis, "
            "%s ignorés, %s en échec, %s déjà pris.",
            compte.pk,
            rapport.vus,
            rapport.rebonds,
            rapport.retards,
            rapport.transmis,
            rapport.ignores,
            rapport.echecs,
            rapport.deja_pris,
        )
    return rapport


def _relever(
    *, compte: CompteSMTP, boite: _Boite, rapport: RapportReleve, echeance: _Echeance
) -> None:
    elements = boite.lister()
    connus: dict[str, str] = {}
    uids = [e.uid for e in elements]
    for debut in range(0, len(uids), 500):
        connus.update(
            CourrierRecu.objects.filter(
                compte=compte, uid__in=uids[debut : debut + 500]
            ).values_list("uid", "statut")
        )
    for element in elements:
        if echeance.restant() <= 0:
            raise ErreurBoite(echeance.message())
        rapport.vus += 1
        statut = connus.get(element.uid)
        if statut == StatutCourrier.TRAITE:
            # Traité, mais le retrait n'avait pas abouti (session coupée avant le QUIT).
            boite.supprimer(element.cle)
            rapport.supprimes += 1
            continue
        if statut == StatutCourrier.IGNORE:
            continue
        courrier = _prendre(compte=compte, uid=element.uid, statut=statut)
        if courrier is None:
            rapport.deja_pris += 1
            continue
        if element.taille > TAILLE_MAX:
            _terminer(courrier, StatutCourrier.IGNORE, nature="trop_volumineux")
            rapport.ignores += 1
            continue
        try:
            brut = boite.lire(element.cle)
        except BaseException:
            _terminer(courrier, StatutCourrier.ECHEC, erreur="lecture interrompue")
            raise
        resultat = _traiter(compte=compte, courrier=courrier, brut=brut)
        if resultat == "rebond":
            rapport.rebonds += 1
        elif resultat == "retard":
            rapport.retards += 1
        elif resultat == "transmis":
            rapport.transmis += 1
        elif resultat == "echec":
            rapport.echecs += 1
        else:
            rapport.ignores += 1
        if courrier.statut == StatutCourrier.TRAITE:
            boite.supprimer(element.cle)
            rapport.supprimes += 1


def _prendre(*, compte: CompteSMTP, uid: str, statut: str | None) -> CourrierRecu | None:
    """La ligne du message si ce relevé le prend, None si un autre l'a pris."""
    if statut is None:
        try:
            # Le point de sauvegarde rend la perte propre : l'insertion concurrente attend la
            # validation de la première, puis échoue sur la contrainte unique.
            with transaction.atomic():
                return CourrierRecu.objects.create(
                    collectivite=compte.collectivite,
                    compte=compte,
                    uid=uid,
                    statut=StatutCourrier.EN_COURS,
                    tentatives=1,
                )
        except IntegrityError:
            return None
    maintenant = timezone.now()
    repris = (
        CourrierRecu.objects.filter(compte=compte, uid=uid)
        .filter(
            Q(statut=StatutCourrier.ECHEC, tentatives__lt=TENTATIVES_MAX)
            | Q(statut=StatutCourrier.EN_COURS, modifie_le__lt=maintenant - REPRISE_APRES)
        )
        .update(
            statut=StatutCourrier.EN_COURS, tentatives=F("tentatives") + 1, modifie_le=maintenant
        )
    )
    if not repris:
        return None
    return CourrierRecu.objects.get(compte=compte, uid=uid)


def _terminer(
    courrier: CourrierRecu,
    statut: str,
    *,
    nature: str = "",
    erreur: str = "",
    message_envoye: MessageEnvoye | None = None,
) -> None:
    courrier.statut = statut
    courrier.nature = nature or courrier.nature
    courrier.erreur = erreur[:300]
    courrier.message_envoye = message_envoye
    courrier.traite_le = timezone.now()
    courrier.save(
        update_fields=[
            "statut",
            "nature",
            "erreur",
            "message_envoye",
            "message_id",
            "traite_le",
            "modifie_le",
        ]
    )


def _traiter(*, compte: CompteSMTP, courrier: CourrierRecu, brut: bytes) -> str:
    """Traite un message pris ; rend « rebond », « retard », « transmis », « ignore » ou
    « echec »."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(brut)
        assert isinstance(message, EmailMessage)
        courrier.message_id = " ".join(str(message.get("Message-ID", "")).split())[:300]
        rebond = analyser_rebond(brut)
        with transaction.atomic():
            if rebond is not None:
                resultat, envoye = _traiter_rebond(compte=compte, courrier=courrier, rebond=rebond)
                statut = StatutCourrier.IGNORE if resultat == "ignore" else StatutCourrier.TRAITE
                nature = "rebond_inconnu" if resultat == "ignore" else resultat
                _terminer(courrier, statut, nature=nature, message_envoye=envoye)
                return resultat
            code = _transmettre(compte=compte, message=message)
            if code:
                _terminer(courrier, StatutCourrier.TRAITE, nature=f"courrier:{code}"[:40])
                return "transmis"
            _terminer(courrier, StatutCourrier.IGNORE, nature="courrier")
            return "ignore"
    except Exception as erreur:  # noqa: BLE001 — le message reste sur le serveur, repris
        _terminer(courrier, StatutCourrier.ECHEC, erreur=type(erreur).__name__)
        # Le type seulement : le texte d'une exception pourrait citer une adresse.
        logger.warning(
            "Courrier %s du compte %s : traitement en échec (%s) ; il reste sur le serveur.",
            courrier.pk,
            compte.pk,
            type(erreur).__name__,
        )
        return "echec"


def _transmettre(*, compte: CompteSMTP, message: EmailMessage) -> str:
    for reception in registre.receptions_ordonnees():
        if reception.gestionnaire(compte, message):
            return reception.code
    return ""


def _traiter_rebond(
    *, compte: CompteSMTP, courrier: CourrierRecu, rebond: Rebond
) -> tuple[str, MessageEnvoye | None]:
    envoye = message_rebondi(compte=compte, rebond=rebond)
    if envoye is None:
        # Rebond d'un message qui n'est pas passé par Écharpe : celui de l'agent.
        return "ignore", None
    if not rebond.permanent:
        logger.info(
            "Message %s : remise retardée (%s), nouvel essai par le serveur.",
            envoye.pk,
            rebond.code_etat,
        )
        return "retard", envoye
    if envoye.statut != StatutMessage.REBONDI:
        envoye.statut = StatutMessage.REBONDI
        envoye.rebond_code = rebond.code_etat[:20]
        envoye.rebond_diagnostic = rebond.diagnostic
        envoye.rebond_le = timezone.now()
        envoye.save(
            update_fields=["statut", "rebond_code", "rebond_diagnostic", "rebond_le", "modifie_le"]
        )
        # Objet : le courrier reçu (son libellé ne cite aucune adresse, contrairement à
        # celui du message envoyé) ; le message envoyé est désigné par son identifiant.
        journaliser(
            action=ActionCore.MESSAGE_REBONDI,
            collectivite=envoye.collectivite,
            objet=courrier,
            details={
                "message_envoye": envoye.pk,
                "code_etat": rebond.code_etat,
                "permanent": rebond.permanent,
                "forme": rebond.forme,
            },
        )
    logger.info("Message %s : non remis (%s).", envoye.pk, rebond.code_etat)
    return "rebond", envoye


def message_rebondi(*, compte: CompteSMTP, rebond: Rebond) -> MessageEnvoye | None:
    """Le message envoyé par ce compte dont `rebond` signale la non-remise.

    Par jeton VERP (`m<identifiant>` après le « + » de l'expéditeur d'enveloppe), sinon par
    Message-ID d'origine (ou identifiant d'enveloppe), sinon par destinataire parmi les
    messages récents du compte.
    """
    messages = MessageEnvoye.objects.filter(compte=compte)
    jeton = re.fullmatch(r"m(\d{1,18})", rebond.jeton_verp)
    if jeton:
        trouve = messages.filter(pk=int(jeton.group(1))).first()
        if trouve is not None:
            return trouve
    identifiants = [i for i in (rebond.message_id_origine,) if i]
    if rebond.envelope_id:
        identifiants.append(f"<{rebond.envelope_id.strip('<>')}>")
    for identifiant in identifiants:
        trouve = messages.filter(message_id=identifiant).order_by("-cree_le").first()
        if trouve is not None:
            return trouve
    adresse = rebond.destinataire.strip().lower()
    if not adresse or "@" not in adresse:
        return None
    recents = messages.filter(
        destinataires__icontains=adresse,
        cree_le__gte=timezone.now() - FENETRE_DESTINATAIRE,
        statut__in=[StatutMessage.ENVOYE, StatutMessage.REBONDI],
    ).order_by("-cree_le")[:50]
    for candidat in recents:
        if adresse in {a.strip().lower() for a in candidat.destinataires.split(",")}:
            return candidat
    return None


def comptes_avec_boite() -> list[int]:
    """Identifiants des comptes dont la boîte de réception est configurée."""
    return list(
        CompteSMTP.objects.exclude(boite_protocole="")
        .exclude(boite_hote="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


__all__ = ["ErreurBoite", "RapportReleve", "boite_relever", "comptes_avec_boite"]
