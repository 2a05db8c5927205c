"""Relevé des boîtes de réception (`core.mail.boite`) contre un vrai Dovecot.

`scripts/services.sh` démarre un Dovecot jetable (IMAP et POP3 sur 127.0.0.1) et donne ses
ports, son utilisateur, son mot de passe et sa maildir dans l'environnement. Sans lui, ces
tests échouent (ils ne sont pas ignorés) : la CI installe Dovecot.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from core.mail.boite import MESSAGE_AUTHENTIFICATION, boite_relever
from core.mail.comptes import chiffrer
from core.models import (
    CompteSMTP,
    CourrierRecu,
    EntreeJournal,
    MessageEnvoye,
    StatutCourrier,
    StatutMessage,
)
from core.registry import ReceptionCourrier, registre

DSN = Path(__file__).resolve().parents[2] / "fixtures" / "dsn"
_numeros = itertools.count()


class Dovecot:
    def __init__(self) -> None:
        manquantes = [
            nom
            for nom in (
                "ECHARPE_TEST_IMAP_PORT",
                "ECHARPE_TEST_POP3_PORT",
                "ECHARPE_TEST_BOITE_UTILISATEUR",
                "ECHARPE_TEST_BOITE_MOT_DE_PASSE",
                "ECHARPE_TEST_BOITE_MAILDIR",
            )
            if not os.environ.get(nom)
        ]
        if manquantes:
            pytest.fail(
                "Dovecot de test absent (lancez les tests par scripts/services.sh run) : "
                + ", ".join(manquantes)
            )
        self.ports = {
            "imap": int(os.environ["ECHARPE_TEST_IMAP_PORT"]),
            "pop3": int(os.environ["ECHARPE_TEST_POP3_PORT"]),
        }
        self.utilisateur = os.environ["ECHARPE_TEST_BOITE_UTILISATEUR"]
        self.mot_de_passe = os.environ["ECHARPE_TEST_BOITE_MOT_DE_PASSE"]
        self.maildir = Path(os.environ["ECHARPE_TEST_BOITE_MAILDIR"])

    def vider(self) -> None:
        for dossier in ("new", "cur", "tmp"):
            for fichier in (self.maildir / dossier).glob("*"):
                fichier.unlink()

    def deposer(self, contenu: bytes | str) -> None:
        """Dépose un message comme le ferait l'agent de livraison (tmp/ puis new/)."""
        if isinstance(contenu, str):
            contenu = (DSN / contenu).read_bytes()
        nom = f"{time.time_ns()}.{next(_numeros)}.echarpe-test"
        temporaire = self.maildir / "tmp" / nom
        temporaire.write_bytes(contenu)
        proprietaire = self.maildir.stat()
        os.chown(temporaire, proprietaire.st_uid, proprietaire.st_gid)
        temporaire.rename(self.maildir / "new" / nom)

    def restants(self) -> int:
        return sum(len(list((self.maildir / d).glob("*"))) for d in ("new", "cur"))


@pytest.fixture(autouse=True)
def _sans_lecteurs_des_applications(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chaque test choisit ses lecteurs : ceux qu'inscrivent les applications (les avis du REU
    des électeurs…) sont retirés le temps du test."""
    monkeypatch.setattr(registre, "receptions_courrier", {})


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    serveur = Dovecot()
    serveur.vider()
    yield serveur
    serveur.vider()


@pytest.fixture
def recus() -> Iterator[list[tuple[int, EmailMessage]]]:
    """Un lecteur « électeurs » inscrit au registre, qui prend les messages de l'INSEE."""
    pris: list[tuple[int, EmailMessage]] = []
    verrou = threading.Lock()

    def gestionnaire(compte: Any, message: EmailMessage) -> bool:
        if "insee.fr" not in str(message["From"]):
            return False
        with verrou:
            pris.append((compte.pk, message))
        return True

    registre.ajouter_reception_courrier(
        ReceptionCourrier(code="electeurs", gestionnaire=gestionnaire)
    )
    yield pris
    registre.retirer_reception_courrier("electeurs")


def _compte(monde: Any, dovecot: Dovecot, protocole: str, mot_de_passe: str | None = None):
    return CompteSMTP.objects.create(
        collectivite=monde.collectivite,
        adresse_expediteur="mairie@saint-test.example",
        identifiant=dovecot.utilisateur,
        mot_de_passe_chiffre=chiffrer(mot_de_passe or dovecot.mot_de_passe),
        hote="127.0.0.1",
        port=25,
        securite="aucune",
        boite_protocole=protocole,
        boite_hote="127.0.0.1",
        boite_port=dovecot.ports[protocole],
        boite_securite="aucune",
    )


def _envoye(compte: CompteSMTP, *, message_id: str, destinataire: str) -> MessageEnvoye:
    return MessageEnvoye.objects.create(
        collectivite=compte.collectivite,
        compte=compte,
        compte_libelle="Compte de Saint-Test",
        expediteur="mairie@saint-test.example",
        destinataires=destinataire,
        sujet="Convocation au conseil municipal",
        message_id=message_id,
        statut=StatutMessage.ENVOYE,
        code_smtp=250,
        envoye_le=timezone.now(),
    )


PROTOCOLES = ["pop3", "imap"]


@pytest.mark.parametrize("protocole", PROTOCOLES)
def test_rebond_retrouve_par_message_id_marque_le_message_et_le_journalise(
    monde, dovecot, protocole
):
    compte = _compte(monde, dovecot, protocole)
    envoye = _envoye(
        compte, message_id="<envoi-1@saint-test.example>", destinataire="jean.dupont@exemple.org"
    )
    autre = _envoye(compte, message_id="<autre@saint-test.example>", destinataire="x@exemple.org")
    dovecot.deposer("postfix_permanent_5.1.1.eml")

    rapport = boite_relever(compte_id=compte.pk)

    assert rapport.erreur == ""
    assert (rapport.vus, rapport.rebonds, rapport.supprimes) == (1, 1, 1)
    envoye.refresh_from_db()
    assert envoye.statut == StatutMessage.REBONDI
    assert envoye.rebond_code == "5.1.1"
    assert "User unknown in virtual mailbox table" in envoye.rebond_diagnostic
    assert envoye.rebond_le is not None
    autre.refresh_from_db()
    assert autre.statut == StatutMessage.ENVOYE
    entree = EntreeJournal.objects.get(action="message_rebondi")
    assert entree.collectivite_id == monde.collectivite.pk
    assert entree.details["message_envoye"] == envoye.pk
    assert entree.details["code_etat"] == "5.1.1"
    # Les adresses des destinataires restent hors du journal.
    assert "jean.dupont" not in str(entree.details) + entree.objet_libelle
    courrier = CourrierRecu.objects.get()
    assert (courrier.statut, courrier.nature, courrier.message_envoye_id) == (
        StatutCourrier.TRAITE,
        "rebond",
        envoye.pk,
    )
    assert dovecot.restants() == 0


@pytest.mark.parametrize("protocole", PROTOCOLES)
def test_un_retard_ne_marque_pas_le_message_rebondi(monde, dovecot, protocole):
    compte = _compte(monde, dovecot, protocole)
    envoye = _envoye(
        compte, message_id="<envoi-2@saint-test.example>", destinataire="marie.martin@exemple.org"
    )
    dovecot.deposer("postfix_retarde_4.2.2.eml")

    rapport = boite_relever(compte_id=compte.pk)

    assert (rapport.retards, rapport.rebonds) == (1, 0)
    envoye.refresh_from_db()
    assert envoye.statut == StatutMessage.ENVOYE
    assert envoye.rebond_code == ""
    assert not EntreeJournal.objects.filter(action="message_rebondi").exists()


def test_rebonds_non_normalises_retrouves_par_message_id_ou_destinataire(monde, dovecot):
    compte = _compte(monde, dovecot, "imap")
    exim = _envoye(compte, message_id="<envoi-3@saint-test.example>", destinataire="x@y.example")
    # Message-ID réécrit en route : le destinataire d'un envoi récent suffit.
    qmail = _envoye(
        compte, message_id="<reecrit@relais.example>", destinataire="sophie.moreau@exemple.com"
    )
    exchange = _envoye(
        compte,
        message_id="<envoi-4@saint-test.example>",
        destinataire="anne.leroy@mairie-voisine.example",
    )
    for fichier in ("exim_echec.eml", "qmail_echec.eml", "exchange_ndr.eml"):
        dovecot.deposer(fichier)

    rapport = boite_relever(compte_id=compte.pk)

    assert rapport.rebonds == 3
    for envoye, code in ((exim, "5.1.1"), (qmail, "5.1.1"), (exchange, "5.1.10")):
        envoye.refresh_from_db()
        assert (envoye.statut, envoye.rebond_code) == (StatutMessage.REBONDI, code)


def test_rebond_retrouve_par_jeton_verp(monde, dovecot):
    compte = _compte(monde, dovecot, "pop3")
    envoye = _envoye(compte, message_id="<autre-id@x>", destinataire="autre@exemple.org")
    brut = (DSN / "postfix_permanent_5.1.1.eml").read_bytes()
    brut = brut.replace(
        b"Delivered-To: mairie@saint-test.example",
        f"Delivered-To: mairie+m{envoye.pk}@saint-test.example".encode(),
    )
    dovecot.deposer(brut)

    boite_relever(compte_id=compte.pk)

    envoye.refresh_from_db()
    assert envoye.statut == StatutMessage.REBONDI


def test_rebond_d_un_message_d_un_autre_compte_reste_sur_le_serveur(monde, dovecot):
    compte = _compte(monde, dovecot, "imap")
    ailleurs = CompteSMTP.objects.create(
        collectivite=monde.autre,
        adresse_expediteur="mairie@autre.example",
        hote="127.0.0.1",
    )
    envoye = _envoye(
        ailleurs, message_id="<envoi-1@saint-test.example>", destinataire="jean.dupont@exemple.org"
    )
    dovecot.deposer("postfix_permanent_5.1.1.eml")

    rapport = boite_relever(compte_id=compte.pk)

    assert rapport.ignores == 1
    envoye.refresh_from_db()
    assert envoye.statut == StatutMessage.ENVOYE
    assert CourrierRecu.objects.get().statut == StatutCourrier.IGNORE
    assert dovecot.restants() == 1


@pytest.mark.parametrize("protocole", PROTOCOLES)
def test_un_message_ordinaire_va_au_lecteur_inscrit(monde, dovecot, recus, protocole):
    compte = _compte(monde, dovecot, protocole)
    dovecot.deposer("elire_notification.eml")

    rapport = boite_relever(compte_id=compte.pk)

    assert rapport.transmis == 1
    assert len(recus) == 1
    compte_id, message = recus[0]
    assert compte_id == compte.pk
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "ELIRE - Nouvelle inscription à traiter"
    assert "SAINT-TEST" in message.get_content()
    assert CourrierRecu.objects.get().nature == "courrier:electeurs"
    assert dovecot.restants() == 0


@pytest.mark.parametrize("protocole", PROTOCOLES)
def test_un_message_que_personne_ne_prend_reste_et_n_est_plus_relu(
    monde, dovecot, recus, protocole
):
    compte = _compte(monde, dovecot, protocole)
    dovecot.deposer("reponse_absence.eml")

    premier = boite_relever(compte_id=compte.pk)
    second = boite_relever(compte_id=compte.pk)

    assert (premier.ignores, second.ignores, second.vus) == (1, 0, 1)
    assert recus == []
    assert CourrierRecu.objects.get().statut == StatutCourrier.IGNORE
    assert dovecot.restants() == 1


@pytest.mark.parametrize("protocole", PROTOCOLES)
def test_un_traitement_en_echec_laisse_le_message_puis_le_reprend(monde, dovecot, protocole):
    compte = _compte(monde, dovecot, protocole)
    appels: list[str] = []

    def fragile(compte: Any, message: EmailMessage) -> bool:
        appels.append(str(message["Message-ID"]))
        if len(appels) == 1:
            raise RuntimeError("base indisponible")
        return True

    registre.ajouter_reception_courrier(ReceptionCourrier(code="fragile", gestionnaire=fragile))
    try:
        dovecot.deposer("elire_notification.eml")

        premier = boite_relever(compte_id=compte.pk)
        courrier = CourrierRecu.objects.get()
        assert (premier.echecs, courrier.statut, courrier.erreur) == (
            1,
            StatutCourrier.ECHEC,
            "RuntimeError",
        )
        assert dovecot.restants() == 1

        second = boite_relever(compte_id=compte.pk)
    finally:
        registre.retirer_reception_courrier("fragile")

    assert second.transmis == 1
    courrier.refresh_from_db()
    assert (courrier.statut, courrier.tentatives) == (StatutCourrier.TRAITE, 2)
    assert len(appels) == 2
    assert dovecot.restants() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("protocole", PROTOCOLES)
def test_deux_releves_simultanes_traitent_chaque_message_une_fois(monde, dovecot, protocole):
    compte = _compte(monde, dovecot, protocole)
    envoye = _envoye(
        compte, message_id="<envoi-1@saint-test.example>", destinataire="jean.dupont@exemple.org"
    )
    pris: list[str] = []
    verrou = threading.Lock()

    def lent(compte: Any, message: EmailMessage) -> bool:
        time.sleep(0.05)  # laisse l'autre relevé arriver sur le même message
        with verrou:
            pris.append(str(message["Message-ID"]))
        return True

    registre.ajouter_reception_courrier(ReceptionCourrier(code="lent", gestionnaire=lent))
    nombre = 8
    for numero in range(nombre):
        contenu = (
            (DSN / "elire_notification.eml")
            .read_bytes()
            .replace(
                b"<elire.20261129080012.99812@notifications.insee.fr>",
                f"<elire.{numero}@notifications.insee.fr>".encode(),
            )
        )
        dovecot.deposer(contenu)
    dovecot.deposer("postfix_permanent_5.1.1.eml")
    depart = threading.Barrier(2)
    rapports = []
    erreurs: list[BaseException] = []

    def relever() -> None:
        try:
            depart.wait()
            rapports.append(boite_relever(compte_id=compte.pk))
        except BaseException as erreur:  # noqa: BLE001
            erreurs.append(erreur)
        finally:
            connection.close()

    fils = [threading.Thread(target=relever) for _ in range(2)]
    try:
        for fil in fils:
            fil.start()
        for fil in fils:
            fil.join(60)
    finally:
        registre.retirer_reception_courrier("lent")

    assert erreurs == []
    assert [r.erreur for r in rapports] == ["", ""]
    assert sorted(pris) == sorted(f"<elire.{n}@notifications.insee.fr>" for n in range(nombre))
    assert sum(r.transmis for r in rapports) == nombre
    assert sum(r.rebonds for r in rapports) == 1
    assert EntreeJournal.objects.filter(action="message_rebondi").count() == 1
    assert CourrierRecu.objects.filter(statut=StatutCourrier.TRAITE).count() == nombre + 1
    envoye.refresh_from_db()
    assert envoye.statut == StatutMessage.REBONDI
    assert dovecot.restants() == 0


@pytest.mark.parametrize("protocole", PROTOCOLES)
def test_mauvais_mot_de_passe_erreur_claire_sans_le_mot_de_passe(monde, dovecot, protocole, caplog):
    faux = "Faux-Secret-9zq"
    compte = _compte(monde, dovecot, protocole, mot_de_passe=faux)
    dovecot.deposer("postfix_permanent_5.1.1.eml")
    caplog.set_level("DEBUG")

    rapport = boite_relever(compte_id=compte.pk)

    assert rapport.erreur == MESSAGE_AUTHENTIFICATION
    assert "mot de passe" in rapport.erreur
    texte = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {r.exc_info or ''}" for r in caplog.records
    )
    assert str(compte.pk) in texte
    assert faux not in texte
    assert dovecot.mot_de_passe not in texte
    assert CourrierRecu.objects.count() == 0
    assert dovecot.restants() == 1


def test_la_tache_ne_leve_pas_sur_un_mauvais_mot_de_passe(monde, dovecot):
    from core.tasks import boites_relever_task

    compte = _compte(monde, dovecot, "imap", mot_de_passe="faux")

    boites_relever_task(compte.pk)

    assert CourrierRecu.objects.count() == 0


def test_compte_sans_boite(monde):
    compte = CompteSMTP.objects.create(
        collectivite=monde.collectivite, adresse_expediteur="m@x.example", hote="127.0.0.1"
    )

    rapport = boite_relever(compte_id=compte.pk)

    assert rapport.erreur == "Ce compte n'a pas de boîte de réception configurée."


# --- Échéance globale -------------------------------------------------------------------------


@pytest.fixture
def serveur_goutte_a_goutte() -> Iterator[int]:
    """Un « serveur IMAP » qui envoie un octet toutes les 0,2 s, sans jamais finir sa ligne."""
    ecoute = socket.socket()
    ecoute.bind(("127.0.0.1", 0))
    ecoute.listen(1)
    arret = threading.Event()

    def servir() -> None:
        ecoute.settimeout(5)
        try:
            client, _adresse = ecoute.accept()
        except OSError:
            return
        with client:
            while not arret.is_set():
                try:
                    client.sendall(b"*")
                except OSError:
                    return
                time.sleep(0.2)

    fil = threading.Thread(target=servir, daemon=True)
    fil.start()
    yield ecoute.getsockname()[1]
    arret.set()
    ecoute.close()
    fil.join(5)


def test_un_serveur_qui_distille_ses_reponses_est_coupe_a_l_echeance(
    monde, serveur_goutte_a_goutte, settings
):
    settings.ECHARPE_BOITE_DELAI = 1
    settings.ECHARPE_SMTP_TIMEOUT = 10
    compte = CompteSMTP.objects.create(
        collectivite=monde.collectivite,
        adresse_expediteur="m@x.example",
        hote="127.0.0.1",
        mot_de_passe_chiffre=chiffrer("x"),
        boite_protocole="imap",
        boite_hote="127.0.0.1",
        boite_port=serveur_goutte_a_goutte,
        boite_securite="aucune",
    )
    debut = time.monotonic()

    rapport = boite_relever(compte_id=compte.pk)

    assert time.monotonic() - debut < 5
    assert rapport.erreur == (
        "Le relevé de la boîte de réception a dépassé le délai de 1 secondes ; il reprendra "
        "au prochain passage."
    )


# --- Celery ---------------------------------------------------------------------------------


def test_le_balayage_met_en_file_un_releve_par_compte_avec_boite(monde, dovecot, monkeypatch):
    from core import tasks

    avec = _compte(monde, dovecot, "imap")
    sans = CompteSMTP.objects.create(
        collectivite=monde.autre, adresse_expediteur="m@x.example", hote="127.0.0.1"
    )
    mis_en_file: list[int] = []
    monkeypatch.setattr(tasks.boites_relever_task, "delay", mis_en_file.append)

    tasks.mail_boites_balayer_task()

    assert mis_en_file == [avec.pk]
    assert sans.pk not in mis_en_file


def test_beat_et_file_mail(settings):
    from config.celery import app

    entree = settings.CELERY_BEAT_SCHEDULE["boites-relever"]
    assert entree["task"] == "core.tasks.mail_boites_balayer_task"
    assert entree["schedule"].total_seconds() == 300
    for nom in ("core.tasks.boites_relever_task", "core.tasks.mail_boites_balayer_task"):
        tache = app.tasks[nom]
        route = app.amqp.router.route(tache._get_exec_options(), nom)
        assert route["queue"].name == "mail"


def test_une_prise_abandonnee_est_reprise_apres_le_delai(monde, dovecot):
    """Un relevé tué en plein traitement laisse une ligne « en cours » : un relevé suivant ne
    la reprend qu'après `REPRISE_APRES`, jamais pendant qu'elle peut encore avancer."""
    compte = _compte(monde, dovecot, "imap")
    dovecot.deposer("elire_notification.eml")
    boite_relever(compte_id=compte.pk)  # aucun lecteur inscrit : la ligne existe, « ignoré »
    CourrierRecu.objects.update(statut=StatutCourrier.EN_COURS, modifie_le=timezone.now())
    pris: list[EmailMessage] = []

    def lecteur(compte: Any, message: EmailMessage) -> bool:
        pris.append(message)
        return True

    registre.ajouter_reception_courrier(ReceptionCourrier(code="lecteur", gestionnaire=lecteur))
    try:
        recent = boite_relever(compte_id=compte.pk)

        assert (recent.deja_pris, recent.transmis) == (1, 0)
        assert dovecot.restants() == 1
        CourrierRecu.objects.update(modifie_le=timezone.now() - timedelta(minutes=16))

        ancien = boite_relever(compte_id=compte.pk)
    finally:
        registre.retirer_reception_courrier("lecteur")

    assert ancien.transmis == 1
    assert len(pris) == 1
    courrier = CourrierRecu.objects.get()
    assert (courrier.statut, courrier.tentatives) == (StatutCourrier.TRAITE, 2)
    assert dovecot.restants() == 0
