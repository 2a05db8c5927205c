import pytest
from django.urls import reverse

from core.models import TypeRole


@pytest.mark.django_db
def test_accueil_demande_une_connexion(monde):
    reponse = monde.client("anonyme").get(reverse("accueil"))
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_accueil_montre_la_collectivite_courante(monde):
    reponse = monde.client(TypeRole.AGENT_ELECTIONS).get(reverse("accueil"))
    assert reponse.status_code == 200
    assert "Saint-Test" in reponse.content.decode()


@pytest.mark.django_db
def test_accueil_refuse_une_personne_sans_role(monde):
    reponse = monde.client("sans_role").get(reverse("accueil"))
    assert reponse.status_code == 403
    assert "aucune collectivité" in reponse.content.decode()


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
    reponse = monde.client(TypeRole.AGENT_ELECTIONS).get(reverse("accueil"))
    compteurs = {c.libelle: valeur for c, valeur in reponse.context["compteurs"]}
    assert compteurs["Vos travaux en cours"] == 2
    assert "Ailleurs" not in reponse.content.decode()


@pytest.mark.django_db
def test_les_commentaires_de_gabarits_ne_s_affichent_pas(monde):
    contenu = (
        monde.client(TypeRole.ADMINISTRATEUR)
        .get(reverse("parametres_agent_ajouter"))
        .content.decode()
    )
    assert "Variables :" not in contenu
    assert "{#" not in contenu
