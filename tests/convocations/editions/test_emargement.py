"""Liste d'émargement d'une séance : PDF (une case de signature par membre, pouvoirs,
suppléants, quorum) et CSV (colonnes des éditeurs du marché, cellules neutralisées)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from convocations.editions.selectors import emargement_lire
from convocations.editions.services import (
    COLONNES_EMARGEMENT,
    TYPE_DOSSIER_PREUVE,
    TYPE_EMARGEMENT,
)
from convocations.editions.tasks import dossier_preuve_produire_task, emargement_produire_task
from convocations.seances.models import Presence
from core.comptes.models import TypeRole
from core.journal.models import EntreeJournal
from core.registry import registre
from core.travaux.models import StatutTravail, Travail
from core.travaux.services import verifier_types_travaux
from tests.convocations.factories import MandatFactory
from tests.core.documents.texte_pdf import sans_espaces, texte_pdf

A, S = TypeRole.ADMINISTRATEUR, TypeRole.SECRETARIAT
pytestmark = pytest.mark.django_db


def lancer(client, capture, seance, **donnees) -> Travail:
    with capture(execute=True):
        reponse = client.post(reverse("convocations:seance_editions", args=[seance.pk]), donnees)
    assert reponse.status_code == 302, reponse.content.decode()[:2000]
    travail = Travail.objects.latest("pk")
    assert reponse["Location"] == reverse("travaux:detail", args=[travail.pk])
    travail.refresh_from_db()
    assert travail.statut == StatutTravail.TERMINE, travail.erreur
    return travail


def lire_csv(brut: bytes) -> list[list[str]]:
    assert brut.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(brut.decode("utf-8-sig")), delimiter=";"))


def test_les_types_de_travail_sont_declares_sur_la_file_documents():
    for code, tache in (
        (TYPE_EMARGEMENT, emargement_produire_task),
        (TYPE_DOSSIER_PREUVE, dossier_preuve_produire_task),
    ):
        type_travail = registre.types_travaux[code]
        assert type_travail.tache is tache
        assert type_travail.queue == "documents"
        assert not [e for e in verifier_types_travaux() if code in str(e)]


def test_quorum_majorite_des_membres_en_exercice_sans_les_pouvoirs(seance_editions):
    emargement = emargement_lire(seance_editions.seance)
    quorum = emargement.quorum
    # 7 membres en exercice (le suppléant et l'invité n'en sont pas) : quorum à 4.
    assert (quorum.en_exercice, quorum.requis) == (7, 4)
    # Présents : le maire, l'adjoint, la conseillère à distance ; le pouvoir ne compte pas.
    assert (quorum.presents_annonces, quorum.pouvoirs) == (3, 1)
    assert not quorum.atteint
    # Un titulaire remplacé par son suppléant compte présent : le suppléant siège.
    sans_reponse = seance_editions.conseillers[3]
    sans_reponse.presence = Presence.SUPPLEANT
    sans_reponse.save()
    assert emargement_lire(seance_editions.seance).quorum.atteint


def test_emargement_ordre_du_tableau_et_pouvoir_revoque_ignore(seance_editions):
    emargement = emargement_lire(seance_editions.seance)
    noms = [ligne.nom for ligne in emargement.membres]
    assert noms[:2] == ["DUVAL", "FONTAINE"]  # le maire, puis l'adjoint
    assert noms[2:] == sorted(noms[2:])
    assert [ligne.nom for ligne in emargement.suppleants] == ["VIDAL"]
    assert [ligne.destinataire for ligne in emargement.autres] == [seance_editions.invite]
    par_nom = {ligne.nom: ligne for ligne in emargement.membres}
    assert par_nom["GIRARD"].mandataire == seance_editions.mandataire
    assert par_nom["LAMBERT"].mandant == seance_editions.mandant
    # Le pouvoir révoqué de ROBIN à FONTAINE n'existe plus pour la liste.
    assert par_nom["ROBIN"].mandataire is None
    assert par_nom["FONTAINE"].mandant is None


def test_une_case_de_signature_par_membre_et_par_suppleant(seance_editions):
    emargement = emargement_lire(seance_editions.seance)
    html = render_to_string(
        "convocations/editions/emargement.html",
        {
            "collectivite": seance_editions.seance.collectivite,
            "seance": seance_editions.seance,
            "emargement": emargement,
            "quorum": emargement.quorum,
            "edite_le": timezone.now(),
        },
    )
    assert html.count('class="pdf-signature"') == 8
    assert "Claire Martin" not in html


def test_emargement_pdf_par_un_travail_suivi(
    monde, seance_editions, django_capture_on_commit_callbacks
):
    travail = lancer(
        monde.client(S),
        django_capture_on_commit_callbacks,
        seance_editions.seance,
        edition="emargement",
        format="pdf",
    )
    contenu = travail.fichier.read()
    assert contenu.startswith(b"%PDF")
    assert travail.fichier_nom == "emargement-conseil-municipal-du-28-novembre-20261128.pdf"
    assert travail.message == "Liste d'émargement éditée : 7\u00a0membres."
    texte = sans_espaces(texte_pdf(contenu))
    for attendu in (
        "Listed'émargement",
        "Conseilmunicipaldu28novembre",
        "le28/11/2026à18h30",
        "DUVALMarie",
        "MASSONLaure",
        "Absent,donnepouvoiràSophieLAMBERT",
        "PortelepouvoirdeAntoineGIRARD",
        "AntoineGIRARDdonnepouvoiràSophieLAMBERT",
        "Suppléants(1)",
        "VIDALMartine",
        "Membresenexercice:7.Quorum:4membresprésents",
        "lespouvoirsnecomptentpas",
        "Présentsannoncésparlesréponses:3",
    ):
        assert attendu in texte, attendu
    assert "ClaireMartin" not in texte
    assert "donnepouvoiràPierreFONTAINE" not in texte  # pouvoir révoqué
    # La demande est journalisée, sur la séance.
    entree = EntreeJournal.objects.get(action="convocations_emargement_demande")
    assert entree.sujet_id == str(seance_editions.seance.pk)
    assert entree.details == {"format": "PDF"}


def test_emargement_csv_colonnes_et_cellules_neutralisees(
    monde, seance_editions, django_capture_on_commit_callbacks
):
    travail = lancer(
        monde.client(A),
        django_capture_on_commit_callbacks,
        seance_editions.seance,
        edition="emargement",
        format="csv",
    )
    assert travail.fichier_nom.endswith(".csv")
    lignes = lire_csv(travail.fichier.read())
    assert lignes[0] == COLONNES_EMARGEMENT
    assert lignes[0][:2] == ["Nom", "Prénom"]
    assert {"Envoi", "Réception", "Présence", "Mandataire"} <= set(lignes[0])
    par_nom = {ligne[0]: dict(zip(lignes[0], ligne, strict=True)) for ligne in lignes[1:]}
    assert len(par_nom) == 9  # 7 membres, 1 suppléant, 1 invité
    maire = par_nom["DUVAL"]
    assert maire["Prénom"] == "Marie"
    assert maire["Fonction"] == "Maire"
    assert maire["Envoi"] == "20/11/2026 10:02"
    assert maire["Nombre d'envois"] == "2"
    assert maire["Réception"] == "20/11/2026 11:15"
    assert maire["Présence"] == "Présent"
    assert par_nom["GIRARD"]["Mandataire"] == "Sophie LAMBERT"
    assert par_nom["GIRARD"]["Présence"] == "Absent, donne pouvoir"
    assert par_nom["LAMBERT"]["Pouvoir reçu de"] == "Antoine GIRARD"
    assert par_nom["ROBIN"]["Mandataire"] == ""
    assert par_nom["ROBIN"]["Commentaire"] == '\'=HYPERLINK("http://x")'
    assert par_nom["ROUSSEL"]["Présence"] == "Sans réponse"
    assert par_nom["ROUSSEL"]["Réception"] == ""
    assert par_nom["MASSON"]["Envoi papier"] == "20/11/2026"
    assert par_nom["VIDAL"]["Qualité"] == "Suppléant"
    assert par_nom["Claire Martin (secrétariat)"]["Qualité"] == "Invité"


def test_la_seance_supprimee_entre_temps_donne_un_echec_en_francais(
    monde, seance_editions, django_capture_on_commit_callbacks
):
    client = monde.client(S)
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        client.post(
            reverse("convocations:seance_editions", args=[seance_editions.seance.pk]),
            {"edition": "emargement", "format": "pdf"},
        )
    seance_editions.seance.delete()
    for rappel in rappels:
        rappel()
    travail = Travail.objects.get(type=TYPE_EMARGEMENT)
    assert travail.statut == StatutTravail.ECHEC
    assert travail.erreur == "Cette séance n'existe plus."


def test_les_membres_en_exercice_sont_ceux_des_mandats_en_cours(seance_editions):
    seance = seance_editions.seance
    # Un conseiller en exercice qui n'est pas parmi les destinataires compte quand même ;
    # un mandat terminé avant la séance, non.
    MandatFactory(collectivite=seance.collectivite)
    MandatFactory(collectivite=seance.collectivite, fin=datetime.date(2026, 10, 1))
    quorum = emargement_lire(seance).quorum
    assert (quorum.en_exercice, quorum.requis) == (8, 5)
