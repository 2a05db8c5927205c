from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.comptes.services import agent_ajouter, role_modifier
from core.liens.services import activation_envoyer
from core.mail.models import EnvoiActivation, EnvoiInvitation, StatutEnvoi
from core.models import (
    EntreeJournal,
    Invitation,
    LienSecurise,
    Role,
    StatutInvitation,
    TypeRole,
    Utilisateur,
)
from tests.factories import CollectiviteFactory, RoleFactory, UtilisateurFactory
from tests.smtp_local import *  # noqa: F403
from tests.smtp_local import creer_compte

pytestmark = pytest.mark.django_db


def test_agent_ajouter_cree_une_invitation_et_l_envoie_a_l_adresse_saisie(
    monde, serveur_smtp, django_capture_on_commit_callbacks
):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = agent_ajouter(
            collectivite=monde.collectivite,
            par=monde.personnes["administrateur"],
            prenom="Léa",
            nom="Durand",
            email="lea@exemple.test",
            role=TypeRole.AGENT_ELECTIONS,
        )
    assert invitation.statut == StatutInvitation.EN_ATTENTE
    assert invitation.utilisateur is None
    # Ni compte ni rôle : ils naîtront de l'acceptation, par la personne.
    assert not Utilisateur.objects.filter(email="lea@exemple.test").exists()
    assert Role.objects.filter(collectivite=monde.collectivite).count() == 4
    assert EntreeJournal.objects.filter(
        action="invitation_envoyee",
        collectivite=monde.collectivite,
        acteur=monde.personnes["administrateur"],
        objet_id=str(invitation.pk),
    ).exists()
    recus = serveur.boite.recus
    assert len(recus) == 1
    assert recus[0].message["To"] == "lea@exemple.test"
    corps = recus[0].message.get_body(("plain",)).get_content()
    assert "/l/" in corps and "Saint-Test" in corps and "agent élections" in corps
    lien = LienSecurise.objects.get(objectif="invitation", cible_id=str(invitation.pk))
    assert lien.usage_unique and lien.collectivite == monde.collectivite


def test_agent_ajouter_refuse_une_seconde_invitation_en_attente_pour_la_meme_adresse(monde):
    donnees = {
        "collectivite": monde.collectivite,
        "par": monde.personnes["administrateur"],
        "prenom": "x",
        "nom": "y",
        "role": TypeRole.LECTURE,
    }
    agent_ajouter(email="z@exemple.test", **donnees)
    with pytest.raises(ValidationError) as erreur:
        agent_ajouter(email=" Z@Exemple.test ", **donnees)
    assert "déjà en attente" in str(erreur.value)
    # Une autre collectivité peut inviter la même adresse.
    donnees["collectivite"] = monde.autre
    agent_ajouter(email="z@exemple.test", **donnees)


def test_le_dernier_administrateur_ne_peut_pas_se_retirer(monde):
    role = Role.objects.get(utilisateur=monde.personnes["administrateur"])
    with pytest.raises(ValidationError) as erreur:
        role_modifier(
            role=role,
            par=monde.personnes["administrateur"],
            nouveau_role=TypeRole.LECTURE,
            actif=True,
        )
    assert "au moins un administrateur" in str(erreur.value)
    role.refresh_from_db()
    assert role.role == TypeRole.ADMINISTRATEUR


def test_retirer_un_acces_ferme_le_back_office(monde):
    role = Role.objects.get(utilisateur=monde.personnes["lecture"])
    role_modifier(
        role=role, par=monde.personnes["administrateur"], nouveau_role=TypeRole.LECTURE, actif=False
    )
    client = monde.client("lecture")
    assert client.get(reverse("journal:liste")).status_code == 403
    # L'Accueil n'est plus qu'une page qui le dit, avec la déconnexion.
    assert "aucun accès pour l'instant" in client.get(reverse("pages:accueil")).content.decode()


def test_vue_ajouter_agent_erreurs_en_francais(monde):
    client = monde.client("administrateur")
    page = client.get(reverse("comptes:agent_ajouter")).content.decode()
    assert 'name="identifiant"' not in page
    reponse = client.post(
        reverse("comptes:agent_ajouter"),
        {"prenom": "", "nom": "N", "email": "pas-un-courriel", "role": "inconnu"},
    )
    assert reponse.status_code == 400
    contenu = reponse.content.decode()
    assert "Saisissez une adresse de courriel valide" in contenu
    assert 'href="#id_prenom"' in contenu
    assert not Invitation.objects.exists()


def test_vue_ajouter_agent_redirige_avec_un_message(monde):
    client = monde.client("administrateur")
    reponse = client.post(
        reverse("comptes:agent_ajouter"),
        {
            "prenom": "Léa",
            "nom": "Durand",
            "email": "lea@exemple.test",
            "identifiant": "ignore",
            "role": TypeRole.SECRETARIAT,
        },
        follow=True,
    )
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert "Invitation envoyée à lea@exemple.test" in contenu
    assert "à lea@exemple.test, en attente" in contenu
    assert not Utilisateur.objects.filter(username="ignore").exists()
    assert Invitation.objects.get().role == TypeRole.SECRETARIAT


def test_vue_agents_ne_montre_que_la_collectivite_courante(monde):
    contenu = monde.client("administrateur").get(reverse("comptes:agents")).content.decode()
    assert "u-lecture" in contenu
    assert "u-autre" not in contenu
    contenu_autre = (
        monde.client("autre_collectivite").get(reverse("comptes:agents")).content.decode()
    )
    assert "u-lecture" not in contenu_autre


def test_vue_agents_nombre_de_requetes_constant(monde, django_assert_max_num_queries):
    client = monde.client("administrateur")
    client.get(reverse("comptes:agents"))
    for _ in range(30):
        RoleFactory(collectivite=monde.collectivite, role=TypeRole.LECTURE)
    with django_assert_max_num_queries(8):
        reponse = client.get(reverse("comptes:agents"))
    assert reponse.context["paginator"].count == 34


def test_modifier_un_role_d_une_autre_collectivite_repond_404(monde):
    role_autre = Role.objects.get(utilisateur=monde.personnes["autre_collectivite"])
    reponse = monde.client("administrateur").post(
        reverse("comptes:agent_modifier", args=[role_autre.pk]), {"role": TypeRole.LECTURE}
    )
    assert reponse.status_code == 404
    role_autre.refresh_from_db()
    assert role_autre.role == TypeRole.ADMINISTRATEUR


def test_changer_de_collectivite(monde):
    personne = monde.personnes["agent_elections"]
    seconde = CollectiviteFactory(nom="Bourg-Second")
    RoleFactory(utilisateur=personne, collectivite=seconde, role=TypeRole.LECTURE)
    client = monde.client("agent_elections", csrf=False)
    reponse = client.post(
        reverse("pages:collectivite_choisir"),
        {"collectivite": seconde.pk, "next": "https://ailleurs.example/"},
    )
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("pages:accueil")  # pas de redirection ouverte
    assert "Bourg-Second" in client.get(reverse("pages:accueil")).content.decode()
    # Une collectivité où la personne n'a pas de rôle ne change rien.
    client.post(reverse("pages:collectivite_choisir"), {"collectivite": monde.autre.pk})
    assert (
        "Autre-Ville" not in client.get(reverse("pages:accueil")).content.decode().split("<main")[1]
    )


def test_changer_de_collectivite_exige_le_jeton_csrf(monde):
    client = monde.client("agent_elections", csrf=True)
    reponse = client.post(
        reverse("pages:collectivite_choisir"), {"collectivite": monde.collectivite.pk}
    )
    assert reponse.status_code == 403


def test_logo_refuse_un_fichier_qui_n_est_pas_une_image(monde):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = monde.client("administrateur")
    faux = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    donnees = {"nom": "Saint-Test", "population_legale": 2150, "logo": faux}
    reponse = client.post(reverse("tenancy:collectivite"), donnees)
    assert reponse.status_code == 400
    assert "PNG ou JPEG" in reponse.content.decode()


def test_logo_png_enregistre_sous_un_nom_aleatoire_et_servi_par_une_vue(monde):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = monde.client("administrateur")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    reponse = client.post(
        reverse("tenancy:collectivite"),
        {
            "nom": "Saint-Test",
            "population_legale": 2150,
            "logo": SimpleUploadedFile("../../x.png", png),
        },
    )
    assert reponse.status_code == 302
    monde.collectivite.refresh_from_db()
    assert "x.png" not in monde.collectivite.logo.name
    servi = client.get(reverse("tenancy:logo"))
    assert servi.status_code == 200
    assert servi["X-Content-Type-Options"] == "nosniff"
    assert b"".join(servi.streaming_content) == png


def test_ajout_sans_compte_d_envoi_previent_l_agent(monde):
    reponse = monde.client("administrateur").post(
        reverse("comptes:agent_ajouter"),
        {"prenom": "Léa", "nom": "Durand", "email": "lea@exemple.test", "role": TypeRole.LECTURE},
        follow=True,
    )
    contenu = reponse.content.decode()
    assert "Aucun compte d&#x27;envoi n&#x27;est configuré : l&#x27;invitation" in contenu


@pytest.mark.django_db(transaction=True)
def test_renvoyer_le_lien_d_activation(monde, serveur_smtp, django_capture_on_commit_callbacks):
    """Comptes créés avant les invitations (ou par le personnel) et jamais activés."""
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    personne = UtilisateurFactory(username="ldurand", email="lea@exemple.test", password=None)
    personne.set_unusable_password()
    personne.save()
    role = RoleFactory(utilisateur=personne, collectivite=monde.collectivite, role=TypeRole.LECTURE)
    with django_capture_on_commit_callbacks(execute=True):
        activation_envoyer(
            utilisateur=personne,
            collectivite=monde.collectivite,
            par=monde.personnes["administrateur"],
        )
    client = monde.client("administrateur")
    page = client.get(reverse("comptes:agent_modifier", args=[role.pk])).content.decode()
    assert "Renvoyer le lien d'activation" in page
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(reverse("comptes:agent_activation", args=[role.pk]))
    assert reponse.status_code == 302
    liens = LienSecurise.objects.filter(objectif="activation", cible_id=str(personne.pk))
    assert liens.count() == 2
    assert liens.filter(revoque_le__isnull=True).count() == 1  # le dernier émis l'emporte
    assert len(serveur.boite.recus) == 2  # le premier lien, puis le nouveau


@pytest.mark.parametrize("profil", ["agent_elections", "lecture", "autre_collectivite", "anonyme"])
def test_renvoyer_le_lien_refuse_hors_administrateur(monde, profil):
    role = Role.objects.get(utilisateur=monde.personnes["lecture"])
    reponse = monde.client(profil).post(reverse("comptes:agent_activation", args=[role.pk]))
    assert reponse.status_code == {"anonyme": 302, "autre_collectivite": 404}.get(profil, 403)


def test_renvoyer_le_lien_exige_le_jeton_csrf(monde):
    role = Role.objects.get(utilisateur=monde.personnes["lecture"])
    reponse = monde.client("administrateur", csrf=True).post(
        reverse("comptes:agent_activation", args=[role.pk])
    )
    assert reponse.status_code == 403


def test_une_commune_ne_peut_pas_cocher_le_critere_epci(monde):
    client = monde.client("administrateur")
    page = client.get(reverse("tenancy:collectivite")).content.decode()
    assert "membre_3500_ou_plus" not in page
    reponse = client.post(
        reverse("tenancy:collectivite"),
        {"nom": "Saint-Test", "population_legale": 2150, "membre_3500_ou_plus": "on"},
    )
    assert reponse.status_code == 302
    monde.collectivite.refresh_from_db()
    assert monde.collectivite.membre_3500_ou_plus is False


def test_fiche_collectivite_erreur_de_modele_en_400(monde):
    reponse = monde.client("administrateur").post(
        reverse("tenancy:collectivite"),
        {"nom": "Saint-Test", "population_legale": 2150, "code_insee": "ABCDE"},
    )
    assert reponse.status_code == 400
    assert "Code INSEE à 5 caractères" in reponse.content.decode()


def test_logo_servi_avec_le_type_du_contenu(monde):
    from django.core.files.base import ContentFile

    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 32
    monde.collectivite.logo.save("logo.html", ContentFile(jpeg))
    reponse = monde.client("lecture").get(reverse("tenancy:logo"))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "image/jpeg"
    assert reponse["Content-Security-Policy"] == "sandbox"
    monde.collectivite.logo.save("page.html", ContentFile(b"<script>alert(1)</script>"))
    assert monde.client("lecture").get(reverse("tenancy:logo")).status_code == 404


def test_changer_de_collectivite_avec_un_grand_identifiant(monde):
    """USE_THOUSAND_SEPARATOR ne doit pas transformer l'identifiant 12345 en « 12 345 »."""
    import re

    from core.models import Collectivite

    grande = Collectivite.objects.create(pk=12345, nom="Ville-Douze-Mille", slug="v12345")
    personne = monde.personnes["agent_elections"]
    RoleFactory(utilisateur=personne, collectivite=grande, role=TypeRole.LECTURE)
    client = monde.client("agent_elections")
    page = client.get(reverse("pages:accueil")).content.decode()
    valeurs = re.findall(r'<option value="([^"]+)"', page)
    assert "12345" in valeurs
    client.post(reverse("pages:collectivite_choisir"), {"collectivite": "12345"})
    assert (
        "Ville-Douze-Mille"
        in client.get(reverse("pages:accueil")).content.decode().split("<main")[1]
    )


@pytest.mark.parametrize("nom", ["comptes:agents", "mail:comptes"])
def test_recherche_avec_octet_nul_sans_erreur(monde, nom):
    reponse = monde.client("administrateur").get(reverse(nom), {"q": "a\x00b"})
    assert reponse.status_code == 200


def test_port_affiche_sans_separateur_de_milliers(monde):
    from core.models import CompteSMTP

    CompteSMTP.objects.create(
        collectivite=monde.collectivite, adresse_expediteur="m@exemple.test", hote="mail", port=1025
    )
    contenu = monde.client("administrateur").get(reverse("mail:comptes")).content.decode()
    assert "mail:1025" in contenu


def _avec_logo(monde) -> None:
    from django.core.files.base import ContentFile

    monde.collectivite.logo.save("ancien.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16))


def test_la_fiche_montre_le_logo_et_non_le_widget_brut_de_django(monde):
    _avec_logo(monde)
    contenu = monde.client("administrateur").get(reverse("tenancy:collectivite")).content
    page = contenu.decode()
    assert "Actuellement" not in page
    assert "Effacer" not in page
    assert "logos/" not in page
    assert f'<img class="logo-apercu" src="{reverse("tenancy:logo")}"' in page
    assert 'alt="Logo actuel de Saint-Test"' in page
    assert '<label for="id_retirer_logo">Retirer le logo</label>' in page
    assert 'accept="image/png,image/jpeg"' in page
    assert "Image PNG ou JPEG, 1 Mo au plus." in page
    assert 'aria-describedby="id_logo_helptext"' in page


def test_sans_logo_ni_apercu_ni_case_retirer(monde):
    page = monde.client("administrateur").get(reverse("tenancy:collectivite")).content.decode()
    assert "logo-apercu" not in page
    assert "Retirer le logo" not in page
    assert 'accept="image/png,image/jpeg"' in page


def test_retirer_le_logo(monde):
    _avec_logo(monde)
    client = monde.client("administrateur")
    reponse = client.post(
        reverse("tenancy:collectivite"),
        {"nom": "Saint-Test", "population_legale": 2150, "retirer_logo": "on"},
    )
    assert reponse.status_code == 302
    monde.collectivite.refresh_from_db()
    assert not monde.collectivite.logo
    assert client.get(reverse("tenancy:logo")).status_code == 404
    assert "logo-apercu" not in client.get(reverse("tenancy:collectivite")).content.decode()


def test_retirer_le_logo_et_en_envoyer_un_nouveau_est_refuse(monde):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _avec_logo(monde)
    ancien = monde.collectivite.logo.name
    reponse = monde.client("administrateur").post(
        reverse("tenancy:collectivite"),
        {
            "nom": "Saint-Test",
            "population_legale": 2150,
            "retirer_logo": "on",
            "logo": SimpleUploadedFile("n.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 8),
        },
    )
    assert reponse.status_code == 400
    assert "Choisissez un nouveau logo ou cochez « Retirer le logo », pas les deux." in (
        reponse.content.decode()
    )
    monde.collectivite.refresh_from_db()
    assert monde.collectivite.logo.name == ancien


def test_enregistrer_la_fiche_sans_toucher_au_logo_le_garde(monde):
    _avec_logo(monde)
    ancien = monde.collectivite.logo.name
    reponse = monde.client("administrateur").post(
        reverse("tenancy:collectivite"), {"nom": "Saint-Test", "population_legale": 2200}
    )
    assert reponse.status_code == 302
    monde.collectivite.refresh_from_db()
    assert (monde.collectivite.logo.name, monde.collectivite.population_legale) == (ancien, 2200)


def test_la_liste_des_agents_montre_les_envois_en_echec_ou_incertains(monde):
    """Un envoi refusé ou incertain n'est jamais refait seul : l'administrateur le voit."""
    invitation = Invitation.objects.create(
        collectivite=monde.collectivite,
        prenom="Claire",
        nom="Martin",
        email="claire@exemple.test",
        role=TypeRole.LECTURE,
        invite_par=monde.personnes["administrateur"],
        expire_le=timezone.now() + timedelta(days=7),
    )
    EnvoiInvitation.objects.create(
        collectivite=monde.collectivite,
        invitation=invitation,
        statut=StatutEnvoi.ECHEC,
        reponse_smtp="Adresse refusée par le serveur destinataire.",
    )
    nouveau = RoleFactory(collectivite=monde.collectivite, role=TypeRole.LECTURE).utilisateur
    nouveau.set_unusable_password()
    nouveau.save()
    EnvoiActivation.objects.create(
        collectivite=monde.collectivite, utilisateur=nouveau, statut=StatutEnvoi.INCERTAIN
    )

    contenu = monde.client("administrateur").get(reverse("comptes:agents")).content.decode()

    assert "Courriel non parti : Adresse refusée par le serveur destinataire." in contenu.replace(
        "&#x27;", "'"
    )
    assert "Envoi incertain : le courriel est peut-être parti." in contenu
