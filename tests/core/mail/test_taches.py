"""`mail_activation_envoyer_task` et son balayage contre un vrai serveur SMTP local.

Celery tourne en mode eager (config.settings.test) : une ligne remise en file avec un délai
est livrée aussitôt, mais son heure n'est pas venue, donc rien ne part ; le balayage, une
fois l'heure passée, la renvoie. Hors transaction : `lot_envoyer` le refuse.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings as reglages
from django.utils import timezone

from config.celery import app
from core.comptes.models import TypeRole
from core.comptes.services import agent_ajouter
from core.liens.services import activation_envoyer, lien_verifier
from core.mail.models import EnvoiActivation, EnvoiInvitation, StatutEnvoi
from core.tasks import (
    mail_activation_envoyer_task,
    mail_activations_balayer_task,
    mail_invitation_envoyer_task,
    mail_invitations_balayer_task,
)
from tests.factories import UtilisateurFactory
from tests.smtp_local import *  # noqa: F403  (fixtures du serveur local)
from tests.smtp_local import creer_compte

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.reseau]

ADRESSE = "lea.durand@exemple.test"


@pytest.fixture
def lea(db):
    return UtilisateurFactory(
        username="ldurand", email=ADRESSE, password=None, date_naissance=date(1990, 3, 2)
    )


def _jeton(recu) -> str:
    texte = recu.message.get_body(preferencelist=("plain",)).get_content()
    debut = texte.index("/l/")
    return texte[debut:].split()[0].removeprefix("/l/").rstrip("/")


def test_les_taches_vont_dans_la_file_mail_et_le_balayage_est_programme():
    for tache in (mail_activation_envoyer_task, mail_activations_balayer_task):
        assert app.amqp.router.route({}, tache.name)["queue"].name == "mail"
    assert mail_activation_envoyer_task.acks_late is True
    programme = {valeur["task"] for valeur in reglages.CELERY_BEAT_SCHEDULE.values()}
    assert mail_activations_balayer_task.name in programme


def test_le_lien_part_et_sert(monde, lea, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)

    envoi = activation_envoyer(utilisateur=lea, collectivite=monde.collectivite, par=None)

    [recu] = serveur.boite.recus
    assert recu.destinataires == [ADRESSE]
    assert lien_verifier(jeton=_jeton(recu), objectif="activation").cible_id == str(lea.pk)
    envoi.refresh_from_db()
    assert (envoi.statut, envoi.code_smtp, envoi.tentatives) == (StatutEnvoi.ENVOYE, 250, 1)
    assert envoi.message is not None


def test_echec_temporaire_reessaye_par_le_balayage_avec_un_lien_neuf(
    monde, lea, serveur_smtp, smtp_sans_verification, settings
):
    settings.ECHARPE_ENVOI_REMISE_EN_FILE = 0
    serveur = serveur_smtp(reponses={ADRESSE: ["451 4.3.0 Try again later"]})
    creer_compte(serveur, collectivite=monde.collectivite)

    envoi = activation_envoyer(utilisateur=lea, collectivite=monde.collectivite, par=None)

    envoi.refresh_from_db()
    assert (envoi.statut, envoi.tentatives, envoi.code_smtp) == (StatutEnvoi.EN_ATTENTE, 1, 451)
    assert envoi.prochain_essai > timezone.now()
    assert serveur.boite.recus == []

    EnvoiActivation.objects.filter(pk=envoi.pk).update(
        prochain_essai=timezone.now() - timedelta(seconds=1)
    )
    mail_activations_balayer_task.delay()

    envoi.refresh_from_db()
    assert (envoi.statut, envoi.tentatives) == (StatutEnvoi.ENVOYE, 2)
    [recu] = serveur.boite.recus
    # Chaque essai émet son lien : celui du courriel reçu est le seul valide.
    assert lien_verifier(jeton=_jeton(recu), objectif="activation").revoque_le is None


def test_rien_n_est_envoye_si_le_compte_a_ete_active_entre_temps(
    monde, lea, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    envoi = EnvoiActivation.objects.create(collectivite=monde.collectivite, utilisateur=lea)
    lea.set_password("Un-mot-de-passe-solide-2026")
    lea.save()

    mail_activation_envoyer_task.delay([envoi.pk])

    envoi.refresh_from_db()
    assert envoi.statut == StatutEnvoi.ECHEC
    assert "déjà activé" in envoi.reponse_smtp
    assert serveur.boite.recus == []


def test_invitation_par_le_chemin_des_envois_en_nombre(
    monde, serveur_smtp, smtp_sans_verification, settings
):
    """L'invitation suit le même chemin que l'activation : ligne de statut, nouvel essai par
    le balayage après un 4xx, lien neuf à chaque essai."""
    settings.ECHARPE_ENVOI_REMISE_EN_FILE = 0
    invite = "claire.martin@exemple.test"
    serveur = serveur_smtp(reponses={invite: ["451 4.3.0 Try again later"]})
    creer_compte(serveur, collectivite=monde.collectivite)
    for tache in (mail_invitation_envoyer_task, mail_invitations_balayer_task):
        assert app.amqp.router.route({}, tache.name)["queue"].name == "mail"
    assert mail_invitations_balayer_task.name in {
        valeur["task"] for valeur in reglages.CELERY_BEAT_SCHEDULE.values()
    }

    invitation = agent_ajouter(
        collectivite=monde.collectivite,
        par=monde.personnes["administrateur"],
        prenom="Claire",
        nom="Martin",
        email=invite,
        role=TypeRole.LECTURE,
    )

    [ligne] = EnvoiInvitation.objects.filter(invitation=invitation)
    assert (ligne.statut, ligne.tentatives, ligne.code_smtp) == (StatutEnvoi.EN_ATTENTE, 1, 451)
    assert serveur.boite.recus == []
    EnvoiInvitation.objects.filter(pk=ligne.pk).update(
        prochain_essai=timezone.now() - timedelta(seconds=1)
    )
    mail_invitations_balayer_task.delay()

    ligne.refresh_from_db()
    assert (ligne.statut, ligne.tentatives) == (StatutEnvoi.ENVOYE, 2)
    [recu] = serveur.boite.recus
    assert recu.destinataires == [invite]
    assert lien_verifier(jeton=_jeton(recu), objectif="invitation").revoque_le is None
