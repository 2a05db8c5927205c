"""`core.mail.reseau` : un serveur de courriel saisi par un agent ne peut pas désigner la
machine elle-même ni un réseau interdit (revue : « Tester la connexion » sondait les ports)."""

from __future__ import annotations

import socket

import pytest

from core.mail.reseau import AdresseInterdite, adresse_interdite, connexion_autorisee
from core.mail.verification import smtp_tester
from tests.smtp_local import *  # noqa: F403  (fixtures du serveur local)
from tests.smtp_local import creer_compte

pytestmark = pytest.mark.django_db

PAR_DEFAUT = ["127.0.0.0/8", "::1/128", "0.0.0.0/8", "169.254.0.0/16", "fe80::/10", "::/128"]


@pytest.mark.parametrize(
    ("adresse", "interdite"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("169.254.169.254", True),
        ("fe80::1%eth0", True),
        ("0.0.0.0", True),
        ("192.0.2.10", False),
        ("2001:db8::25", False),
    ],
)
def test_adresses_interdites_par_defaut(settings, adresse, interdite):
    settings.ECHARPE_RESEAUX_INTERDITS = PAR_DEFAUT
    assert adresse_interdite(adresse) is interdite


def test_les_reglages_de_base_interdisent_la_machine_et_les_metadonnees():
    from config.settings import base

    assert set(PAR_DEFAUT) <= set(base.ECHARPE_RESEAUX_INTERDITS)


def test_un_nom_qui_mene_a_la_machine_est_refuse_avant_toute_connexion(settings):
    settings.ECHARPE_RESEAUX_INTERDITS = PAR_DEFAUT
    ecoute = socket.socket()
    ecoute.bind(("127.0.0.1", 0))
    ecoute.listen()
    ecoute.settimeout(0.5)
    try:
        with pytest.raises(AdresseInterdite, match="adresse réservée"):
            connexion_autorisee("localhost", ecoute.getsockname()[1], 2)
        with pytest.raises(TimeoutError):
            ecoute.accept()  # personne ne s'est connecté
    finally:
        ecoute.close()


@pytest.mark.reseau
def test_tester_la_connexion_vers_la_machine_est_refuse_en_francais(
    monde, settings, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)
    settings.ECHARPE_RESEAUX_INTERDITS = PAR_DEFAUT

    resultat = smtp_tester(
        compte=compte, destinataire="moi@exemple.test", par=monde.personnes["administrateur"]
    )

    assert not resultat.ok
    assert "adresse réservée" in resultat.message
    assert serveur.boite.recus == []


@pytest.mark.reseau
def test_sans_reseau_interdit_le_serveur_local_reste_joignable(
    monde, settings, serveur_smtp, smtp_sans_verification
):
    settings.ECHARPE_RESEAUX_INTERDITS = []
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)
    resultat = smtp_tester(
        compte=compte, destinataire="moi@exemple.test", par=monde.personnes["administrateur"]
    )
    assert resultat.ok, resultat.message
