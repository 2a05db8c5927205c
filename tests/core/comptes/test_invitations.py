"""Parcours d'une invitation : lien reçu, création du compte, « Renvoyer », « Annuler »."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from core.comptes.garde import est_un_oubli
from core.models import Invitation, LienSecurise, Role, StatutInvitation, TypeRole, Utilisateur
from core.tenancy.acces import CLE_SESSION
from tests.smtp_local import *  # noqa: F403
from tests.smtp_local import creer_compte

pytestmark = pytest.mark.django_db

MOT_DE_PASSE = "Un-secret-bien-long-2026"


@pytest.fixture
def envoi(monde, serveur_smtp):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    return serveur


@pytest.fixture
def inviter(monde, envoi, django_capture_on_commit_callbacks):
    """Invite `email` depuis la liste des agents ; rend le jeton du dernier courriel."""

    def faire(email: str = "claire.martin@exemple.test") -> str:
        with django_capture_on_commit_callbacks(execute=True):
            reponse = monde.client("administrateur").post(
                reverse("comptes:agent_ajouter"),
                {"prenom": "Claire", "nom": "Martin", "email": email, "role": TypeRole.LECTURE},
            )
        assert reponse.status_code == 302
        return _dernier_jeton(envoi)

    return faire


def _dernier_jeton(serveur) -> str:
    corps = serveur.boite.recus[-1].message.get_body(("plain",)).get_content()
    trouve = re.search(r"/l/([A-Za-z0-9_\-]{43})/", corps)
    assert trouve
    return trouve.group(1)


def _ouvrir(client, jeton: str):
    return client.get(reverse("liens:ouvrir", args=[jeton]), follow=True)


def _creation(**autres: str) -> dict[str, str]:
    return {
        "choix": "creer",
        "prenom": "Claire",
        "nom": "Martin",
        "identifiant": "c.martin",
        "mot_de_passe1": MOT_DE_PASSE,
        "mot_de_passe2": MOT_DE_PASSE,
        **autres,
    }


def test_creer_son_compte_depuis_le_lien(monde, inviter):
    jeton = inviter()
    client = monde.client("anonyme")
    page = _ouvrir(client, jeton)
    assert page.status_code == 200
    contenu = page.content.decode()
    assert "Invitation de Saint-Test" in contenu and "lecture seule" in contenu
    assert 'value="Claire"' in contenu  # nom saisi par l'administrateur, modifiable
    reponse = client.post(reverse("comptes:invitation"), _creation(prenom="Clara"))
    assert reponse["Location"] == reverse("pages:accueil")
    personne = Utilisateur.objects.get(username="c.martin")
    assert personne.email == "claire.martin@exemple.test"
    assert personne.first_name == "Clara"
    assert personne.check_password(MOT_DE_PASSE)
    assert Role.objects.get(utilisateur=personne).collectivite == monde.collectivite
    assert client.session[CLE_SESSION] == monde.collectivite.pk
    assert int(client.session["_auth_user_id"]) == personne.pk
    invitation = Invitation.objects.get()
    assert invitation.statut == StatutInvitation.ACCEPTEE and invitation.utilisateur == personne
    # La personne devient un agent de la liste ; l'invitation n'y figure plus.
    liste = monde.client("administrateur").get(reverse("comptes:agents")).content.decode()
    assert ">c.martin<" in liste and "en attente" not in liste


def test_creation_erreurs_en_francais_et_rien_de_cree(monde, inviter):
    client = monde.client("anonyme")
    _ouvrir(client, inviter())
    reponse = client.post(
        reverse("comptes:invitation"),
        _creation(identifiant="a b", mot_de_passe2="autre-chose-2026"),
    )
    assert reponse.status_code == 400
    contenu = reponse.content.decode()
    assert "sans espace" in contenu
    assert "Les deux mots de passe ne correspondent pas." in contenu
    courte = client.post(
        reverse("comptes:invitation"), _creation(mot_de_passe1="123", mot_de_passe2="123")
    )
    assert courte.status_code == 400
    assert not Utilisateur.objects.filter(username="c.martin").exists()
    assert Invitation.objects.get().statut == StatutInvitation.EN_ATTENTE


def test_identifiant_pris_message_neutre(monde, inviter):
    client = monde.client("anonyme")
    _ouvrir(client, inviter())
    reponse = client.post(reverse("comptes:invitation"), _creation(identifiant="U-AUTRE"))
    assert reponse.status_code == 400
    contenu = reponse.content.decode()
    assert "Cet identifiant n&#x27;est pas disponible : choisissez-en un autre." in contenu
    assert "Autre-Ville" not in contenu.split("<main")[1]
    # Un autre identifiant passe.
    assert client.post(reverse("comptes:invitation"), _creation())["Location"] == reverse(
        "pages:accueil"
    )


def test_un_lien_deja_utilise_ne_sert_plus(monde, inviter):
    jeton = inviter()
    client = monde.client("anonyme")
    _ouvrir(client, jeton)
    client.post(reverse("comptes:invitation"), _creation())
    reponse = _ouvrir(monde.client("anonyme"), jeton)
    assert reponse.status_code == 410
    assert "déjà été utilisé" in reponse.content.decode()
    assert Utilisateur.objects.filter(email="claire.martin@exemple.test").count() == 1


def test_renvoyer_remplace_le_lien_et_repart_a_la_meme_adresse(
    monde, inviter, envoi, django_capture_on_commit_callbacks
):
    premier = inviter()
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(expire_le=timezone.now() - timedelta(days=1))
    liste = monde.client("administrateur").get(reverse("comptes:agents")).content.decode()
    assert "expirée le" in liste
    with django_capture_on_commit_callbacks(execute=True):
        reponse = monde.client("administrateur").post(
            reverse("comptes:invitation_renvoyer", args=[invitation.pk]), follow=True
        )
    assert "Invitation renvoyée à claire.martin@exemple.test" in reponse.content.decode()
    assert [r.destinataires for r in envoi.boite.recus] == [["claire.martin@exemple.test"]] * 2
    second = _dernier_jeton(envoi)
    assert second != premier
    assert _ouvrir(monde.client("anonyme"), premier).status_code == 410
    assert _ouvrir(monde.client("anonyme"), second).status_code == 200
    invitation.refresh_from_db()
    assert invitation.expire_le > timezone.now() + timedelta(days=13)


def test_annuler_rend_le_lien_inutile(monde, inviter):
    jeton = inviter()
    invitation = Invitation.objects.get()
    reponse = monde.client("administrateur").post(
        reverse("comptes:invitation_annuler", args=[invitation.pk]), follow=True
    )
    assert "annulée" in reponse.content.decode()
    assert "en attente" not in reponse.content.decode()
    invitation.refresh_from_db()
    assert invitation.statut == StatutInvitation.ANNULEE
    assert not LienSecurise.objects.filter(
        objectif="invitation", cible_id=str(invitation.pk), revoque_le__isnull=True
    ).exists()
    ouvert = _ouvrir(monde.client("anonyme"), jeton)
    assert ouvert.status_code == 410
    # Et une invitation close ne se renvoie pas.
    renvoi = monde.client("administrateur").post(
        reverse("comptes:invitation_renvoyer", args=[invitation.pk])
    )
    messages = [str(m) for m in get_messages(renvoi.wsgi_request)]
    assert messages == ["Cette invitation n'est plus en attente."]


@pytest.mark.parametrize("action", ["comptes:invitation_renvoyer", "comptes:invitation_annuler"])
@pytest.mark.parametrize(
    ("profil", "statut"),
    [("autre_collectivite", 404), ("lecture", 403), ("agent_elections", 403), ("anonyme", 302)],
)
def test_renvoyer_et_annuler_reserves_a_l_administrateur_de_la_collectivite(
    monde, action, profil, statut
):
    from core.comptes.services import agent_ajouter

    invitation = agent_ajouter(
        collectivite=monde.collectivite,
        par=monde.personnes["administrateur"],
        prenom="C",
        nom="M",
        email="c@exemple.test",
        role=TypeRole.LECTURE,
    )
    reponse = monde.client(profil).post(reverse(action, args=[invitation.pk]))
    assert reponse.status_code == statut
    invitation.refresh_from_db()
    assert invitation.statut == StatutInvitation.EN_ATTENTE


def test_renvoyer_sans_compte_d_envoi_le_dit(monde, django_capture_on_commit_callbacks):
    from core.comptes.services import agent_ajouter

    invitation = agent_ajouter(
        collectivite=monde.collectivite,
        par=monde.personnes["administrateur"],
        prenom="C",
        nom="M",
        email="c@exemple.test",
        role=TypeRole.LECTURE,
    )
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        reponse = monde.client("administrateur").post(
            reverse("comptes:invitation_renvoyer", args=[invitation.pk])
        )
    assert [r for r in rappels if not est_un_oubli(r)] == []
    assert "Aucun compte d'envoi" in " ".join(str(m) for m in get_messages(reponse.wsgi_request))


def test_la_tache_n_envoie_rien_pour_une_invitation_close(monde, envoi):
    from core.comptes.services import agent_ajouter, invitation_annuler
    from core.tasks import mail_invitation_envoyer_task

    invitation = agent_ajouter(
        collectivite=monde.collectivite,
        par=monde.personnes["administrateur"],
        prenom="C",
        nom="M",
        email="c@exemple.test",
        role=TypeRole.LECTURE,
    )
    invitation_annuler(invitation=invitation, par=monde.personnes["administrateur"])
    [ligne] = invitation.envois.all()
    mail_invitation_envoyer_task.apply(args=[[ligne.pk]])
    ligne.refresh_from_db()
    assert ligne.statut == "echec"
    assert "n'attend plus de réponse" in ligne.reponse_smtp
    assert envoi.boite.recus == []
    assert not LienSecurise.objects.filter(objectif="invitation").exists()
