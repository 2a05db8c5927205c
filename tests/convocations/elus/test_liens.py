"""Lien ou mot de passe perdu (adresse + date de naissance, réponse neutre, essais bornés),
nouveau mot de passe par lien, adresse personnelle confirmée par le lien qui y est envoyé."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from convocations.elus.courriels import courriel_preparer
from convocations.elus.models import AdresseElu, CourrielElu, MotifCourrielElu
from convocations.elus.selectors import adresse_convocation
from convocations.elus.services import elu_lien_perdu, notice_accuser
from convocations.models import EtatSeance
from core.journal.models import EntreeJournal
from core.liens.models import LienSecurise
from core.mail.models import EnvoiActivation
from tests.convocations.elus.conftest import NAISSANCE, texte
from tests.convocations.factories import (
    ContactFactory,
    DestinataireFactory,
    MandatFactory,
    SeanceFactory,
)
from tests.factories import RoleFactory, UtilisateurFactory

NOUVEAU = "Un-nouveau-mot-de-passe-2026"


def _jeton(message) -> str:
    trouve = re.search(r"/l/([A-Za-z0-9_\-]{43})/", message.texte)
    assert trouve, message.texte
    return trouve.group(1)


def _demander(client: Client, email: str, naissance: str = "12/05/1970"):
    return client.post(
        reverse("convocations:elu_lien_perdu"), {"email": email, "date_naissance": naissance}
    )


# --- Lien perdu ------------------------------------------------------------------------------


def test_un_elu_jamais_active_recoit_un_nouveau_lien_d_activation(monde, contact_elu):
    reponse = _demander(Client(), contact_elu.email.upper())

    assert reponse["Location"] == reverse("convocations:elu_lien_perdu_envoye")
    assert EnvoiActivation.objects.get().utilisateur == contact_elu.utilisateur
    assert EntreeJournal.objects.filter(action="convocations_elu_lien_perdu").exists()


def test_la_reponse_est_la_meme_quand_rien_ne_correspond(monde, contact_elu):
    mauvaise_date = _demander(Client(), contact_elu.email, "13/05/1970")
    inconnue = _demander(Client(), "personne@ailleurs.test")

    assert mauvaise_date["Location"] == inconnue["Location"]
    assert mauvaise_date["Location"] == reverse("convocations:elu_lien_perdu_envoye")
    assert not EnvoiActivation.objects.exists()
    assert not CourrielElu.objects.exists()


def test_une_saisie_invalide_donne_des_erreurs_en_francais(db):
    reponse = _demander(Client(), "pas-une-adresse", "32/13/1970")

    assert reponse.status_code == 400
    contenu = texte(reponse)
    assert "Cette adresse électronique n'est pas valide." in contenu
    assert "jj/mm/aaaa" in contenu


def test_les_demandes_sont_bornees_par_adresse(monde, contact_elu, settings):
    settings.ECHARPE_CONVOCATIONS_LIENS_PERDUS_PAR_HEURE = 2
    resultats = [
        elu_lien_perdu(email=contact_elu.email, date_naissance=NAISSANCE) for _ in range(4)
    ]
    assert resultats == [True, True, False, False]
    assert EnvoiActivation.objects.count() == 2


def test_les_demandes_sont_bornees_par_ip(monde, contact_elu, settings):
    settings.ECHARPE_CONVOCATIONS_LIENS_PERDUS_PAR_HEURE = 1
    assert elu_lien_perdu(email=contact_elu.email, date_naissance=NAISSANCE, adresse_ip="10.0.0.1")
    assert not elu_lien_perdu(
        email="autre@exemple.test", date_naissance=NAISSANCE, adresse_ip="10.0.0.1"
    )


def test_un_elu_active_choisit_un_nouveau_mot_de_passe_et_l_ancien_lien_ne_sert_plus(monde, elu):
    assert elu_lien_perdu(email=elu.email, date_naissance=NAISSANCE)
    premier = courriel_preparer(CourrielElu.objects.get())
    assert elu_lien_perdu(email=elu.email, date_naissance=NAISSANCE)
    second = courriel_preparer(CourrielElu.objects.order_by("-pk").first())
    ancien, jeton = _jeton(premier), _jeton(second)
    assert CourrielElu.objects.filter(motif=MotifCourrielElu.MOT_DE_PASSE).count() == 2

    # L'ancien lien est remplacé.
    assert Client().get(f"/l/{ancien}/").status_code == 410
    # Le nouveau : identité, puis mot de passe.
    client = Client()
    assert client.get(f"/l/{jeton}/")["Location"] == "/l/"
    assert client.post("/l/", {"date_naissance": "12/05/1970"})["Location"] == reverse(
        "convocations:elu_mot_de_passe"
    )
    page = client.get(reverse("convocations:elu_mot_de_passe"))
    assert elu.username in texte(page)
    assert jeton not in texte(page)
    reponse = client.post(
        reverse("convocations:elu_mot_de_passe"),
        {"new_password1": NOUVEAU, "new_password2": NOUVEAU},
    )

    assert reponse["Location"] == reverse("convocations:portail")
    elu.refresh_from_db()
    assert elu.check_password(NOUVEAU)
    assert client.session["_auth_user_id"] == str(elu.pk)
    assert EntreeJournal.objects.filter(action="convocations_elu_mot_de_passe_change").exists()
    assert Client().get(f"/l/{jeton}/").status_code == 410


def test_la_page_du_mot_de_passe_sans_lien_renvoie_vers_l_accueil_des_liens(db):
    reponse = Client().get(reverse("convocations:elu_mot_de_passe"))
    assert reponse["Location"] == reverse("liens:accueil")


# --- Adresse personnelle ---------------------------------------------------------------------


@pytest.fixture
def client_elu(monde, elu):
    notice_accuser(
        utilisateur=elu, collectivite=monde.collectivite, actualites=False, evenements=False
    )
    client = Client()
    client.force_login(elu)
    return client


def test_adresse_differente_refusee(client_elu):
    reponse = client_elu.post(
        reverse("convocations:portail_adresse"),
        {"email": "jeanne@perso.test", "confirmation": "jeane@perso.test"},
    )
    assert reponse.status_code == 400
    assert "Les deux adresses ne sont pas identiques." in texte(reponse)
    assert not AdresseElu.objects.exists()


def test_l_adresse_personnelle_ne_vaut_qu_une_fois_son_lien_ouvert(monde, elu, client_elu):
    brouillon = DestinataireFactory(
        seance=SeanceFactory(collectivite=monde.collectivite), utilisateur=elu, email=elu.email
    )
    envoyee = DestinataireFactory(
        seance=SeanceFactory(collectivite=monde.collectivite, etat=EtatSeance.ENVOYEE),
        utilisateur=elu,
        email=elu.email,
    )
    reponse = client_elu.post(
        reverse("convocations:portail_adresse"),
        {"email": "jeanne@perso.test", "confirmation": "Jeanne@perso.test"},
    )
    assert reponse.status_code == 302
    adresse = AdresseElu.objects.get()
    assert adresse.confirmee_le is None
    assert adresse_convocation(elu, "defaut@mairie.test") == "defaut@mairie.test"
    assert "attend sa confirmation" in texte(
        client_elu.get(reverse("convocations:portail_adresse"))
    )

    message = courriel_preparer(CourrielElu.objects.get(motif=MotifCourrielElu.ADRESSE))
    assert message.destinataires == ["jeanne@perso.test"]
    jeton = _jeton(message)
    ouvreur = Client()
    assert ouvreur.get(f"/l/{jeton}/")["Location"] == "/l/"
    assert ouvreur.get("/l/")["Location"] == reverse("convocations:elu_adresse_confirmer")
    page = ouvreur.get(reverse("convocations:elu_adresse_confirmer"))
    assert "jeanne@perso.test" in texte(page)
    adresse.refresh_from_db()
    assert adresse.confirmee_le is None  # ouvrir la page ne suffit pas : un bouton confirme
    ouvreur.post(reverse("convocations:elu_adresse_confirmer"))

    adresse.refresh_from_db()
    assert adresse.confirmee_le is not None
    assert adresse_convocation(elu, "defaut@mairie.test") == "jeanne@perso.test"
    brouillon.refresh_from_db()
    envoyee.refresh_from_db()
    assert brouillon.email == "jeanne@perso.test"
    assert envoyee.email == elu.email
    assert EntreeJournal.objects.filter(action="convocations_elu_adresse_confirmee").exists()
    assert Client().get(f"/l/{jeton}/").status_code == 410
    assert LienSecurise.objects.get(objectif="elu_adresse").utilise_le is not None
    # Elle sert aussi à demander un nouveau lien.
    assert elu_lien_perdu(email="jeanne@perso.test", date_naissance=NAISSANCE)


def test_la_page_de_connexion_mene_au_lien_perdu(db):
    contenu = texte(Client().get(reverse("login")))
    assert f'href="{reverse("convocations:elu_lien_perdu")}"' in contenu
    assert "lien d'activation ou mot de passe perdu" in contenu


# --- Un seul compte pour tous les mandats ------------------------------------------------------


def _compte_epci(monde, *, naissance=NAISSANCE, email="jeanne@epci.test"):
    """Le compte que l'intercommunalité a ouvert à la même élue (autre adresse)."""
    utilisateur = UtilisateurFactory(
        username="elu-jeanne-epci", email=email, date_naissance=naissance
    )
    utilisateur.set_unusable_password()
    utilisateur.save()
    ContactFactory(collectivite=monde.autre, email=email, utilisateur=utilisateur)
    MandatFactory(
        collectivite=monde.autre, utilisateur=utilisateur, assemblee="conseil_communautaire"
    )
    seance = SeanceFactory(collectivite=monde.autre, etat=EtatSeance.ENVOYEE, titre="Conseil EPCI")
    DestinataireFactory(seance=seance, utilisateur=utilisateur, email=email)
    return utilisateur


def test_l_elu_reunit_ses_mandats_par_le_lien_envoye_a_l_autre_adresse(monde, elu, client_elu):
    autre = _compte_epci(monde)
    reponse = client_elu.post(
        reverse("convocations:portail_rattacher"), {"email": "Jeanne@epci.test"}
    )
    assert reponse.status_code == 302
    courriel = CourrielElu.objects.get(motif=MotifCourrielElu.RATTACHEMENT)
    assert courriel.collectivite == monde.autre and courriel.autre == autre
    jeton = _jeton(courriel_preparer(courriel))

    # Ouvert sans être connecté : la connexion d'abord, le lien reste en session.
    navigateur = Client()
    navigateur.get(f"/l/{jeton}/")
    assert navigateur.get("/l/")["Location"] == reverse("convocations:elu_rattachement")
    assert navigateur.get(reverse("convocations:elu_rattachement"))["Location"].startswith(
        reverse("login")
    )
    navigateur.post(
        reverse("login"), {"username": elu.username, "password": "mot-de-passe-solide-42"}
    )
    page = navigateur.get(reverse("convocations:elu_rattachement"))
    assert "elu-jeanne-epci" in texte(page)
    navigateur.post(reverse("convocations:elu_rattachement"))

    autre.refresh_from_db()
    assert not autre.is_active
    assert set(elu.mandats.values_list("collectivite_id", flat=True)) == {
        monde.collectivite.pk,
        monde.autre.pk,
    }
    notice_accuser(utilisateur=elu, collectivite=monde.autre, actualites=False, evenements=False)
    assert "Conseil EPCI" in texte(navigateur.get(reverse("convocations:portail")))
    assert EntreeJournal.objects.filter(
        action="convocations_elu_comptes_rattaches", collectivite=monde.autre
    ).exists()
    assert Client().get(f"/l/{jeton}/").status_code == 410


def test_pas_de_rattachement_pour_une_autre_personne(monde, elu, client_elu):
    _compte_epci(monde, naissance=NAISSANCE.replace(year=1980))
    client_elu.post(reverse("convocations:portail_rattacher"), {"email": "jeanne@epci.test"})
    assert not CourrielElu.objects.exists()


def test_un_compte_d_agent_ne_se_rattache_jamais(monde, elu, client_elu):
    autre = _compte_epci(monde)
    RoleFactory(collectivite=monde.autre, utilisateur=autre, role="secretariat")
    client_elu.post(reverse("convocations:portail_rattacher"), {"email": "jeanne@epci.test"})
    assert not CourrielElu.objects.exists()


def test_le_lien_de_rattachement_ne_sert_qu_au_compte_qui_l_a_demande(monde, elu, client_elu):
    _compte_epci(monde)
    client_elu.post(reverse("convocations:portail_rattacher"), {"email": "jeanne@epci.test"})
    jeton = _jeton(courriel_preparer(CourrielElu.objects.get()))
    intrus = MandatFactory(collectivite=monde.collectivite).utilisateur
    navigateur = Client()
    navigateur.force_login(intrus)
    navigateur.get(f"/l/{jeton}/")

    reponse = navigateur.post(reverse("convocations:elu_rattachement"))

    assert reponse.status_code == 404
    assert "connectez-vous avec ce compte" in texte(reponse)
    assert not intrus.mandats.filter(collectivite=monde.autre).exists()


def test_un_lien_remplace_propose_d_en_demander_un_nouveau(monde, elu):
    elu_lien_perdu(email=elu.email, date_naissance=NAISSANCE)
    ancien = _jeton(courriel_preparer(CourrielElu.objects.get()))
    elu_lien_perdu(email=elu.email, date_naissance=NAISSANCE)
    courriel_preparer(CourrielElu.objects.order_by("-pk").first())

    reponse = Client().get(f"/l/{ancien}/")

    assert reponse.status_code == 410
    assert f'href="{reverse("convocations:elu_lien_perdu")}"' in texte(reponse)


def test_la_tache_de_balayage_du_beat_est_connue_du_worker():
    """Le worker ne charge que `django.setup()` et `autodiscover_tasks` : la tâche d'un
    sous-paquet doit y être connue sans que rien d'autre l'importe."""
    taches = {v["task"] for v in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "convocations.elus.tasks.elus_courriels_balayer_task" in taches
    code = (
        "import django; django.setup(); from config.celery import app; "
        "app.loader.import_default_modules(); "
        "print(sorted(t for t in app.tasks if t.startswith('convocations.elus')))"
    )
    resultat = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "elus_courriels_balayer_task" in resultat.stdout, resultat.stderr[-2000:]
    assert "elus_courriels_envoyer_task" in resultat.stdout
