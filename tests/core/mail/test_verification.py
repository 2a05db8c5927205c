"""`core.mail.verification` : « Tester la connexion » contre un vrai serveur SMTP local."""

from __future__ import annotations

import time

import pytest

from core.mail.comptes import MotDePasseIndechiffrable
from core.mail.outbox import HOTE_BOITE_DEMO
from core.mail.verification import (
    MESSAGE_TEST_INATTENDU,
    ResultatTest,
    delai_test,
    smtp_tester,
)
from core.models import EntreeJournal, MessageEnvoye, StatutMessage
from tests.smtp_local import *  # noqa: F403  (fixtures du serveur local)
from tests.smtp_local import IDENTIFIANT, REPONSE_DATA, creer_compte

pytestmark = pytest.mark.django_db


@pytest.mark.reseau
def test_tester_envoie_un_vrai_message_et_memorise_le_succes(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp(securite="starttls", auth=True)
    agent = monde.personnes["agent_elections"]
    compte = creer_compte(serveur, collectivite=monde.collectivite, utilisateur=agent)

    resultat = smtp_tester(compte=compte, destinataire="moi@exemple.test", par=agent)

    assert resultat.ok
    assert resultat.code == 250
    assert resultat.message == (
        "Connexion réussie : le serveur a accepté le message de test pour moi@exemple.test."
        " Vérifiez qu'il est bien arrivé dans cette boîte."
    )
    assert "250" not in resultat.message
    assert MessageEnvoye.objects.get(compte=compte).reponse_smtp == REPONSE_DATA
    [recu] = serveur.boite.recus
    assert recu.destinataires == ["moi@exemple.test"]
    assert recu.identifiant == IDENTIFIANT
    assert "message de test" in str(recu.message["Subject"])
    compte.refresh_from_db()
    assert compte.dernier_test_reussi is True
    assert compte.derniere_verification is not None
    assert compte.dernier_resultat == resultat.message
    entree = EntreeJournal.objects.get(action="compte_smtp_teste")
    assert entree.details == {"reussi": True, "code": 250}
    assert entree.acteur == agent
    assert MessageEnvoye.objects.get().statut == StatutMessage.ENVOYE


@pytest.mark.reseau
def test_tester_avec_un_mauvais_mot_de_passe(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(securite="starttls", auth=True)
    compte = creer_compte(serveur, collectivite=monde.collectivite, mot_de_passe="Faux-mdp-123")

    resultat = smtp_tester(
        compte=compte, destinataire="moi@exemple.test", par=monde.personnes["administrateur"]
    )

    assert not resultat.ok
    assert resultat.message == "Le serveur a refusé l'identifiant ou le mot de passe (535)."
    compte.refresh_from_db()
    assert compte.dernier_test_reussi is False
    assert "Faux-mdp-123" not in compte.dernier_resultat
    assert EntreeJournal.objects.get(action="compte_smtp_teste").details == {
        "reussi": False,
        "code": 535,
    }


@pytest.mark.reseau
@pytest.mark.parametrize("cas", ["ferme", "muet"])
def test_tester_un_serveur_injoignable_ou_muet(
    monde, smtp_sans_verification, port_ferme, serveur_muet, cas
):
    port = port_ferme if cas == "ferme" else serveur_muet.port
    compte = creer_compte(collectivite=monde.collectivite, port=port)

    resultat = smtp_tester(
        compte=compte, destinataire="moi@exemple.test", par=monde.personnes["administrateur"]
    )

    assert not resultat.ok
    attendu = {
        "ferme": f"Impossible de joindre le serveur 127.0.0.1:{port} : connexion refusée.",
        "muet": "Le serveur n'a pas répondu dans les 2 secondes.",
    }[cas]
    assert resultat.message == attendu


@pytest.mark.reseau
@pytest.mark.parametrize(
    ("reponse", "debut"),
    [
        ("550 5.1.1 <moi@exemple.test>: inconnu", "Le serveur a refusé le destinataire"),
        ("451 4.3.0 Réessayez plus tard", "Refus temporaire pour le destinataire"),
    ],
    ids=["550", "451"],
)
def test_tester_un_destinataire_refuse_montre_son_adresse_a_l_agent(
    monde, serveur_smtp, smtp_sans_verification, reponse, debut
):
    # L'exception ne cite plus l'adresse (logs) ; le résultat montré à l'agent, si.
    serveur = serveur_smtp(reponses={"moi@exemple.test": reponse})
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    resultat = smtp_tester(
        compte=compte, destinataire="moi@exemple.test", par=monde.personnes["administrateur"]
    )

    assert not resultat.ok
    assert resultat.code == int(reponse[:3])
    assert resultat.message == f"{debut} moi@exemple.test : {reponse}"
    compte.refresh_from_db()
    assert compte.dernier_resultat == resultat.message
    assert MessageEnvoye.objects.get().reponse_smtp == resultat.message


def test_tester_en_demonstration_le_serveur_de_demo_passe_par_la_boite(monde, settings, tmp_path):
    settings.ECHARPE_BOITE_DEMO = str(tmp_path)
    compte = creer_compte(collectivite=monde.collectivite, port=587)
    compte.hote = HOTE_BOITE_DEMO
    compte.save(update_fields=["hote"])

    resultat = smtp_tester(
        compte=compte, destinataire="moi@exemple.test", par=monde.personnes["administrateur"]
    )

    assert resultat.ok
    assert resultat.message.startswith("Connexion réussie : le serveur a accepté")
    assert len(list(tmp_path.glob("*.eml"))) == 1


@pytest.mark.reseau
def test_tester_en_demonstration_un_autre_serveur_est_vraiment_contacte(
    monde, settings, tmp_path, port_ferme, smtp_sans_verification
):
    settings.ECHARPE_BOITE_DEMO = str(tmp_path)
    compte = creer_compte(collectivite=monde.collectivite, port=port_ferme)

    resultat = smtp_tester(
        compte=compte, destinataire="moi@exemple.test", par=monde.personnes["administrateur"]
    )

    assert not resultat.ok
    assert resultat.message == (
        f"Impossible de joindre le serveur 127.0.0.1:{port_ferme} : connexion refusée."
    )
    assert list(tmp_path.glob("*.eml")) == []


@pytest.mark.reseau
def test_tester_un_serveur_goutte_a_goutte_rend_la_main_a_l_echeance(
    monde, serveur_goutte, smtp_sans_verification
):
    # Sans échéance globale, la bannière sans fin tiendrait la page jusqu'à ce que le serveur
    # raccroche (8 s ici, 202 s observées avec un octet toutes les 4 s).
    smtp_sans_verification.ECHARPE_SMTP_DELAI_TEST = 2
    compte = creer_compte(collectivite=monde.collectivite, port=serveur_goutte.port)

    debut = time.monotonic()
    resultat = smtp_tester(
        compte=compte, destinataire="moi@exemple.test", par=monde.personnes["administrateur"]
    )

    assert time.monotonic() - debut < 4
    assert not resultat.ok
    assert resultat.message == (
        "Le serveur n'a pas terminé l'échange dans le délai de 2 secondes : la connexion a été "
        "interrompue."
    )


def test_le_delai_du_test_est_de_15_secondes_par_defaut(settings):
    del settings.ECHARPE_SMTP_DELAI_TEST
    assert delai_test() == 15


@pytest.mark.reseau
def test_tester_ne_defigure_pas_la_reponse_avec_un_mot_de_passe_court(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp(
        reponses={"moi@exemple.test": "550 5.7.1 connexion refusee, mot de passe x invalide"}
    )
    compte = creer_compte(serveur, collectivite=monde.collectivite, mot_de_passe="x")

    resultat = smtp_tester(
        compte=compte, destinataire="moi@exemple.test", par=monde.personnes["administrateur"]
    )

    assert resultat.message == (
        "Le serveur a refusé le destinataire moi@exemple.test : "
        "550 5.7.1 connexion refusee, mot de passe ******** invalide"
    )


@pytest.mark.reseau
def test_tester_une_adresse_d_expedition_encodee_repond_en_francais(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp()
    compte = creer_compte(
        serveur,
        collectivite=monde.collectivite,
        adresse_expediteur="=?utf-8?b?eA0KWC1JbmplY3RlZDogeWVz?=@exemple.test",
    )

    resultat = smtp_tester(
        compte=compte, destinataire="moi@exemple.test", par=monde.personnes["administrateur"]
    )

    assert not resultat.ok
    assert resultat.message.startswith("L'adresse d'expédition est invalide")
    assert "encoded-word" not in resultat.message
    assert serveur.boite.recus == []


def test_tester_une_erreur_anglaise_du_module_email_ne_s_affiche_pas(monde, monkeypatch):
    from email.errors import InvalidHeaderDefect

    import core.mail.verification

    def panne(**kwargs):
        raise InvalidHeaderDefect("missing trailing whitespace after encoded-word")

    monkeypatch.setattr(core.mail.verification, "envoyer_gabarit", panne)
    compte = creer_compte(collectivite=monde.collectivite, port=1)

    resultat = smtp_tester(
        compte=compte, destinataire="moi@exemple.test", par=monde.personnes["administrateur"]
    )

    assert resultat == ResultatTest(ok=False, message=MESSAGE_TEST_INATTENDU)


def test_tester_une_panne_imprevue_devient_un_resultat_en_francais(monde, monkeypatch):
    import core.mail.verification

    def panne(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(core.mail.verification, "envoyer_gabarit", panne)
    compte = creer_compte(collectivite=monde.collectivite, port=1)

    resultat = smtp_tester(
        compte=compte, destinataire="moi@exemple.test", par=monde.personnes["administrateur"]
    )

    assert resultat.message == MESSAGE_TEST_INATTENDU
    compte.refresh_from_db()
    assert compte.dernier_test_reussi is False


def test_tester_un_mot_de_passe_indechiffrable_le_dit_en_francais(monde):
    compte = creer_compte(collectivite=monde.collectivite, port=1)
    compte.mot_de_passe_chiffre = "gAAAAAcorrompu"
    compte.save(update_fields=["mot_de_passe_chiffre"])

    resultat = smtp_tester(
        compte=compte, destinataire="moi@exemple.test", par=monde.personnes["administrateur"]
    )

    assert resultat.message == str(MotDePasseIndechiffrable())


@pytest.mark.reseau
def test_tester_vers_un_domaine_accentue(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite)

    resultat = smtp_tester(
        compte=compte, destinataire="moi@exémple.fr", par=monde.personnes["administrateur"]
    )

    assert resultat.ok, resultat.message
    assert serveur.boite.recus[0].destinataires == ["moi@xn--exmple-cva.fr"]
