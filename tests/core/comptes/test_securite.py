"""Comptes et rôles entre collectivités : chaque attaque de la revue est rejouée ici.

Un administrateur ne rattache, ne montre, n'active ni ne réinitialise jamais un compte qui a
un lien avec une autre collectivité ; la personne invitée accepte connectée à son compte.
"""

from __future__ import annotations

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

from core.comptes.services import agent_ajouter, role_modifier
from core.liens.services import LienVerrouille, lien_creer, lien_verifier_identite
from core.models import (
    CompteSMTP,
    EntreeJournal,
    LienSecurise,
    Role,
    Travail,
    TypeRole,
    Utilisateur,
)
from tests.factories import RoleFactory, UtilisateurFactory

pytestmark = pytest.mark.django_db


def _formulaire(identifiant: str, **autres: str) -> dict[str, str]:
    return {
        "prenom": "Pierre",
        "nom": "Pirate",
        "email": "pirate@attaquant.test",
        "identifiant": identifiant,
        "role": TypeRole.ADMINISTRATEUR,
        **autres,
    }


def _messages(reponse) -> list[str]:
    return [str(m) for m in get_messages(reponse.wsgi_request)]


def _compte_d_envoi(collectivite) -> CompteSMTP:
    return CompteSMTP.objects.create(
        collectivite=collectivite, adresse_expediteur="mairie@exemple.test", hote="127.0.0.1"
    )


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


# --- Ajouter un agent : ni rattachement ni fuite -------------------------------------------


def test_ajouter_un_identifiant_d_ailleurs_ne_rattache_rien_et_ne_montre_rien(monde, victime):
    client = monde.client("administrateur")
    reponse = client.post(reverse("comptes:agent_ajouter"), _formulaire("VICTIME"))
    assert reponse.status_code == 302
    assert not Role.objects.filter(utilisateur=victime, collectivite=monde.collectivite).exists()
    liste = client.get(reverse("comptes:agents")).content.decode()
    texte = " ".join(_messages(reponse)) + liste
    for secret in ("valerie@autre-ville.test", "Secrète", "SECRÈTE", "Valérie"):
        assert secret not in texte
    journal = client.get(reverse("journal:liste")).content.decode()
    for secret in ("valerie@autre-ville.test", "SECRÈTE", "Valérie", "victime"):
        assert secret not in journal
    assert not EntreeJournal.objects.filter(
        collectivite=monde.collectivite, sujet_id=str(victime.pk)
    ).exists()
    victime.refresh_from_db()
    assert victime.email == "valerie@autre-ville.test"
    assert not victime.has_usable_password()


def test_la_reponse_est_la_meme_que_l_identifiant_soit_libre_ou_pris(monde, victime):
    def ajouter(identifiant):
        client = monde.client("administrateur")
        return client.post(reverse("comptes:agent_ajouter"), _formulaire(identifiant))

    pris = ajouter("victime")
    libre = ajouter("nouveau-venu")
    desactive = UtilisateurFactory(username="ancien", is_active=False)
    RoleFactory(utilisateur=desactive, collectivite=monde.autre, role=TypeRole.LECTURE)
    inactif = ajouter("ancien")
    assert pris.status_code == libre.status_code == inactif.status_code == 302
    assert pris["Location"] == libre["Location"] == inactif["Location"]

    def neutre(reponse, identifiant):
        return [m.replace(identifiant, "X") for m in _messages(reponse)]

    assert neutre(pris, "victime") == neutre(libre, "nouveau-venu") == neutre(inactif, "ancien")


def test_l_identifiant_d_ailleurs_recoit_une_invitation_a_sa_propre_adresse(
    monde, victime, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        monde.client("administrateur").post(
            reverse("comptes:agent_ajouter"), _formulaire("victime")
        )
    assert [m.to for m in mail.outbox] == [["valerie@autre-ville.test"]]
    assert "pirate@attaquant.test" not in str(mail.outbox[0].message())
    assert reverse("comptes:invitations") in mail.outbox[0].body
    # Aucun lien d'activation, aucune révocation du lien de l'autre collectivité.
    assert not LienSecurise.objects.filter(cible_id=str(victime.pk)).exists()


def test_une_seconde_demande_n_envoie_pas_un_second_courriel(
    monde, victime, django_capture_on_commit_callbacks
):
    client = monde.client("administrateur")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("comptes:agent_ajouter"), _formulaire("victime"))
        client.post(reverse("comptes:agent_ajouter"), _formulaire("victime"))
    assert len(mail.outbox) == 1


def test_l_invitation_s_accepte_connecte_a_son_propre_compte(monde, victime):
    agent_ajouter(
        collectivite=monde.collectivite,
        par=monde.personnes["administrateur"],
        identifiant="victime",
        role=TypeRole.LECTURE,
        prenom="x",
        nom="y",
        email="pirate@attaquant.test",
    )
    victime.set_password("Mot-de-passe-2026!")
    victime.save()
    invitation = victime.invitations.get()
    # Quelqu'un d'autre (même l'administrateur invitant) ne peut pas l'accepter.
    for profil in ("administrateur", "autre_collectivite"):
        reponse = monde.client(profil).post(
            reverse("comptes:invitation_accepter", args=[invitation.pk])
        )
        assert reponse.status_code == 404
    assert not Role.objects.filter(utilisateur=victime, collectivite=monde.collectivite).exists()
    # Anonyme : vers la connexion.
    anonyme = monde.client("anonyme").get(reverse("comptes:invitations"))
    assert anonyme["Location"].startswith(reverse("login"))

    client = monde.client("anonyme")
    client.force_login(victime)
    page = client.get(reverse("comptes:invitations")).content.decode()
    assert monde.collectivite.nom in page and "lecture seule" in page
    reponse = client.post(reverse("comptes:invitation_accepter", args=[invitation.pk]))
    assert reponse.status_code == 302
    role = Role.objects.get(utilisateur=victime, collectivite=monde.collectivite)
    assert role.role == TypeRole.LECTURE
    assert EntreeJournal.objects.filter(action="invitation_acceptee").exists()
    # Une invitation n'est acceptée qu'une fois.
    assert (
        client.post(reverse("comptes:invitation_accepter", args=[invitation.pk])).status_code == 404
    )


def test_refuser_une_invitation(monde, victime):
    agent_ajouter(
        collectivite=monde.collectivite,
        par=monde.personnes["administrateur"],
        identifiant="victime",
        role=TypeRole.LECTURE,
        prenom="x",
        nom="y",
        email="z@exemple.test",
    )
    client = monde.client("anonyme")
    client.force_login(victime)
    invitation = victime.invitations.get()
    reponse = client.post(reverse("comptes:invitation_refuser", args=[invitation.pk]), follow=True)
    assert "refusée" in reponse.content.decode()
    assert not Role.objects.filter(utilisateur=victime, collectivite=monde.collectivite).exists()


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
    assert len(rappels) == 1


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
