"""`mail_activation_envoyer_task` contre un vrai serveur SMTP local (aiosmtpd, 127.0.0.1).

Celery tourne en mode eager (config.settings.test) : les nouveaux essais s'enchaînent sans
attendre leur délai, qui est vérifié à part.
"""

from __future__ import annotations

import logging
from datetime import date

import pytest
from celery.app.trace import build_tracer
from celery.canvas import Signature

from config.celery import app
from core import tasks
from core.liens.services import activation_terminer, lien_verifier
from core.models import LienSecurise, MessageEnvoye, StatutMessage
from core.tasks import (
    ACTIVATION_ESSAIS_MAX,
    delai_nouvel_essai,
    mail_activation_envoyer_task,
)
from tests.factories import UtilisateurFactory
from tests.smtp_local import *  # noqa: F403  (fixtures du serveur local)
from tests.smtp_local import creer_compte, textes_de_log

pytestmark = [pytest.mark.django_db, pytest.mark.reseau]

ADRESSE = "lea.durand@exemple.test"


@pytest.fixture
def lea(db):
    return UtilisateurFactory(
        username="ldurand", email=ADRESSE, password=None, date_naissance=date(1990, 3, 2)
    )


def _lancer(lea, monde, par=None):
    mail_activation_envoyer_task.delay(lea.pk, monde.collectivite.pk, par.pk if par else None)


def _jeton(recu) -> str:
    texte = recu.message.get_body(preferencelist=("plain",)).get_content()
    debut = texte.index("/l/")
    return texte[debut:].split()[0].removeprefix("/l/").rstrip("/")


def test_la_tache_va_dans_la_file_mail_et_confirme_apres_execution():
    route = app.amqp.router.route({}, mail_activation_envoyer_task.name)

    assert mail_activation_envoyer_task.name == "core.tasks.mail_activation_envoyer_task"
    assert route["queue"].name == "mail"
    assert mail_activation_envoyer_task.acks_late is True
    assert mail_activation_envoyer_task.max_retries == ACTIVATION_ESSAIS_MAX


def test_delai_des_nouveaux_essais_croissant_et_borne():
    delais = [delai_nouvel_essai(essai) for essai in range(ACTIVATION_ESSAIS_MAX)]

    assert delais == [60, 120, 240, 480, 960]
    assert delai_nouvel_essai(20) == 3600


def test_la_tache_cree_le_lien_et_l_envoie(monde, lea, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    admin = monde.personnes["administrateur"]

    _lancer(lea, monde, par=admin)

    [recu] = serveur.boite.recus
    assert recu.destinataires == [ADRESSE]
    lien = LienSecurise.objects.get()
    assert lien_verifier(jeton=_jeton(recu), objectif="activation").pk == lien.pk
    assert lien.cree_par == admin
    trace = MessageEnvoye.objects.get()
    assert (trace.statut, trace.demandeur) == (StatutMessage.ENVOYE, admin)


def test_echec_temporaire_nouvel_essai_avec_un_lien_neuf(
    monde, lea, serveur_smtp, smtp_sans_verification
):
    # Le serveur refuse une fois (451), puis accepte.
    serveur = serveur_smtp(reponses={ADRESSE: ["451 4.3.0 Réessayez plus tard"]})
    creer_compte(serveur, collectivite=monde.collectivite)

    _lancer(lea, monde)

    [recu] = serveur.boite.recus
    premier, second = LienSecurise.objects.order_by("cree_le", "pk")
    # Le lien du premier essai n'est jamais parti ; il est révoqué par celui qui est parti.
    assert premier.revoque_le is not None
    assert second.revoque_le is None
    assert lien_verifier(jeton=_jeton(recu)).pk == second.pk
    statuts = list(MessageEnvoye.objects.order_by("pk").values_list("statut", "code_smtp"))
    assert statuts == [(StatutMessage.ECHEC_TEMPORAIRE, 451), (StatutMessage.ENVOYE, 250)]


def test_echecs_temporaires_repetes_nombre_d_essais_borne(
    monde, lea, serveur_smtp, smtp_sans_verification, caplog
):
    serveur = serveur_smtp(reponses={ADRESSE: ["451 4.3.0 Réessayez plus tard"] * 20})
    creer_compte(serveur, collectivite=monde.collectivite)

    _lancer(lea, monde)  # ne lève rien : l'abandon est journalisé

    assert serveur.boite.recus == []
    essais = MessageEnvoye.objects.filter(statut=StatutMessage.ECHEC_TEMPORAIRE).count()
    assert essais == ACTIVATION_ESSAIS_MAX + 1
    [abandon] = [r for r in caplog.records if r.name == "core.tasks" and r.levelname == "ERROR"]
    assert "abandonné" in abandon.getMessage()
    assert ADRESSE not in abandon.getMessage()


@pytest.mark.parametrize(
    "reponse", ["550 5.1.1 Utilisateur inconnu", "554 5.7.1 Refusé"], ids=["550", "554"]
)
def test_echec_definitif_pas_de_nouvel_essai(
    monde, lea, serveur_smtp, smtp_sans_verification, reponse
):
    serveur = serveur_smtp(reponses={ADRESSE: reponse})
    creer_compte(serveur, collectivite=monde.collectivite)

    _lancer(lea, monde)

    trace = MessageEnvoye.objects.get()
    assert (trace.statut, trace.code_smtp) == (StatutMessage.ECHEC, int(reponse[:3]))
    assert LienSecurise.objects.count() == 1


def test_reponse_finale_absente_incertain_pas_de_nouvel_essai(
    monde, lea, serveur_smtp, smtp_sans_verification, settings
):
    settings.ECHARPE_SMTP_TIMEOUT = 1
    serveur = serveur_smtp(delai_data=3)
    creer_compte(serveur, collectivite=monde.collectivite)

    _lancer(lea, monde)

    # Le message est peut-être parti : jamais renvoyé automatiquement.
    assert MessageEnvoye.objects.get().statut == StatutMessage.EN_COURS
    assert LienSecurise.objects.count() == 1


def test_serveur_injoignable_essais_bornes(monde, lea, port_ferme, smtp_sans_verification):
    creer_compte(collectivite=monde.collectivite, port=port_ferme)

    _lancer(lea, monde)

    assert (
        MessageEnvoye.objects.filter(statut=StatutMessage.ECHEC_TEMPORAIRE).count()
        == ACTIVATION_ESSAIS_MAX + 1
    )


def test_aucun_compte_d_envoi_pas_d_erreur_ni_de_nouvel_essai(monde, lea, settings, caplog):
    settings.ECHARPE_SMTP_DEFAUT = {**settings.ECHARPE_SMTP_DEFAUT, "hote": ""}

    _lancer(lea, monde)

    assert LienSecurise.objects.count() == 1
    [ligne] = [r for r in caplog.records if r.name == "core.tasks" and r.levelname == "ERROR"]
    assert "AucunCompte" in ligne.getMessage()


def test_personne_supprimee_entre_temps_rien_n_est_envoye(monde, lea, serveur_smtp):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    identifiant = lea.pk
    lea.delete()

    mail_activation_envoyer_task.delay(identifiant, monde.collectivite.pk, None)

    assert serveur.boite.recus == []
    assert not LienSecurise.objects.exists()


def test_hors_mode_eager_le_nouvel_essai_est_confie_a_celery_avec_son_delai(
    monde, lea, serveur_smtp, smtp_sans_verification, monkeypatch
):
    serveur = serveur_smtp(reponses={ADRESSE: ["451 4.3.0 Réessayez plus tard"]})
    creer_compte(serveur, collectivite=monde.collectivite)
    demandes: list[dict] = []

    class Differe(Exception):
        pass

    def retry(**kwargs):
        demandes.append(kwargs)
        return Differe()

    monkeypatch.setattr(mail_activation_envoyer_task, "retry", retry)

    # Appel direct, comme dans un worker : la requête Celery n'est pas « eager ».
    with pytest.raises(Differe):
        mail_activation_envoyer_task(lea.pk, monde.collectivite.pk, None)

    [demande] = demandes
    assert demande["countdown"] == delai_nouvel_essai(0) == 60
    # Pas d'exception confiée à Celery : son texte irait dans le log du nouvel essai.
    assert "exc" not in demande
    assert MessageEnvoye.objects.get().code_smtp == 451
    assert serveur.boite.recus == []


# --- Compte activé entre deux essais ----------------------------------------------------------

MOT_DE_PASSE = "Mot-de-passe-choisi-2026!"


def _nouvel_essai_differe(monkeypatch) -> type[Exception]:
    """Comme dans un worker : `retry()` confie le nouvel essai à Celery (ici : l'oublie)."""

    class Differe(Exception):
        pass

    monkeypatch.setattr(mail_activation_envoyer_task, "retry", lambda **kwargs: Differe())
    return Differe


def test_nouvel_essai_apres_activation_par_un_lien_renvoye_rien_n_est_envoye(
    monde, lea, serveur_smtp, smtp_sans_verification, monkeypatch, caplog
):
    """Le scénario de la revue : 451 au premier envoi, « Renvoyer », la personne active son
    compte, puis le nouvel essai de Celery arrive. Il n'émet rien : ni lien capable de
    remplacer le mot de passe, ni révocation du lien qui a servi."""
    serveur = serveur_smtp(reponses={ADRESSE: ["451 4.3.0 Réessayez plus tard"]})
    creer_compte(serveur, collectivite=monde.collectivite)
    differe = _nouvel_essai_differe(monkeypatch)
    # 1. Premier envoi, refus temporaire : Celery garde un nouvel essai pour plus tard.
    with pytest.raises(differe):
        mail_activation_envoyer_task(lea.pk, monde.collectivite.pk, None)
    # 2. L'administrateur clique « Renvoyer » : ce lien-là part.
    _lancer(lea, monde, par=monde.personnes["administrateur"])
    [recu] = serveur.boite.recus
    renvoye = lien_verifier(jeton=_jeton(recu), objectif="activation")
    # 3. La personne active son compte.
    activation_terminer(lien=renvoye, mot_de_passe=MOT_DE_PASSE)
    liens_avant = list(LienSecurise.objects.order_by("pk").values_list("pk", "revoque_le"))
    messages_avant = MessageEnvoye.objects.count()

    # 4. Le nouvel essai de Celery.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="core.tasks"):
        mail_activation_envoyer_task(lea.pk, monde.collectivite.pk, None)

    assert len(serveur.boite.recus) == 1
    assert list(LienSecurise.objects.order_by("pk").values_list("pk", "revoque_le")) == (
        liens_avant
    )
    assert MessageEnvoye.objects.count() == messages_avant
    lea.refresh_from_db()
    assert lea.check_password(MOT_DE_PASSE)
    [ligne] = [r for r in caplog.records if r.name == "core.tasks"]
    assert ligne.levelname == "INFO"
    assert ligne.getMessage() == (
        f"Lien d'activation de l'utilisateur {lea.pk} non envoyé : compte déjà activé."
    )


@pytest.mark.parametrize("etat", ["deja_active", "desactive"])
def test_compte_active_ou_desactive_rien_n_est_emis(monde, lea, serveur_smtp, etat, caplog):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    if etat == "deja_active":
        lea.set_password(MOT_DE_PASSE)
    else:
        lea.is_active = False
    lea.save()

    with caplog.at_level(logging.INFO, logger="core.tasks"):
        _lancer(lea, monde)

    assert serveur.boite.recus == []
    assert not LienSecurise.objects.exists()
    assert not MessageEnvoye.objects.exists()
    [ligne] = [r for r in caplog.records if r.name == "core.tasks"]
    assert ligne.levelname == "INFO"
    assert ADRESSE not in ligne.getMessage()
    assert str(lea.pk) in ligne.getMessage()


def test_en_mode_eager_l_etat_du_compte_est_relu_avant_chaque_essai(
    monde, lea, serveur_smtp, smtp_sans_verification, monkeypatch
):
    serveur = serveur_smtp(reponses={ADRESSE: ["451 4.3.0 Réessayez plus tard"] * 3})
    creer_compte(serveur, collectivite=monde.collectivite)
    essai_reel = tasks._activation_essai
    essais = []

    def essai_puis_activation(**kwargs):
        erreur = essai_reel(**kwargs)
        essais.append(erreur)
        # Entre deux essais, la personne active son compte par un autre moyen.
        type(lea).objects.filter(pk=lea.pk).update(password=_mot_de_passe_chiffre())
        return erreur

    monkeypatch.setattr(tasks, "_activation_essai", essai_puis_activation)

    _lancer(lea, monde)

    assert len(essais) == 1
    assert LienSecurise.objects.count() == 1
    assert MessageEnvoye.objects.get().statut == StatutMessage.ECHEC_TEMPORAIRE


def _mot_de_passe_chiffre() -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(MOT_DE_PASSE)


# --- Aucune adresse dans les logs ---------------------------------------------------------------


def test_le_nouvel_essai_de_celery_ne_logge_pas_l_adresse(
    monde, lea, serveur_smtp, smtp_sans_verification, monkeypatch, caplog
):
    """Le chemin d'un worker : la tâche lève `Retry`, le traceur de Celery le journalise
    (« retry: Retry in 60s… ») ; ni cette ligne ni aucune autre ne cite l'adresse."""
    # Le serveur cite l'adresse dans sa réponse, comme Postfix.
    serveur = serveur_smtp(reponses={ADRESSE: [f"451 4.3.0 <{ADRESSE.upper()}>: réessayez"]})
    creer_compte(serveur, collectivite=monde.collectivite)
    remis_en_file: list[Signature] = []
    # Le nouvel essai n'est pas mis dans Redis : il est seulement noté.
    monkeypatch.setattr(Signature, "apply_async", lambda sig, *a, **k: remis_en_file.append(sig))
    traceur = build_tracer(
        mail_activation_envoyer_task.name,
        mail_activation_envoyer_task,
        app=app,
        eager=False,
        propagate=False,
    )

    with caplog.at_level(logging.DEBUG):
        resultat = traceur(
            "tache-test",
            [lea.pk, monde.collectivite.pk, None],
            {},
            {"id": "tache-test", "delivery_info": {}},
        )

    assert resultat.info is not None
    assert resultat.info.state == "RETRY"
    assert len(remis_en_file) == 1
    [retry] = [r for r in caplog.records if r.name == "celery.app.trace"]
    assert "Retry in 60s" in retry.getMessage()
    assert MessageEnvoye.objects.get().code_smtp == 451
    textes = textes_de_log(caplog.records)
    assert not [t for t in textes if ADRESSE in t.lower()]
    # L'agent, lui, voit toujours l'adresse et la réponse du serveur sur la trace.
    trace = MessageEnvoye.objects.get()
    assert trace.reponse_smtp == (
        f"Refus temporaire pour le destinataire {ADRESSE} : "
        f"451 4.3.0 <{ADRESSE.upper()}>: réessayez"
    )
