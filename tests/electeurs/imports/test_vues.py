"""Pages de l'import : dépôt, aperçu, confirmation en travail suivi, historique."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.comptes.models import TypeRole
from core.travaux.models import StatutTravail, Travail
from electeurs.models import Electeur, EtatImport, ImportREU
from tests.conftest import Monde
from tests.electeurs.factories import ImportREUFactory
from tests.electeurs.imports.outils import ECHANTILLON, extrait

pytestmark = pytest.mark.django_db

NOUVEAU = reverse("electeurs:import_nouveau")


@pytest.fixture
def commune(monde: Monde) -> Monde:
    monde.collectivite.code_insee = "85194"
    monde.collectivite.save()
    return monde


def deposer(client: Client, contenu: bytes, capture: Any, nom: str = ECHANTILLON.name) -> Any:
    with capture(execute=True):
        return client.post(NOUVEAU, {"fichier": SimpleUploadedFile(nom, contenu, "text/csv")})


def test_depot_apercu_confirmation(commune: Monde, django_capture_on_commit_callbacks: Any) -> None:
    client = commune.client(TypeRole.AGENT_ELECTIONS)
    assert (
        "Importer l'extrait REU" in client.get(reverse("electeurs:import_liste")).content.decode()
    )

    reponse = deposer(client, ECHANTILLON.read_bytes(), django_capture_on_commit_callbacks)
    import_reu = ImportREU.objects.get()
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("electeurs:import_detail", args=[import_reu.pk])
    assert import_reu.etat == EtatImport.PRET
    assert import_reu.depose_par == commune.personnes[TypeRole.AGENT_ELECTIONS]
    assert import_reu.taille == ECHANTILLON.stat().st_size
    assert Electeur.objects.count() == 0  # l'aperçu n'écrit rien

    page = client.get(reponse["Location"]).content.decode()
    assert "Nouveaux électeurs</th><td>9</td>" in page
    assert "Homonymes possibles" in page
    assert "ANGERS (49007) FRANCE" in page
    assert "Confirmer l'import" in page

    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(reverse("electeurs:import_confirmer", args=[import_reu.pk]))
    travail = Travail.objects.get(type="electeurs_import_application")
    assert reponse["Location"] == reverse("travaux:detail", args=[travail.pk])
    assert travail.statut == StatutTravail.TERMINE
    assert travail.message.startswith("9\u00a0nouveaux électeurs")
    import_reu.refresh_from_db()
    assert import_reu.etat == EtatImport.APPLIQUE
    assert Electeur.objects.pour(commune.collectivite).count() == 9
    page = client.get(reverse("electeurs:import_detail", args=[import_reu.pk])).content.decode()
    assert "Confirmer l'import" not in page

    # Confirmer deux fois ne réapplique pas.
    reponse = client.post(reverse("electeurs:import_confirmer", args=[import_reu.pk]), follow=True)
    assert "ne peut pas être confirmé" in reponse.content.decode()


def test_fichier_refuse_les_erreurs_sont_listees(
    commune: Monde, django_capture_on_commit_callbacks: Any
) -> None:
    client = commune.client(TypeRole.ADMINISTRATEUR)
    contenu = extrait({}, {"nom_naissance": "ROUX", "date_naissance": "31/02/1980"})
    reponse = deposer(client, contenu, django_capture_on_commit_callbacks)
    import_reu = ImportREU.objects.get()
    assert import_reu.etat == EtatImport.REFUSE
    page = client.get(reponse["Location"]).content.decode()
    assert "Le fichier est refusé : rien n'a été écrit" in page
    assert (
        "Ligne 3, colonne « date de naissance » : date de naissance impossible (31/02/1980)" in page
    )
    assert "Confirmer l'import" not in page
    reponse = client.post(reverse("electeurs:import_confirmer", args=[import_reu.pk]))
    assert reponse.status_code == 302
    assert not Travail.objects.filter(type="electeurs_import_application").exists()


def test_fichier_d_une_autre_commune(
    commune: Monde, django_capture_on_commit_callbacks: Any
) -> None:
    client = commune.client(TypeRole.ADMINISTRATEUR)
    reponse = deposer(client, extrait({"code_ugle": "44109"}), django_capture_on_commit_callbacks)
    page = client.get(reponse["Location"]).content.decode()
    assert "extrait de la commune 44109" in page
    assert Electeur.objects.count() == 0


def test_depot_vide(commune: Monde, django_capture_on_commit_callbacks: Any) -> None:
    client = commune.client(TypeRole.ADMINISTRATEUR)
    reponse = deposer(client, b"", django_capture_on_commit_callbacks)
    assert reponse.status_code == 400
    assert "Le fichier déposé est vide (0 octet)" in reponse.content.decode()
    assert not ImportREU.objects.exists()


def test_depot_sans_fichier(commune: Monde) -> None:
    reponse = commune.client(TypeRole.ADMINISTRATEUR).post(NOUVEAU, {})
    assert reponse.status_code == 400
    assert "Choisissez le fichier de l" in reponse.content.decode()


def test_depot_trop_gros(
    commune: Monde, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ECHARPE_LIMITE_EXTRAIT_LISTE = 1000
    client = commune.client(TypeRole.ADMINISTRATEUR)
    assert "1\u00a0Ko au plus" in client.get(NOUVEAU).content.decode()
    reponse = deposer(client, ECHANTILLON.read_bytes(), django_capture_on_commit_callbacks)
    assert reponse.status_code == 400
    assert "au-delà de la limite de 1\u00a0Ko" in reponse.content.decode()
    assert not ImportREU.objects.exists()


def test_depot_trop_gros_refuse_avant_lecture(commune: Monde, settings: Any) -> None:
    settings.ECHARPE_LIMITE_EXTRAIT_LISTE = 10
    client = commune.client(TypeRole.ADMINISTRATEUR)
    reponse = client.post(
        NOUVEAU,
        {"fichier": SimpleUploadedFile("x.csv", b"x" * (2 * 1024 * 1024), "text/csv")},
    )
    assert reponse.status_code == 413
    assert "Le fichier dépasse la limite" in reponse.content.decode()
    assert not ImportREU.objects.exists()


def test_la_lecture_seule_voit_l_apercu_sans_bouton(commune: Monde) -> None:
    import_reu = ImportREUFactory(collectivite=commune.collectivite)
    page = commune.client(TypeRole.LECTURE).get(
        reverse("electeurs:import_detail", args=[import_reu.pk])
    )
    assert page.status_code == 200
    assert "Confirmer l'import" not in page.content.decode()


def test_le_lien_depuis_la_liste_des_electeurs(commune: Monde) -> None:
    page = commune.client(TypeRole.ADMINISTRATEUR).get(reverse("electeurs:liste"))
    assert reverse("electeurs:import_liste") in page.content.decode()


def test_l_historique_a_un_nombre_constant_de_requetes(commune: Monde) -> None:
    client = commune.client(TypeRole.ADMINISTRATEUR)
    url = reverse("electeurs:import_liste")
    ImportREUFactory.create_batch(5, collectivite=commune.collectivite, depose_par=None)
    client.get(url)
    with CaptureQueriesContext(connection) as peu:
        client.get(url)
    ImportREUFactory.create_batch(
        45,
        collectivite=commune.collectivite,
        depose_par=commune.personnes[TypeRole.ADMINISTRATEUR],
    )
    with CaptureQueriesContext(connection) as beaucoup:
        assert client.get(url).status_code == 200
    assert len(beaucoup) == len(peu)
