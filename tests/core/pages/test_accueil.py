import html

import pytest
from django.test import Client
from django.urls import reverse

from core.models import TypeRole
from tests.factories import RoleFactory

MOT_DE_PASSE = "mot-de-passe-solide-42"  # celui de UtilisateurFactory


@pytest.fixture
def socle_seul(monkeypatch):
    """La navigation du socle seul, comme si aucune application métier n'était installée (les
    réglages de test installent l'application d'exemple, `tests.exemple`)."""
    from core.comptes.permissions import Capacite
    from core.registry import registre

    metier = {Capacite.ELECTEURS, Capacite.AVIS, Capacite.CONVOCATIONS}
    socle = [e for e in registre.navigation if e.capacite not in metier]
    monkeypatch.setattr(registre, "navigation", socle)


@pytest.mark.django_db
def test_accueil_demande_une_connexion(monde):
    reponse = monde.client("anonyme").get(reverse("pages:accueil"))
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_accueil_montre_la_collectivite_courante(monde):
    reponse = monde.client(TypeRole.AGENT_ELECTIONS).get(reverse("pages:accueil"))
    assert reponse.status_code == 200
    assert "Saint-Test" in reponse.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("profil", ["sans_role", "elu"])
def test_accueil_sans_role_dit_pourquoi_et_propose_la_deconnexion(monde, profil):
    reponse = monde.client(profil).get(reverse("pages:accueil"))

    # Pas d'impasse « Accès refusé » : une page qui explique, et une sortie.
    assert reponse.status_code == 200
    page = html.unescape(reponse.content.decode())
    assert "<h1>Votre compte n'a aucun accès pour l'instant</h1>" in page
    assert "administrateur de votre mairie" in page
    assert f'action="{reverse("logout")}"' in page
    assert "Accès refusé" not in page


@pytest.mark.django_db
def test_un_membre_du_personnel_sans_role_va_a_l_administration(monde):
    personne = monde.personnes["sans_role"]
    personne.is_staff = True
    personne.save(update_fields=["is_staff"])

    reponse = monde.client("sans_role").get(reverse("pages:accueil"))

    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("admin:index")


@pytest.mark.django_db
def test_connexion_du_superutilisateur_sans_role_mene_a_l_administration(monde):
    from tests.factories import UtilisateurFactory

    UtilisateurFactory(username="admin", is_staff=True, is_superuser=True)
    client = Client()

    reponse = client.post(
        reverse("login"), {"username": "admin", "password": MOT_DE_PASSE}, follow=True
    )

    assert reponse.redirect_chain[-1][0] == reverse("admin:index")
    assert reponse.status_code == 200
    assert "seule l&#x27;administration" in reponse.content.decode()


@pytest.mark.django_db
def test_voir_le_site_mene_a_l_accueil_du_personnel_qui_a_un_role(monde):
    from django.contrib import admin

    personne = monde.personnes[TypeRole.ADMINISTRATEUR]
    personne.is_staff = True
    personne.save(update_fields=["is_staff"])
    client = monde.client(TypeRole.ADMINISTRATEUR)

    assert admin.site.site_url == reverse("pages:accueil")
    assert f'href="{admin.site.site_url}"' in client.get(reverse("admin:index")).content.decode()
    assert client.get(admin.site.site_url).status_code == 200


@pytest.mark.django_db
def test_page_refusee_du_personnel_sans_role_offre_l_administration(monde, settings):
    settings.DEBUG = False
    personne = monde.personnes["sans_role"]
    personne.is_staff = True
    personne.save(update_fields=["is_staff"])

    reponse = monde.client("sans_role").get(reverse("journal:liste"))

    assert reponse.status_code == 403
    assert f'href="{reverse("admin:index")}"' in reponse.content.decode()


@pytest.mark.django_db
def test_changer_de_collectivite_mene_a_l_accueil_de_la_nouvelle(monde):
    """Depuis une page que le nouveau rôle ne peut pas ouvrir (Agents, réservé à
    l'administrateur), le changement mène à l'Accueil, jamais à un 403."""
    personne = monde.personnes[TypeRole.ADMINISTRATEUR]
    RoleFactory(utilisateur=personne, collectivite=monde.autre, role=TypeRole.LECTURE)
    client = monde.client(TypeRole.ADMINISTRATEUR)
    assert client.get(reverse("comptes:agents")).status_code == 200

    reponse = client.post(
        reverse("pages:collectivite_choisir"),
        {"collectivite": monde.autre.pk, "next": reverse("comptes:agents")},
    )

    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("pages:accueil")
    assert client.get(reponse["Location"]).status_code == 200


@pytest.mark.django_db
def test_le_selecteur_n_envoie_plus_la_page_courante(monde):
    personne = monde.personnes[TypeRole.ADMINISTRATEUR]
    RoleFactory(utilisateur=personne, collectivite=monde.autre, role=TypeRole.LECTURE)

    page = monde.client(TypeRole.ADMINISTRATEUR).get(reverse("journal:liste")).content.decode()

    assert 'name="collectivite"' in page
    assert 'name="next"' not in page


@pytest.mark.django_db
def test_accueil_compte_les_travaux_en_cours_de_la_personne(monde):
    from core.models import Travail

    agent = monde.personnes[TypeRole.AGENT_ELECTIONS]
    for statut in ["en_attente", "en_cours", "termine"]:
        Travail.objects.create(
            collectivite=monde.collectivite,
            type="t",
            libelle=f"T {statut}",
            statut=statut,
            demandeur=agent,
        )
    Travail.objects.create(
        collectivite=monde.autre, type="t", libelle="Ailleurs", statut="en_cours", demandeur=agent
    )
    reponse = monde.client(TypeRole.AGENT_ELECTIONS).get(reverse("pages:accueil"))
    compteurs = {c.libelle: valeur for c, valeur in reponse.context["compteurs"]}
    assert compteurs["Vos travaux en cours"] == 2
    assert "Ailleurs" not in reponse.content.decode()


@pytest.mark.django_db
def test_les_commentaires_de_gabarits_ne_s_affichent_pas(monde):
    contenu = (
        monde.client(TypeRole.ADMINISTRATEUR).get(reverse("comptes:agent_ajouter")).content.decode()
    )
    assert "Variables :" not in contenu
    assert "{#" not in contenu


@pytest.mark.django_db
def test_accueil_de_la_lecture_seule_dit_ce_que_le_role_y_trouvera(monde, socle_seul):
    reponse = monde.client(TypeRole.LECTURE).get(reverse("pages:accueil"))

    page = html.unescape(reponse.content.decode())
    assert "Votre rôle : Lecture seule" in page
    for libelle in (
        "Électeurs, REU et télédossiers",
        "Avis et courriels aux électeurs",
        "Convocations des élus",
    ):
        assert libelle in page
    assert "Consulter (sans export de données personnelles)." in page
    assert page.count("Bientôt disponible") == 3
    assert "Votre rôle ne donne pas accès à : Paramètres" in page
    assert "modifier" not in page.split("titre-role")[1].split("titre-travaux")[0]


@pytest.mark.django_db
def test_accueil_de_l_administrateur_mene_aux_parties_installees(monde):
    reponse = monde.client(TypeRole.ADMINISTRATEUR).get(reverse("pages:accueil"))

    capacites = {c.libelle: c for c in reponse.context["capacites"]}
    assert capacites["Paramètres : agents, comptes d'envoi, délais"].url_name == "pages:parametres"
    assert capacites["Journal de la collectivité"].url_name == "journal:liste"
    # Inclus dans les deux précédents : pas répétés.
    assert "Votre compte d'envoi" not in capacites
    assert "Journal de vos actions" not in capacites
    assert capacites["Électeurs, REU et télédossiers"].droits == (
        "Consulter, modifier, envoyer et exporter"
    )
    assert reponse.context["capacites_refusees"] == []


@pytest.mark.django_db
def test_une_partie_installee_remplace_bientot_disponible(monde, monkeypatch, socle_seul):
    from core.comptes.permissions import Capacite
    from core.registry import EntreeNavigation, registre

    entree = EntreeNavigation("Électeurs", "journal:liste", Capacite.ELECTEURS, ordre=10)
    monkeypatch.setattr(registre, "navigation", [*registre.navigation, entree])

    reponse = monde.client(TypeRole.LECTURE).get(reverse("pages:accueil"))

    capacites = {c.libelle: c for c in reponse.context["capacites"]}
    assert capacites["Électeurs, REU et télédossiers"].url_name == "journal:liste"
    assert html.unescape(reponse.content.decode()).count("Bientôt disponible") == 2


@pytest.mark.django_db
@pytest.mark.parametrize("profil", [r.value for r in TypeRole])
def test_l_accueil_n_est_jamais_vide(monde, profil):
    reponse = monde.client(profil).get(reverse("pages:accueil"))

    assert reponse.context["capacites"], f"Accueil de {profil} sans rien à proposer"


@pytest.mark.django_db
def test_sans_partie_a_venir_pas_de_note_bientot_disponible(monde, monkeypatch):
    from core.comptes.permissions import Capacite
    from core.registry import EntreeNavigation, registre

    entrees = [
        EntreeNavigation(libelle, "journal:liste", capacite, ordre=10)
        for libelle, capacite in [
            ("Électeurs", Capacite.ELECTEURS),
            ("Avis", Capacite.AVIS),
            ("Convocations", Capacite.CONVOCATIONS),
        ]
    ]
    monkeypatch.setattr(registre, "navigation", [*registre.navigation, *entrees])

    page = monde.client(TypeRole.LECTURE).get(reverse("pages:accueil")).content.decode()

    assert "bientôt disponible" not in page.lower()
