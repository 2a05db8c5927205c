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
