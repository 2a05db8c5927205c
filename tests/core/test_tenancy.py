"""Isolation des collectivités : aucune requête métier ne sort de la collectivité courante."""

import pytest
from django.apps import apps

from core.models import ModeleCollectivite, Travail
from core.permissions import MATRICE, Action, Capacite, role_peut

pytestmark = pytest.mark.django_db


def test_pour_none_ne_rend_rien(monde):
    Travail.objects.create(collectivite=monde.collectivite, type="x", libelle="x")
    assert Travail.objects.pour(None).count() == 0
    assert Travail.objects.pour(monde.autre).count() == 0
    assert Travail.objects.pour(monde.collectivite).count() == 1


def test_toute_ligne_metier_a_une_collectivite_obligatoire():
    modeles = [m for m in apps.get_models() if issubclass(m, ModeleCollectivite)]
    assert modeles, "aucun modèle métier trouvé"
    for modele in modeles:
        champ = modele._meta.get_field("collectivite")
        assert not champ.null, f"{modele.__name__}.collectivite ne doit pas être facultatif"
        assert hasattr(modele.objects, "pour"), f"{modele.__name__} n'a pas le manager scopé"


@pytest.mark.parametrize(
    ("role", "capacite", "action", "attendu"),
    [
        ("administrateur", Capacite.PARAMETRES, Action.ECRIRE, True),
        ("administrateur", Capacite.JOURNAL, Action.LIRE, True),
        ("agent_elections", Capacite.ELECTEURS, Action.ECRIRE, True),
        ("agent_elections", Capacite.CONVOCATIONS, Action.LIRE, False),
        ("agent_elections", Capacite.PARAMETRES, Action.LIRE, False),
        ("agent_elections", Capacite.JOURNAL, Action.LIRE, False),
        ("agent_elections", Capacite.JOURNAL_PERSONNEL, Action.LIRE, True),
        ("secretariat", Capacite.CONVOCATIONS, Action.ENVOYER, True),
        ("secretariat", Capacite.ELECTEURS, Action.LIRE, False),
        ("secretariat", Capacite.AVIS, Action.LIRE, False),
        ("lecture", Capacite.ELECTEURS, Action.LIRE, True),
        ("lecture", Capacite.ELECTEURS, Action.EXPORTER, False),
        ("lecture", Capacite.CONVOCATIONS, Action.ECRIRE, False),
        ("lecture", Capacite.SMTP_PERSONNEL, Action.LIRE, False),
        ("lecture", Capacite.JOURNAL_PERSONNEL, Action.LIRE, False),
        (None, Capacite.ACCUEIL, Action.LIRE, False),
        ("inconnu", Capacite.ACCUEIL, Action.LIRE, False),
    ],
)
def test_tableau_des_roles(role, capacite, action, attendu):
    assert role_peut(role, capacite, action) is attendu


def test_chaque_role_est_dans_la_matrice():
    from core.models import TypeRole

    assert set(MATRICE) == {r.value for r in TypeRole}


def test_collectivite_par_defaut_est_celle_du_premier_role(monde):
    from django.test import Client
    from django.urls import reverse

    from tests.factories import CollectiviteFactory, RoleFactory

    personne = monde.personnes["secretariat"]
    RoleFactory(
        utilisateur=personne,
        collectivite=CollectiviteFactory(nom="Aaa-Premier-Alpha"),
        role="lecture",
    )
    client = Client()
    client.force_login(personne)
    contenu = client.get(reverse("accueil")).content.decode()
    assert "<h1>Accueil — Saint-Test</h1>" in contenu
