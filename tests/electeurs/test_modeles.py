from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from electeurs.identite import cle_identite, normaliser
from electeurs.models import Electeur, NomElecteur
from tests.electeurs.factories import ElecteurFactory, InscriptionListeFactory
from tests.factories import CollectiviteFactory


def test_normaliser_sans_accents_ni_casse_ni_ponctuation() -> None:
    assert normaliser("Dupré-Léger  Hélène") == "dupre leger helene"
    assert normaliser("CŒUR d'Æther") == "coeur d aether"
    assert normaliser(None) == ""


def test_cle_identite_distingue_le_lieu_de_naissance() -> None:
    commun: dict[str, Any] = {
        "nom_naissance": "Dupré",
        "prenoms": "Hélène",
        "sexe": "F",
        "jour": 4,
        "mois": 7,
        "annee": 1953,
    }
    assert cle_identite(**commun, lieu_naissance="85194") == cle_identite(
        **{**commun, "nom_naissance": "DUPRE"}, lieu_naissance="85194"
    )
    assert cle_identite(**commun, lieu_naissance="85194") != cle_identite(
        **commun, lieu_naissance="75056"
    )


@pytest.mark.django_db
def test_save_calcule_les_champs_derives_et_garde_une_date_partielle() -> None:
    electeur = ElecteurFactory(
        nom_naissance="DUPRÉ",
        nom_usage="Martin",
        prenoms="Hélène",
        naissance_jour=None,
        naissance_mois=None,
        naissance_annee=1953,
    )
    electeur.refresh_from_db()
    assert electeur.date_naissance is None
    assert electeur.date_naissance_incomplete
    assert electeur.date_naissance_affichee == "00/00/1953"
    assert electeur.recherche_naissance == "dupre helene"
    assert electeur.recherche_usage == "martin helene"
    assert electeur.nom_complet == "DUPRÉ (Martin) Hélène"


@pytest.mark.django_db
def test_date_complete_calculee() -> None:
    electeur = ElecteurFactory(naissance_jour=4, naissance_mois=7, naissance_annee=1953)
    assert str(electeur.date_naissance) == "1953-07-04"
    assert electeur.date_naissance_affichee == "04/07/1953"


@pytest.mark.django_db
def test_ine_unique_par_collectivite_mais_vide_permis() -> None:
    collectivite = CollectiviteFactory()
    ElecteurFactory(collectivite=collectivite, ine="")
    ElecteurFactory(collectivite=collectivite, ine="")
    ElecteurFactory(collectivite=collectivite, ine="123456789")
    ElecteurFactory(collectivite=CollectiviteFactory(), ine="123456789")
    with pytest.raises(IntegrityError), transaction.atomic():
        ElecteurFactory(collectivite=collectivite, ine="123456789")


@pytest.mark.django_db
def test_une_seule_inscription_par_liste() -> None:
    inscription = InscriptionListeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        InscriptionListeFactory(electeur=inscription.electeur, type_liste=inscription.type_liste)
    assert Electeur.objects.count() == 1


@pytest.mark.django_db
def test_save_retient_les_noms_normalises_pour_le_mode_approchant() -> None:
    electeur = ElecteurFactory(nom_naissance="DUPRÉ", nom_usage="Martin-Léger")
    autre = ElecteurFactory(nom_naissance="Dupre")

    def noms(collectivite_id: int) -> list[str]:
        return sorted(
            NomElecteur.objects.filter(collectivite_id=collectivite_id).values_list(
                "nom", flat=True
            )
        )

    assert noms(electeur.collectivite_id) == ["dupre", "martin leger"]
    assert noms(autre.collectivite_id) == ["dupre"]

    electeur = Electeur.objects.get(pk=electeur.pk)
    with CaptureQueriesContext(connection) as capture:
        electeur.prenoms = "Anne"
        electeur.save()
    assert len(capture) == 1  # même nom : rien de plus que la mise à jour

    electeur.nom_usage = "LEFEBVRE"
    electeur.save()
    # L'ancien nom reste : il ne mène plus à personne.
    assert noms(electeur.collectivite_id) == ["dupre", "lefebvre", "martin leger"]
