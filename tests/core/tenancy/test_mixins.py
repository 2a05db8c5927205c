"""Isolation des collectivités : aucune requête métier ne sort de la collectivité courante."""

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.test import RequestFactory
from django.views import View
from django.views.generic import DetailView, ListView

from core.comptes.permissions import MATRICE, Action, Capacite, role_peut
from core.models import ModeleCollectivite, Travail
from core.tenancy.acces import acces
from core.tenancy.mixins import EspaceAgentMixin
from tests.factories import (
    CollectiviteFactory,
    CompteSMTPFactory,
    DelaiFactory,
    MessageEnvoyeFactory,
    RoleFactory,
    TravailFactory,
    UtilisateurFactory,
    entree_journal,
    lien_securise,
)

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
    contenu = client.get(reverse("pages:accueil")).content.decode()
    assert "<h1>Accueil — Saint-Test</h1>" in contenu


# --- Vues limitées par défaut : get_queryset() et get_object() du mixin ----------------------


class _TravauxVue(EspaceAgentMixin, ListView):  # type: ignore[type-arg]
    model = Travail
    template_name = "core/accueil.html"


class _TravailVue(EspaceAgentMixin, DetailView):  # type: ignore[type-arg]
    model = Travail
    template_name = "core/accueil.html"


def _requete(monde, profil="administrateur"):
    requete = RequestFactory().get("/")
    requete.user = monde.personnes[profil]
    requete.session = {}
    return requete


def test_la_liste_ne_rend_que_la_collectivite_courante(monde):
    a_moi = TravailFactory(collectivite=monde.collectivite)
    TravailFactory(collectivite=monde.autre)
    vue = _TravauxVue()
    vue.setup(_requete(monde))
    vue.dispatch(vue.request)
    assert list(vue.get_queryset()) == [a_moi]


def test_le_detail_d_une_autre_collectivite_repond_404(monde):
    ailleurs = TravailFactory(collectivite=monde.autre)
    ici = TravailFactory(collectivite=monde.collectivite)
    reponse = _TravailVue.as_view()(_requete(monde), pk=ici.pk)
    assert reponse.status_code == 200
    with pytest.raises(Http404):
        _TravailVue.as_view()(_requete(monde), pk=ailleurs.pk)


def test_une_vue_sans_modele_le_dit():
    class SansModele(EspaceAgentMixin, View):
        pass

    with pytest.raises(ImproperlyConfigured):
        SansModele().get_queryset()


def test_l_acces_est_calcule_une_fois_par_requete(monde, django_assert_num_queries):
    requete = _requete(monde)
    with django_assert_num_queries(1):
        assert acces(requete).collectivite == monde.collectivite
        assert acces(requete).code_role == "administrateur"
        assert acces(requete) is acces(requete)
    assert not hasattr(requete, "role_courant")


def test_choisir_une_collectivite_sans_role_ne_change_rien(monde):
    requete = _requete(monde)
    assert acces(requete).choisir(monde.autre.pk) is None
    assert acces(requete).collectivite == monde.collectivite


@pytest.mark.parametrize(
    "fabrique",
    [
        CollectiviteFactory,
        UtilisateurFactory,
        RoleFactory,
        CompteSMTPFactory,
        MessageEnvoyeFactory,
        TravailFactory,
        DelaiFactory,
        lien_securise,
        entree_journal,
    ],
)
def test_chaque_modele_du_socle_a_sa_fabrique(fabrique):
    objet = fabrique()
    ligne = objet[0] if isinstance(objet, tuple) else objet
    assert ligne.pk is not None
    type(ligne).objects.get(pk=ligne.pk)
