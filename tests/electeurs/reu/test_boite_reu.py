"""Relevé des avis du REU dans la boîte d'un compte, contre le vrai Dovecot de `make test`
(voir `tests/core/mail/test_boite.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from core.mail.boite import boite_relever
from core.mail.comptes import chiffrer
from core.mail.models import CompteSMTP
from electeurs.reu.models import NotificationREU, SourceNotificationREU
from tests.core.mail.test_boite import Dovecot
from tests.electeurs.factories import ElecteurFactory


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    serveur = Dovecot()
    serveur.vider()
    yield serveur
    serveur.vider()


def _compte(monde, dovecot: Dovecot, protocole: str) -> CompteSMTP:
    # Le compte de la collectivité (sans agent) : celui dont la boîte reçoit les avis d'ELIRE.
    return CompteSMTP.objects.create(
        collectivite=monde.collectivite,
        adresse_expediteur="mairie@saint-test.example",
        identifiant=dovecot.utilisateur,
        mot_de_passe_chiffre=chiffrer(dovecot.mot_de_passe),
        hote="127.0.0.1",
        port=25,
        securite="aucune",
        boite_protocole=protocole,
        boite_hote="127.0.0.1",
        boite_port=dovecot.ports[protocole],
        boite_securite="aucune",
    )


def _avis_html() -> bytes:
    message = EmailMessage()
    message["From"] = "ELIRE <ne-pas-repondre@insee.fr>"
    message["To"] = "mairie@saint-test.example"
    message["Subject"] = "Avis de radiation"
    message["Date"] = "Fri, 20 Nov 2026 09:15:00 +0100"
    message["Message-ID"] = "<avis-deces-1@insee.fr>"
    message.set_content(
        "<html><body><p>Radiation pour d&eacute;c&egrave;s de <b>DUPR&Eacute; H&eacute;l&egrave;ne"
        "</b>, n&eacute;e le 04/07/1953.</p><script>alert(1)</script></body></html>",
        subtype="html",
    )
    return message.as_bytes()


def _courrier_ordinaire() -> bytes:
    message = EmailMessage()
    message["From"] = "Un habitant <habitant@exemple.org>"
    message["To"] = "mairie@saint-test.example"
    message["Subject"] = "Question"
    message["Message-ID"] = "<question@exemple.org>"
    message.set_content("Bonjour, à quelle heure ouvre la mairie ?")
    return message.as_bytes()


@pytest.mark.parametrize("protocole", ["pop3", "imap"])
def test_un_avis_d_elire_releve_devient_une_notification_rattachee(monde, dovecot, protocole):
    electeur = ElecteurFactory(
        collectivite=monde.collectivite, nom_naissance="DUPRÉ", prenoms="Hélène Marie"
    )
    compte = _compte(monde, dovecot, protocole)
    dovecot.deposer(_avis_html())
    dovecot.deposer(_courrier_ordinaire())

    rapport = boite_relever(compte_id=compte.pk)

    assert rapport.erreur == ""
    assert (rapport.vus, rapport.transmis, rapport.ignores) == (2, 1, 1)
    notification = NotificationREU.objects.get()
    assert notification.source == SourceNotificationREU.COURRIEL
    assert notification.type == "radiation_deces"
    assert notification.electeur == electeur
    assert "alert" not in notification.texte
    assert "Radiation pour décès de DUPRÉ Hélène , née le 04/07/1953." in notification.texte
    # L'avis est retiré du serveur, le courrier de l'habitant y reste.
    assert dovecot.restants() == 1

    # Relevé suivant : rien de plus.
    boite_relever(compte_id=compte.pk)
    assert NotificationREU.objects.count() == 1
