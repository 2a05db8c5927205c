"""Éditions : liste électorale, liste d'émargement, tableau des inscriptions et radiations."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse

from core.comptes.models import TypeRole
from core.registry import registre
from core.travaux.models import StatutTravail, Travail
from core.travaux.services import verifier_types_travaux
from electeurs.editions.tasks import TYPE_EDITION, edition_produire_task
from electeurs.models import StatutElecteur, TypeListe
from tests.electeurs.factories import (
    BureauDeVoteFactory,
    ElecteurFactory,
    InscriptionListeFactory,
)

A, E, L = TypeRole.ADMINISTRATEUR, TypeRole.AGENT_ELECTIONS, TypeRole.LECTURE
pytestmark = pytest.mark.django_db


@pytest.fixture
def fichier(monde):
    """Deux bureaux, dans le désordre ; un électeur au nom piégé ; un radié ; une autre commune."""
    c = monde.collectivite
    b2 = BureauDeVoteFactory(collectivite=c, code="0002", libelle="Salle des fêtes")
    b1 = BureauDeVoteFactory(collectivite=c, code="0001", libelle="Mairie")

    def inscrire(nom, bureau, numero, liste=TypeListe.PRINCIPALE, **champs):
        electeur = ElecteurFactory(collectivite=c, nom_naissance=nom, **champs)
        InscriptionListeFactory(
            electeur=electeur, bureau=bureau, numero_ordre=numero, type_liste=liste
        )
        return electeur

    inscrire("ZOLA", b2, 1)
    inscrire("ARNAUD", b1, 2, date_inscription=datetime.date(2026, 3, 10))
    inscrire("=CMD()", b1, 1, prenoms="-Jean")
    inscrire(
        "RADIÉ",
        b1,
        3,
        statut=StatutElecteur.RADIE,
        date_radiation=datetime.date(2026, 4, 2),
        motif_radiation="Décès",
    )
    inscrire("SCHMIDT", b1, 1, liste=TypeListe.COMPLEMENTAIRE_MUNICIPALE, nationalite="Allemande")
    autre = ElecteurFactory(collectivite=monde.autre, nom_naissance="AILLEURS")
    InscriptionListeFactory(electeur=autre)
    return {"b1": b1, "b2": b2}


def _lancer(client, django_capture_on_commit_callbacks, **donnees) -> Travail:
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(reverse("electeurs:editions"), donnees)
    assert reponse.status_code == 302, reponse.content.decode()[:2000]
    travail = Travail.objects.get(type=TYPE_EDITION)
    assert reponse["Location"] == reverse("travaux:detail", args=[travail.pk])
    travail.refresh_from_db()
    assert travail.statut == StatutTravail.TERMINE, travail.erreur
    return travail


def _csv(travail: Travail) -> list[list[str]]:
    brut = travail.fichier.read()
    assert brut.startswith(b"\xef\xbb\xbf")  # BOM : Excel reconnaît l'UTF-8
    assert b"\r\n" in brut
    return list(csv.reader(io.StringIO(brut.decode("utf-8-sig")), delimiter=";"))


def test_le_type_de_travail_est_declare_sur_la_file_documents():
    type_travail = registre.types_travaux[TYPE_EDITION]
    assert type_travail.tache is edition_produire_task
    assert type_travail.queue == "documents"
    assert not [e for e in verifier_types_travaux() if TYPE_EDITION in str(e)]


def test_liste_electorale_csv_ordonnee_echappee_sans_radies_ni_autre_commune(
    monde, fichier, django_capture_on_commit_callbacks
):
    travail = _lancer(
        monde.client(E),
        django_capture_on_commit_callbacks,
        edition="liste_electorale",
        liste="LP",
        format="csv",
    )
    lignes = _csv(travail)
    assert lignes[0][:3] == ["Bureau de vote", "N° d'ordre", "Nom de naissance"]
    assert "Nationalité" not in lignes[0]
    noms = [ligne[2] for ligne in lignes[1:]]
    # Bureau, puis numéro d'ordre ; les cellules qui commencent par = ou - sont neutralisées.
    assert noms == ["'=CMD()", "ARNAUD", "ZOLA"]
    assert lignes[1][4] == "'-Jean"
    assert lignes[1][0] == "0001 — Mairie"
    assert lignes[1][6] == "04/07/1953"
    assert travail.fichier_nom == "liste-electorale-lp-tous-bureaux.csv"
    assert travail.message == "3\u00a0lignes éditées."
    assert (travail.progression, travail.total) == (3, 3)


def test_liste_complementaire_porte_la_nationalite(
    monde, fichier, django_capture_on_commit_callbacks
):
    travail = _lancer(
        monde.client(A),
        django_capture_on_commit_callbacks,
        edition="liste_electorale",
        liste="LCM",
        format="csv",
    )
    lignes = _csv(travail)
    assert "Nationalité" in lignes[0]
    assert [ligne[2] for ligne in lignes[1:]] == ["SCHMIDT"]
    assert "Allemande" in lignes[1]


def test_emargement_d_un_bureau_en_pdf_avec_colonne_de_signature(
    monde, fichier, django_capture_on_commit_callbacks
):
    travail = _lancer(
        monde.client(E),
        django_capture_on_commit_callbacks,
        edition="emargement",
        liste="LP",
        format="pdf",
        bureau=fichier["b1"].pk,
    )
    contenu = travail.fichier.read()
    assert contenu.startswith(b"%PDF")
    assert travail.fichier_nom == "emargement-lp-bureau-0001.pdf"
    assert travail.total == 2


def test_emargement_csv_a_une_colonne_signature_vide(
    monde, fichier, django_capture_on_commit_callbacks
):
    travail = _lancer(
        monde.client(E),
        django_capture_on_commit_callbacks,
        edition="emargement",
        liste="LP",
        format="csv",
        bureau=fichier["b2"].pk,
    )
    lignes = _csv(travail)
    assert lignes[0][-1] == "Signature"
    assert lignes[1][2] == "ZOLA"
    assert lignes[1][-1] == ""


def test_tableau_des_inscriptions_et_radiations_entre_deux_dates(
    monde, fichier, django_capture_on_commit_callbacks
):
    travail = _lancer(
        monde.client(E),
        django_capture_on_commit_callbacks,
        edition="tableau",
        liste="LP",
        format="csv",
        debut="01/03/2026",
        fin="30/04/2026",
    )
    lignes = _csv(travail)
    assert lignes[0][:2] == ["Mouvement", "Date"]
    assert [(ligne[0], ligne[1], ligne[4]) for ligne in lignes[1:]] == [
        ("Inscription", "10/03/2026", "ARNAUD"),
        ("Radiation", "02/04/2026", "RADIÉ"),
    ]
    assert lignes[2][-1] == "Décès"
    assert travail.fichier_nom == "tableau-lp-tous-bureaux-20260301-20260430.csv"


def test_le_tableau_en_pdf_aboutit(monde, fichier, django_capture_on_commit_callbacks):
    travail = _lancer(
        monde.client(E),
        django_capture_on_commit_callbacks,
        edition="tableau",
        liste="LP",
        format="pdf",
        debut="01/01/2026",
        fin="31/12/2026",
    )
    assert travail.fichier.read().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        ({"edition": "tableau", "liste": "LP", "format": "csv"}, "Indiquez la date de début"),
        (
            {
                "edition": "tableau",
                "liste": "LP",
                "format": "csv",
                "debut": "30/04/2026",
                "fin": "01/03/2026",
            },
            "La date de fin précède la date de début",
        ),
        (
            {"edition": "tableau", "liste": "LP", "format": "csv", "debut": "31/02/2026"},
            "Saisissez une date valide",
        ),
        ({"edition": "liste_electorale", "liste": "XX", "format": "csv"}, "Sélectionnez un choix"),
    ],
)
def test_un_formulaire_fautif_ne_lance_rien(monde, donnees, message):
    reponse = monde.client(E).post(reverse("electeurs:editions"), donnees)
    assert reponse.status_code == 400
    assert message in reponse.content.decode()
    assert not Travail.objects.exists()


def test_un_bureau_d_une_autre_commune_est_refuse(monde):
    ailleurs = BureauDeVoteFactory(collectivite=monde.autre)
    reponse = monde.client(E).post(
        reverse("electeurs:editions"),
        {"edition": "liste_electorale", "liste": "LP", "format": "csv", "bureau": ailleurs.pk},
    )
    assert reponse.status_code == 400
    assert not Travail.objects.exists()


def test_la_lecture_seule_ne_peut_ni_editer_ni_ouvrir_le_travail(
    monde, fichier, django_capture_on_commit_callbacks
):
    travail = _lancer(
        monde.client(E),
        django_capture_on_commit_callbacks,
        edition="liste_electorale",
        liste="LP",
        format="csv",
    )
    lecture = monde.client(L)
    assert lecture.get(reverse("electeurs:editions")).status_code == 403
    assert lecture.get(reverse("travaux:detail", args=[travail.pk])).status_code == 403
    page = monde.client(E).get(reverse("travaux:detail", args=[travail.pk]))
    assert "liste-electorale-lp-tous-bureaux.csv" in page.content.decode()
