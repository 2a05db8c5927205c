"""L'application d'exemple suit le chemin de docs/ajouter-une-application.md de bout en bout."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.comptes.models import TypeRole
from core.journal.models import EntreeJournal
from core.journal.services import journal_chronologie
from core.registry import registre
from core.travaux.models import StatutTravail, Travail
from core.travaux.services import verifier_types_travaux
from tests.exemple.models import ActionExemple, Dossier
from tests.exemple.services import dossier_ouvrir
from tests.exemple.tasks import TYPE_RECAPITULATIF, dossiers_recapituler_task
from tests.matrice import cas_declares

pytestmark = pytest.mark.django_db

A = TypeRole.ADMINISTRATEUR
E = TypeRole.AGENT_ELECTIONS
S = TypeRole.SECRETARIAT
L = TypeRole.LECTURE


def _page(reponse) -> str:
    return html.unescape(reponse.content.decode())


# --- Modèle et vues limités à la collectivité -----------------------------------------------


def test_pour_ne_rend_que_les_dossiers_de_la_collectivite(monde):
    ici = Dossier.objects.create(collectivite=monde.collectivite, titre="Voirie")
    Dossier.objects.create(collectivite=monde.autre, titre="Écoles")

    assert list(Dossier.objects.pour(monde.collectivite)) == [ici]
    assert list(Dossier.objects.pour(None)) == []


def test_la_liste_ne_montre_que_la_collectivite_courante(monde):
    Dossier.objects.create(collectivite=monde.collectivite, titre="Voirie")
    Dossier.objects.create(collectivite=monde.autre, titre="Dossier d'ailleurs")
    client = monde.client(S)

    reponse = client.get(reverse("exemple:liste"))

    assert reponse.status_code == 200
    assert [d.titre for d in reponse.context["page_obj"].object_list] == ["Voirie"]
    assert "Dossier d'ailleurs" not in _page(reponse)


def test_le_detail_d_un_dossier_d_une_autre_collectivite_repond_404(monde):
    ailleurs = Dossier.objects.create(collectivite=monde.autre, titre="Écoles")
    ici = Dossier.objects.create(collectivite=monde.collectivite, titre="Voirie")
    client = monde.client(A)

    assert client.get(reverse("exemple:detail", args=[ici.pk])).status_code == 200
    assert client.get(reverse("exemple:detail", args=[ailleurs.pk])).status_code == 404


def test_la_liste_fait_autant_de_requetes_pour_1_ou_20_dossiers(monde):
    client = monde.client(S)
    Dossier.objects.create(collectivite=monde.collectivite, titre="Dossier 0")
    with CaptureQueriesContext(connection) as une:
        client.get(reverse("exemple:liste"))
    for i in range(1, 20):
        Dossier.objects.create(collectivite=monde.collectivite, titre=f"Dossier {i}")
    with CaptureQueriesContext(connection) as vingt:
        client.get(reverse("exemple:liste"))

    assert len(vingt) == len(une)


# --- Service journalisé et chronologie ------------------------------------------------------


def test_ouvrir_un_dossier_le_journalise_avec_un_libelle_francais(monde):
    agent = monde.personnes[S]

    dossier = dossier_ouvrir(collectivite=monde.collectivite, titre="Voirie", par=agent)

    (entree,) = journal_chronologie(sujet=dossier)
    assert entree.action == ActionExemple.DOSSIER_OUVERT
    assert entree.collectivite == monde.collectivite
    assert entree.acteur == agent
    assert entree.libelle_action == "Dossier ouvert"
    assert entree.objet_libelle == "le dossier « Voirie »"


def test_la_fiche_montre_la_chronologie_du_dossier(monde):
    client = monde.client(S)

    reponse = client.post(reverse("exemple:liste"), {"titre": "Voirie"})

    dossier = Dossier.objects.get(titre="Voirie")
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("exemple:detail", args=[dossier.pk])
    page = _page(client.get(reponse["Location"]))
    assert "Dossier « Voirie » ouvert." in page
    assert "Dossier ouvert</strong> : le dossier « Voirie »" in page
    assert f"Par {monde.personnes[S]}" in page
    assert ActionExemple.DOSSIER_OUVERT.value not in page


def test_un_titre_deja_pris_est_refuse_en_francais_sans_rien_journaliser(monde):
    Dossier.objects.create(collectivite=monde.collectivite, titre="Voirie")
    # Le même titre dans une autre collectivité ne gêne pas.
    Dossier.objects.create(collectivite=monde.autre, titre="Écoles")
    client = monde.client(A)

    refus = client.post(reverse("exemple:liste"), {"titre": "Voirie"})
    accepte = client.post(reverse("exemple:liste"), {"titre": "Écoles"})

    assert refus.status_code == 400
    assert "Un dossier porte déjà ce titre." in _page(refus)
    assert 'value="Voirie"' in refus.content.decode()  # la saisie revient avec l'erreur
    assert accepte.status_code == 302
    ouverts = EntreeJournal.objects.filter(action=ActionExemple.DOSSIER_OUVERT)
    assert [e.objet_libelle for e in ouverts] == ["le dossier « Écoles »"]


def test_chaque_action_de_l_application_a_son_libelle():
    for action in ActionExemple:
        assert registre.libelle_action(action.value) == action.label


# --- Travail suivi --------------------------------------------------------------------------


def test_le_type_de_travail_est_declare_avec_sa_tache_et_sa_file():
    type_travail = registre.types_travaux[TYPE_RECAPITULATIF]

    assert type_travail.tache is dossiers_recapituler_task
    assert type_travail.queue == "documents"
    assert [e for e in verifier_types_travaux() if e.obj == TYPE_RECAPITULATIF] == []


def test_le_recapitulatif_est_un_travail_suivi_qui_aboutit(
    monde, django_capture_on_commit_callbacks
):
    Dossier.objects.create(collectivite=monde.collectivite, titre="Voirie")
    Dossier.objects.create(collectivite=monde.collectivite, titre="Écoles", clos=True)
    Dossier.objects.create(collectivite=monde.autre, titre="Dossier d'ailleurs")
    client = monde.client(S)

    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(reverse("exemple:recapituler"))

    travail = Travail.objects.get(type=TYPE_RECAPITULATIF)
    assert reponse["Location"] == reverse("travaux:detail", args=[travail.pk])
    assert travail.collectivite == monde.collectivite
    assert travail.demandeur == monde.personnes[S]
    assert travail.statut == StatutTravail.TERMINE, travail.erreur
    assert (travail.progression, travail.total) == (2, 2)
    assert travail.message == "2\u00a0dossiers récapitulés."
    contenu = travail.fichier.read().decode("utf-8-sig")
    assert "Voirie" in contenu and "Écoles" in contenu
    assert "ailleurs" not in contenu
    page = client.get(reponse["Location"])
    assert page.status_code == 200
    assert "Télécharger dossiers.csv" in _page(page)


# --- Navigation et Accueil ------------------------------------------------------------------


@pytest.mark.parametrize(("profil", "visible"), [(A, True), (S, True), (L, True), (E, False)])
def test_l_entree_de_navigation_suit_le_role(monde, profil, visible):
    reponse = monde.client(profil).get(reverse("pages:accueil"))

    libelles = [e.libelle for e in reponse.context["navigation"]]
    assert ("Dossiers" in libelles) is visible
    assert (f'href="{reverse("exemple:liste")}"' in reponse.content.decode()) is visible


@pytest.mark.parametrize(("profil", "visible"), [(A, True), (S, True), (L, True), (E, False)])
def test_le_compteur_de_l_accueil_suit_le_role(monde, profil, visible):
    Dossier.objects.create(collectivite=monde.collectivite, titre="Voirie")
    Dossier.objects.create(collectivite=monde.collectivite, titre="Écoles")
    Dossier.objects.create(collectivite=monde.collectivite, titre="Archivé", clos=True)
    Dossier.objects.create(collectivite=monde.autre, titre="Dossier d'ailleurs")

    reponse = monde.client(profil).get(reverse("pages:accueil"))

    compteurs = {c.libelle: valeur for c, valeur in reponse.context["compteurs"]}
    if visible:
        assert compteurs["Dossiers ouverts"] == 2
    else:
        assert "Dossiers ouverts" not in compteurs


def test_l_entree_de_navigation_est_courante_sur_les_pages_de_l_application(monde):
    page = monde.client(A).get(reverse("exemple:liste")).content.decode()

    assert f'href="{reverse("exemple:liste")}" aria-current="page"' in page


# --- Matrice d'accès ------------------------------------------------------------------------


def test_l_application_declare_ses_cas_de_matrice():
    noms = {(c.nom, c.methode) for c in cas_declares() if c.nom.startswith("exemple:")}

    assert noms == {
        ("exemple:liste", "get"),
        ("exemple:liste", "post"),
        ("exemple:detail", "get"),
        ("exemple:recapituler", "post"),
    }
