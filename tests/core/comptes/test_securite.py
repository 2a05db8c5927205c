"""Comptes et rôles entre collectivités : chaque attaque de la revue est rejouée ici.

Un administrateur ne rattache, ne montre, n'active ni ne réinitialise jamais un compte qui a
un lien avec une autre collectivité, et n'apprend pas si une adresse ou un identifiant
appartient à un compte : « Ajouter un agent » crée toujours une invitation pour le courriel
saisi, que la personne accepte par le lien reçu, en créant son compte ou connectée au sien.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.comptes.garde import est_un_oubli
from core.comptes.services import role_modifier
from core.liens.services import LienVerrouille, lien_creer, lien_verifier_identite
from core.models import (
    CompteSMTP,
    EntreeJournal,
    Invitation,
    LienSecurise,
    Role,
    StatutInvitation,
    Travail,
    TypeRole,
    Utilisateur,
)
from tests.factories import RoleFactory, UtilisateurFactory
from tests.smtp_local import *  # noqa: F403
from tests.smtp_local import creer_compte

pytestmark = pytest.mark.django_db


def _formulaire(email: str, **autres: str) -> dict[str, str]:
    return {
        "prenom": "Pierre",
        "nom": "Pirate",
        "email": email,
        "role": TypeRole.ADMINISTRATEUR,
        **autres,
    }


def _messages(reponse) -> list[str]:
    return [str(m) for m in get_messages(reponse.wsgi_request)]


def _compte_d_envoi(collectivite) -> CompteSMTP:
    return CompteSMTP.objects.create(
        collectivite=collectivite, adresse_expediteur="mairie@exemple.test", hote="127.0.0.1"
    )


def _jeton(texte: str) -> str:
    trouve = re.search(r"/l/([A-Za-z0-9_\-]{43})/", texte)
    assert trouve, texte
    return trouve.group(1)


def _corps(recu) -> str:
    return recu.message.get_body(("plain",)).get_content()


def _ouvrir(client, jeton: str):
    """Ouvre le lien comme la personne : `/l/<jeton>/` puis la page de l'invitation."""
    return client.get(reverse("liens:ouvrir", args=[jeton]), follow=True)


@pytest.fixture
def victime(monde) -> Utilisateur:
    """Un agent de l'autre collectivité, pas encore activé (lien d'activation en attente)."""
    personne = UtilisateurFactory(
        username="victime",
        first_name="Valérie",
        last_name="Secrète",
        email="valerie@autre-ville.test",
        password=None,
        date_naissance=date(1980, 7, 14),
    )
    personne.set_unusable_password()
    personne.save()
    RoleFactory(utilisateur=personne, collectivite=monde.autre, role=TypeRole.ADMINISTRATEUR)
    return personne


@pytest.fixture
def envoi(monde, serveur_smtp):
    """Un vrai serveur SMTP local et le compte d'envoi de la collectivité vers lui."""
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    return serveur


# --- Ajouter un agent : ni rattachement ni fuite -------------------------------------------


def test_ajouter_l_adresse_d_un_compte_d_ailleurs_ne_rattache_rien_et_ne_montre_rien(
    monde, victime, django_capture_on_commit_callbacks
):
    client = monde.client("administrateur")
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(
            reverse("comptes:agent_ajouter"), _formulaire("VALERIE@autre-ville.test")
        )
    assert reponse.status_code == 302
    assert not Role.objects.filter(utilisateur=victime, collectivite=monde.collectivite).exists()
    invitation = Invitation.objects.get(collectivite=monde.collectivite)
    assert invitation.utilisateur is None
    liste = client.get(reverse("comptes:agents")).content.decode()
    texte = " ".join(_messages(reponse)) + liste
    for secret in ("Secrète", "SECRÈTE", "Valérie", ">victime<"):
        assert secret not in texte
    journal = client.get(reverse("journal:liste")).content.decode()
    for secret in ("SECRÈTE", "Valérie", "victime"):
        assert secret not in journal
    ici = EntreeJournal.objects.filter(collectivite=monde.collectivite)
    assert not ici.filter(sujet_id=str(victime.pk)).exists()
    assert not ici.filter(objet_id=str(victime.pk)).exists()
    victime.refresh_from_db()
    assert victime.email == "valerie@autre-ville.test"
    assert not victime.has_usable_password()
    # Le lien d'activation de l'autre collectivité n'est ni créé ni révoqué d'ici.
    assert not LienSecurise.objects.filter(cible_id=str(victime.pk)).exists()


def _ligne(page: str, email: str) -> str:
    ligne = page.split(f">{email}<")[0].rsplit("<tr>", 1)[1] + page.split(f">{email}<", 1)[1]
    ligne = ligne.split("</tr>")[0]
    return re.sub(r"/invitations/\d+/", "/invitations/N/", ligne.replace(email, "X"))


def test_reponse_liste_et_courriel_identiques_qu_un_compte_existe_ou_non(
    monde, victime, envoi, django_capture_on_commit_callbacks
):
    """Adresse d'un compte d'une autre collectivité, adresse d'un compte désactivé, adresse
    inconnue : même réponse, même ligne dans la liste, même courriel à l'adresse saisie."""
    desactive = UtilisateurFactory(username="ancien", email="ancien@ailleurs.test", is_active=False)
    RoleFactory(utilisateur=desactive, collectivite=monde.autre, role=TypeRole.LECTURE)
    adresses = ["valerie@autre-ville.test", "ancien@ailleurs.test", "personne@nulle-part.test"]
    reponses = []
    for adresse in adresses:
        with django_capture_on_commit_callbacks(execute=True):
            reponses.append(
                monde.client("administrateur").post(
                    reverse("comptes:agent_ajouter"), _formulaire(adresse)
                )
            )
    client = monde.client("administrateur")
    assert {r.status_code for r in reponses} == {302}
    assert {r["Location"] for r in reponses} == {reverse("comptes:agents")}
    textes = [
        [m.replace(a, "X") for m in _messages(r)] for r, a in zip(reponses, adresses, strict=True)
    ]
    assert textes[0] == textes[1] == textes[2]
    page = client.get(reverse("comptes:agents")).content.decode()
    lignes = [_ligne(page, a) for a in adresses]
    assert lignes[0] == lignes[1] == lignes[2]
    assert "en attente" in lignes[0] and "Renvoyer" in lignes[0] and "Annuler" in lignes[0]

    recus = envoi.boite.recus
    assert [r.destinataires for r in recus] == [[a] for a in adresses]

    def normalise(recu, adresse):
        corps = _corps(recu).replace(_jeton(_corps(recu)), "JETON")
        entetes = {k: recu.message[k] for k in ("From", "Subject")}
        return entetes, corps.replace(adresse, "X"), recu.message["To"].replace(adresse, "X")

    courriels = [normalise(r, a) for r, a in zip(recus, adresses, strict=True)]
    assert courriels[0] == courriels[1] == courriels[2]
    assert "victime" not in str(courriels[0]) and "Valérie" not in str(courriels[0])
    # Aucun compte existant n'a reçu de rôle, d'invitation à son nom ni de lien.
    assert not Role.objects.filter(
        collectivite=monde.collectivite, utilisateur__in=[victime, desactive]
    ).exists()
    assert not Invitation.objects.filter(utilisateur__isnull=False).exists()


def test_rien_n_est_rattache_sans_que_le_compte_se_connecte_et_accepte(
    monde, victime, envoi, django_capture_on_commit_callbacks
):
    victime.set_password("Mot-de-passe-2026!")
    victime.save()
    with django_capture_on_commit_callbacks(execute=True):
        monde.client("administrateur").post(
            reverse("comptes:agent_ajouter"), _formulaire("valerie@autre-ville.test")
        )
    jeton = _jeton(_corps(envoi.boite.recus[0]))
    invitation = Invitation.objects.get()

    # Sans le lien : rien à faire sur la page de l'invitation.
    sans_lien = monde.client("anonyme").get(reverse("comptes:invitation"))
    assert sans_lien["Location"] == reverse("liens:accueil")
    # Le lien ouvert sans être connecté : la page propose de créer un compte ou de se
    # connecter, et ne dit rien d'un compte existant pour cette adresse.
    client = monde.client("anonyme")
    page = _ouvrir(client, jeton).content.decode()
    assert "Créer mon compte" in page and "Me connecter" in page
    assert "victime" not in page and "Secrète" not in page
    assert not Role.objects.filter(utilisateur=victime, collectivite=monde.collectivite).exists()
    # L'identifiant du compte existant ne peut pas être repris : « choisissez-en un autre »,
    # et rien n'est rattaché à ce compte.
    reponse = client.post(
        reverse("comptes:invitation"),
        {
            "choix": "creer",
            "prenom": "Pierre",
            "nom": "Pirate",
            "identifiant": "VICTIME",
            "mot_de_passe1": "Un-autre-secret-2026",
            "mot_de_passe2": "Un-autre-secret-2026",
        },
    )
    assert reponse.status_code == 400
    assert "choisissez-en un autre" in reponse.content.decode()
    assert not Role.objects.filter(utilisateur=victime, collectivite=monde.collectivite).exists()
    # Un autre compte connecté qui accepte avec le lien reçoit le rôle sur SON compte.
    autre = monde.personnes["sans_role"]
    client_autre = monde.client("sans_role")
    _ouvrir(client_autre, jeton)
    client_autre.post(reverse("comptes:invitation"), {"choix": "accepter"})
    assert Role.objects.filter(utilisateur=autre, collectivite=monde.collectivite).exists()
    assert not Role.objects.filter(utilisateur=victime, collectivite=monde.collectivite).exists()
    invitation.refresh_from_db()
    assert invitation.utilisateur == autre
    # Le lien ne sert qu'une fois : la victime ne peut plus l'utiliser, et rien ne change.
    deja = _ouvrir(monde.client("anonyme"), jeton)
    assert deja.status_code == 410
    assert not Role.objects.filter(utilisateur=victime, collectivite=monde.collectivite).exists()


def test_le_compte_existant_se_connecte_et_accepte(
    monde, victime, envoi, django_capture_on_commit_callbacks
):
    victime.set_password("Mot-de-passe-2026!")
    victime.save()
    with django_capture_on_commit_callbacks(execute=True):
        monde.client("administrateur").post(
            reverse("comptes:agent_ajouter"),
            _formulaire("valerie@autre-ville.test", role=TypeRole.LECTURE),
        )
    jeton = _jeton(_corps(envoi.boite.recus[0]))
    client = monde.client("anonyme")
    _ouvrir(client, jeton)
    # Connexion par le formulaire habituel, retour à l'invitation : le lien reste en session.
    connexion = client.post(
        f"{reverse('login')}?next={reverse('comptes:invitation')}",
        {"username": "victime", "password": "Mot-de-passe-2026!"},
    )
    assert connexion["Location"] == reverse("comptes:invitation")
    page = client.get(reverse("comptes:invitation"))
    assert page.status_code == 200, (page.status_code, page.get("Location"))
    page = page.content.decode()
    assert "Accepter l'invitation" in page and "victime" in page
    assert not Role.objects.filter(utilisateur=victime, collectivite=monde.collectivite).exists()
    reponse = client.post(reverse("comptes:invitation"), {"choix": "accepter"})
    assert reponse["Location"] == reverse("pages:accueil")
    role = Role.objects.get(utilisateur=victime, collectivite=monde.collectivite)
    assert role.role == TypeRole.LECTURE
    entree = EntreeJournal.objects.get(action="invitation_acceptee")
    assert entree.acteur == victime and entree.collectivite == monde.collectivite
    # Son autre rôle est intact.
    assert Role.objects.filter(utilisateur=victime, collectivite=monde.autre).exists()


def test_l_administrateur_invitant_ne_peut_pas_accepter_a_la_place(
    monde, victime, envoi, django_capture_on_commit_callbacks
):
    admin = monde.client("administrateur")
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("comptes:agent_ajouter"), _formulaire("valerie@autre-ville.test"))
    # Sans le lien (qui n'est parti qu'à l'adresse saisie), aucune page ne l'accepte.
    assert admin.get(reverse("comptes:invitation"))["Location"] == reverse("liens:accueil")
    assert admin.post(reverse("comptes:invitation"), {"choix": "accepter"}).status_code == 302
    # Même avec le lien, il accepterait pour son propre compte, qui a déjà un rôle ici.
    jeton = _jeton(_corps(envoi.boite.recus[0]))
    _ouvrir(admin, jeton)
    reponse = admin.post(reverse("comptes:invitation"), {"choix": "accepter"})
    assert reponse.status_code == 400
    assert "déjà un rôle" in reponse.content.decode()
    assert not Role.objects.filter(utilisateur=victime, collectivite=monde.collectivite).exists()
    assert Invitation.objects.get().statut == StatutInvitation.EN_ATTENTE


def test_une_seconde_demande_n_envoie_pas_un_second_courriel(
    monde, victime, django_capture_on_commit_callbacks
):
    client = monde.client("administrateur")
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        client.post(reverse("comptes:agent_ajouter"), _formulaire("valerie@autre-ville.test"))
        seconde = client.post(
            reverse("comptes:agent_ajouter"), _formulaire("Valerie@Autre-Ville.test")
        )
    assert len(rappels) == 1
    assert seconde.status_code == 400
    assert "déjà en attente" in seconde.content.decode()
    assert Invitation.objects.count() == 1


def test_refuser_une_invitation(monde, envoi, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        monde.client("administrateur").post(
            reverse("comptes:agent_ajouter"), _formulaire("z@exemple.test")
        )
    client = monde.client("elu")
    _ouvrir(client, _jeton(_corps(envoi.boite.recus[0])))
    reponse = client.post(reverse("comptes:invitation"), {"choix": "refuser"}, follow=True)
    assert "refusée" in reponse.content.decode()
    assert Invitation.objects.get().statut == StatutInvitation.REFUSEE
    assert not Role.objects.filter(
        collectivite=monde.collectivite, utilisateur__username="u-elu"
    ).exists()
    # Le journal de la collectivité ne dit pas quel compte a refusé.
    entree = EntreeJournal.objects.get(action="invitation_refusee")
    assert entree.acteur is None


# --- Renvoyer le lien d'activation : jamais pour un compte lié ailleurs --------------------


def test_le_lien_d_un_compte_lie_ailleurs_n_est_jamais_renvoye(
    monde, victime, django_capture_on_commit_callbacks
):
    # Le compte a aussi un rôle ici (donné avant la correction, ou par le personnel).
    role = RoleFactory(utilisateur=victime, collectivite=monde.collectivite, role=TypeRole.LECTURE)
    _compte_d_envoi(monde.collectivite)
    client = monde.client("administrateur")
    page = client.get(reverse("comptes:agent_modifier", args=[role.pk])).content.decode()
    assert "Renvoyer le lien d&#x27;activation" not in page
    liste = client.get(reverse("comptes:agents")).content.decode()
    assert "Renvoyer" not in liste.split(">victime<")[1].split("</tr>")[0]
    with django_capture_on_commit_callbacks(execute=True) as rappels:
        reponse = client.post(reverse("comptes:agent_activation", args=[role.pk]))
    assert reponse.status_code == 302
    assert rappels == []
    assert not LienSecurise.objects.filter(cible_id=str(victime.pk)).exists()
    assert mail.outbox == []


def test_le_lien_d_un_agent_d_ici_seulement_se_renvoie(monde, django_capture_on_commit_callbacks):
    nouveau = UtilisateurFactory(username="nouveau", password=None)
    nouveau.set_unusable_password()
    nouveau.save()
    role = RoleFactory(utilisateur=nouveau, collectivite=monde.collectivite, role=TypeRole.LECTURE)
    _compte_d_envoi(monde.collectivite)
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        monde.client("administrateur").post(
            reverse("comptes:agent_activation", args=[role.pk]), {"suivant": "liste"}
        )
    assert len([r for r in rappels if not est_un_oubli(r)]) == 1


# --- Essais d'identification comptés par personne ------------------------------------------


def test_un_nouveau_lien_ne_rend_pas_les_essais(monde, victime):
    lien, _ = lien_creer(
        collectivite=monde.autre,
        objectif="activation",
        cible=victime,
        duree=timedelta(days=7),
        date_naissance=victime.date_naissance,
    )
    for _ in range(lien.tentatives_max):
        assert not lien_verifier_identite(lien=lien, date_naissance=date(2000, 1, 1))
    nouveau, _ = lien_creer(
        collectivite=monde.autre,
        objectif="activation",
        cible=victime,
        duree=timedelta(days=7),
        date_naissance=victime.date_naissance,
    )
    with pytest.raises(LienVerrouille):
        lien_verifier_identite(lien=nouveau, date_naissance=victime.date_naissance)


def test_le_blocage_tombe_apres_24_heures(monde, victime):
    from core.models import CompteurIdentite

    lien, _ = lien_creer(
        collectivite=monde.autre,
        objectif="activation",
        cible=victime,
        duree=timedelta(days=7),
        date_naissance=victime.date_naissance,
    )
    for _ in range(lien.tentatives_max):
        lien_verifier_identite(lien=lien, date_naissance=date(2000, 1, 1))
    nouveau, _ = lien_creer(
        collectivite=monde.autre,
        objectif="activation",
        cible=victime,
        duree=timedelta(days=7),
        date_naissance=victime.date_naissance,
    )
    CompteurIdentite.objects.update(verrouille_le=timezone.now() - timedelta(hours=25))
    assert lien_verifier_identite(lien=nouveau, date_naissance=victime.date_naissance)


def test_le_personnel_debloque_une_personne(monde, victime):
    from core.liens.services import identite_debloquer

    lien, _ = lien_creer(
        collectivite=monde.autre,
        objectif="activation",
        cible=victime,
        duree=timedelta(days=7),
        date_naissance=victime.date_naissance,
    )
    for _ in range(lien.tentatives_max):
        lien_verifier_identite(lien=lien, date_naissance=date(2000, 1, 1))
    identite_debloquer(cible=victime, par=None)
    nouveau, _ = lien_creer(
        collectivite=monde.autre,
        objectif="activation",
        cible=victime,
        duree=timedelta(days=7),
        date_naissance=victime.date_naissance,
    )
    assert lien_verifier_identite(lien=nouveau, date_naissance=victime.date_naissance)


# --- Admin Django : le personnel limité ne voit pas les gens d'ailleurs --------------------


def _personnel(monde) -> Utilisateur:
    personne = UtilisateurFactory(username="staff-a", is_staff=True)
    personne.user_permissions.set(Permission.objects.filter(content_type__app_label="core"))
    Role.objects.create(
        utilisateur=personne, collectivite=monde.collectivite, role=TypeRole.ADMINISTRATEUR
    )
    return personne


def test_les_listes_de_choix_de_l_admin_ne_montrent_que_le_perimetre(monde, client):
    client.force_login(_personnel(monde))
    page = client.get(reverse("admin:core_travail_add")).content.decode()
    assert str(monde.personnes["lecture"]) in page
    autre = monde.personnes["autre_collectivite"]
    assert f'value="{autre.pk}"' not in page
    assert str(autre) not in page
    page_smtp = client.get(reverse("admin:core_role_add")).content.decode()
    assert str(autre) not in page_smtp


def test_l_admin_refuse_un_demandeur_d_ailleurs(monde, client):
    client.force_login(_personnel(monde))
    reponse = client.post(
        reverse("admin:core_travail_add"),
        {
            "collectivite": monde.collectivite.pk,
            "type": "essai",
            "libelle": "Essai",
            "statut": "en_attente",
            "progression": 0,
            "total": 0,
            "demandeur": monde.personnes["autre_collectivite"].pk,
        },
    )
    assert reponse.status_code == 200
    assert not Travail.objects.filter(libelle="Essai").exists()


# --- Règle du dernier administrateur : une seule, par Paramètres comme par l'admin ----------


def _superutilisateur():
    return UtilisateurFactory(username="super", is_staff=True, is_superuser=True)


def test_l_admin_ne_supprime_pas_le_dernier_administrateur(monde, client):
    client.force_login(_superutilisateur())
    role = Role.objects.get(utilisateur=monde.personnes["administrateur"])
    reponse = client.post(reverse("admin:core_role_delete", args=[role.pk]), {"post": "yes"})
    assert reponse.status_code == 302
    assert Role.objects.filter(pk=role.pk).exists()
    messages = [str(m) for m in get_messages(reponse.wsgi_request)]
    assert any("au moins un administrateur actif" in m for m in messages)
    assert not any("supprimé" in m for m in messages)


def test_l_admin_en_lot_ne_supprime_pas_le_dernier_administrateur(monde, client):
    client.force_login(_superutilisateur())
    role = Role.objects.get(utilisateur=monde.personnes["administrateur"])
    client.post(
        reverse("admin:core_role_changelist"),
        {"action": "delete_selected", "_selected_action": [role.pk], "post": "yes"},
    )
    assert Role.objects.filter(pk=role.pk).exists()


def test_l_admin_passe_par_le_service_pour_modifier_un_role(monde, monkeypatch):
    """save_model appelle role_modifier (ses verrous), pas un save() direct."""
    from core.comptes import admin as core_admin

    appels = []
    vrai = core_admin.role_modifier

    def espion(**kwargs):
        appels.append(kwargs)
        return vrai(**kwargs)

    monkeypatch.setattr(core_admin, "role_modifier", espion)
    role = Role.objects.get(utilisateur=monde.personnes["lecture"])
    role.role = TypeRole.AGENT_ELECTIONS
    requete = RequestFactory().post("/")
    requete.user = _superutilisateur()
    admin.site._registry[Role].save_model(requete, role, None, True)
    assert appels and appels[0]["nouveau_role"] == TypeRole.AGENT_ELECTIONS
    role.refresh_from_db()
    assert role.role == TypeRole.AGENT_ELECTIONS


def test_l_admin_en_ligne_garde_un_administrateur_actif(monde, client):
    client.force_login(_superutilisateur())
    personne = monde.personnes["administrateur"]
    role = personne.roles.get()
    donnees = {
        "username": personne.username,
        "first_name": personne.first_name,
        "last_name": personne.last_name,
        "email": personne.email,
        "is_active": "on",
        "date_joined_0": "01/01/2026",
        "date_joined_1": "10:00:00",
        "roles-TOTAL_FORMS": "1",
        "roles-INITIAL_FORMS": "1",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        "roles-0-id": role.pk,
        "roles-0-utilisateur": personne.pk,
        "roles-0-collectivite": monde.collectivite.pk,
        "roles-0-role": "lecture",
        "roles-0-actif": "on",
    }
    reponse = client.post(reverse("admin:core_utilisateur_change", args=[personne.pk]), donnees)
    assert reponse.status_code == 200
    assert "au moins un administrateur actif" in reponse.content.decode()
    role.refresh_from_db()
    assert role.role == TypeRole.ADMINISTRATEUR


def test_le_service_supprimer_garde_le_dernier_administrateur(monde):
    from core.comptes.services import role_supprimer

    role = Role.objects.get(utilisateur=monde.personnes["administrateur"])
    with pytest.raises(ValidationError):
        role_supprimer(role=role, par=monde.personnes["administrateur"])
    assert Role.objects.filter(pk=role.pk).exists()


# --- Liste des agents : états lisibles, journal distinct ------------------------------------


def test_un_agent_jamais_active_est_une_invitation_non_activee(monde):
    nouveau = UtilisateurFactory(username="nouveau", password=None)
    nouveau.set_unusable_password()
    nouveau.save()
    RoleFactory(utilisateur=nouveau, collectivite=monde.collectivite, role=TypeRole.LECTURE)
    lien, _ = lien_creer(
        collectivite=monde.collectivite,
        objectif="activation",
        cible=nouveau,
        duree=timedelta(days=7),
    )
    LienSecurise.objects.filter(pk=lien.pk).update(
        cree_le=timezone.make_aware(timezone.datetime(2026, 11, 25, 10, 0))
    )
    page = monde.client("administrateur").get(reverse("comptes:agents")).content.decode()
    ligne = page.split(">nouveau<")[1].split("</tr>")[0]
    assert "Invitation envoyée le 25/11/2026, non activé" in ligne
    assert "Renvoyer" in ligne
    assert "jamais" not in ligne


def test_retirer_puis_retablir_un_acces_le_dit(monde):
    client = monde.client("administrateur")
    role = Role.objects.get(utilisateur=monde.personnes["lecture"])
    url = reverse("comptes:agent_modifier", args=[role.pk])
    retrait = client.post(url, {"role": TypeRole.LECTURE}, follow=True)
    assert "retiré" in retrait.content.decode()
    assert "Accès retiré" in client.get(reverse("comptes:agents")).content.decode()
    retour = client.post(url, {"role": TypeRole.LECTURE, "actif": "on"}, follow=True)
    assert "rétabli" in retour.content.decode()
    actions = list(
        EntreeJournal.objects.filter(objet_id=str(role.pk), objet_type="core.role")
        .order_by("numero")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["role_retire", "role_retabli"]


def test_changer_seulement_le_role_reste_role_modifie(monde):
    role = Role.objects.get(utilisateur=monde.personnes["lecture"])
    role_modifier(
        role=role,
        par=monde.personnes["administrateur"],
        nouveau_role=TypeRole.AGENT_ELECTIONS,
        actif=True,
    )
    derniere = EntreeJournal.objects.filter(objet_id=str(role.pk)).latest("numero")
    assert derniere.action == "role_modifie"


def test_le_superutilisateur_rend_ses_essais_depuis_l_admin(monde, victime, client):
    from core.models import CompteurIdentite

    compteur = CompteurIdentite.objects.create(
        cible_type="core.utilisateur",
        cible_id=str(victime.pk),
        echecs=5,
        verrouille_le=timezone.now(),
    )
    client.force_login(_personnel(monde))
    url = reverse("admin:core_compteuridentite_delete", args=[compteur.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    client.force_login(_superutilisateur())
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not CompteurIdentite.objects.exists()
    assert EntreeJournal.objects.filter(action="identite_debloquee").exists()
