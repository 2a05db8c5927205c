"""Dossier de preuve des convocations : PDF et CSV des envois (heure, réponse du serveur,
accusé de réception, papier, règle de délai) et sceaux du journal vérifiables."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from convocations.editions.selectors import preuves_lire, regle_delai, sceaux_lire
from convocations.editions.services import COLONNES_PREUVE, COLONNES_SCEAUX
from convocations.models import Assemblee, Fonction, MotifEnvoi, TypeSeance
from core.comptes.models import TypeRole
from core.journal.models import EntreeJournal
from core.journal.services import hash_entree, journaliser
from core.mail.models import StatutEnvoi
from core.tenancy.models import TypeCollectivite
from tests.convocations.editions.conftest import PARIS, _envoi, _membre
from tests.convocations.editions.test_emargement import lancer, lire_csv
from tests.convocations.factories import DestinataireFactory, SeanceFactory
from tests.core.documents.texte_pdf import sans_espaces, texte_pdf
from tests.factories import CollectiviteFactory

S = TypeRole.SECRETARIAT
TYPES = {
    "cm": (TypeSeance.CONSEIL_MUNICIPAL, Assemblee.CONSEIL_MUNICIPAL),
    "cc": (TypeSeance.CONSEIL_COMMUNAUTAIRE, Assemblee.CONSEIL_COMMUNAUTAIRE),
}
pytestmark = pytest.mark.django_db


def _dossier(monde, seance, capture) -> tuple[zipfile.ZipFile, str]:
    travail = lancer(monde.client(S), capture, seance, edition="dossier_preuve")
    assert travail.fichier_nom.startswith("dossier-de-preuve-") and travail.fichier_nom.endswith(
        ".zip"
    )
    archive = zipfile.ZipFile(io.BytesIO(travail.fichier.read()))
    assert sorted(archive.namelist()) == ["dossier-de-preuve.pdf", "envois.csv", "journal.csv"]
    return archive, travail.message


def _journaliser_envoi(seance_editions, monde) -> EntreeJournal:
    """Une entrée qui concerne un destinataire (comme l'écrit l'envoi), et une d'une autre
    séance, qui ne doit pas figurer au dossier."""
    autre = DestinataireFactory(seance=SeanceFactory(collectivite=monde.collectivite))
    journaliser(
        action="convocations_demo_seance_chargee",
        collectivite=monde.collectivite,
        objet=autre,
        sujet=autre.seance,
    )
    return journaliser(
        action="convocations_demo_seance_chargee",
        collectivite=monde.collectivite,
        par=monde.personnes[S],
        objet=seance_editions.maire,
    )


def test_le_pdf_donne_envois_reponses_du_serveur_accuses_papier_et_regle(
    monde, seance_editions, django_capture_on_commit_callbacks
):
    archive, message = _dossier(monde, seance_editions.seance, django_capture_on_commit_callbacks)
    texte = sans_espaces(texte_pdf(archive.read("dossier-de-preuve.pdf")))
    for attendu in (
        "Dossierdepreuvedesconvocations",
        # Commune de 2 150 habitants : 3 jours francs, CGCT L2121-11 ; séance le 28 : le 24.
        "3joursfrancs",
        "L2121-11",
        "Dernierjourlégald'envoi:24/11/2026",
        "Peslier",
        "Convocation:envoyéle20/11/2026à10h02",
        "250 2.0.0Ok:queuedasABC123".replace(" ", ""),
        "550 5.1.1Mailboxunavailable".replace(" ", ""),
        "Envoyésurpapierle20/11/2026",
        "20/11/2026à11h15",  # accusé de réception du maire
        "Réponse«présent»le22/11/2026à9h30(saisieparunagent",
        "1destinataireconvoquéaprèsledernierjourlégal",
        "journal_verifier--collectivitesaint-test",
    ):
        assert attendu in texte, attendu
    assert "9\u00a0destinataires" in message


def test_le_csv_des_envois_une_ligne_par_courriel_et_le_delai(
    monde, seance_editions, django_capture_on_commit_callbacks
):
    archive, _ = _dossier(monde, seance_editions.seance, django_capture_on_commit_callbacks)
    lignes = lire_csv(archive.read("envois.csv"))
    assert lignes[0] == COLONNES_PREUVE
    rangs = [dict(zip(lignes[0], ligne, strict=True)) for ligne in lignes[1:]]
    maire = [r for r in rangs if r["Nom"] == "DUVAL"]
    assert [(r["Motif"], r["Code SMTP"], r["Statut de l'envoi"]) for r in maire] == [
        ("Convocation", "250", "Envoyé"),
        ("Nouvel envoi", "550", "Échec"),
    ]
    assert maire[0]["Envoyé le"] == "20/11/2026 10:02"
    assert maire[1]["Réponse du serveur"] == "5.1.1 Mailbox unavailable"
    assert maire[0]["Accusé de réception le"] == "20/11/2026 11:15"
    assert maire[0]["Réponses"] == (
        "Présent le 22/11/2026 à 9 h 30 (saisie par un agent (téléphone, courrier))"
    )
    assert maire[0]["Dernier jour légal d'envoi"] == "24/11/2026"
    assert maire[0]["Dans le délai"] == "Oui"
    assert "L2121-11" in maire[0]["Règle de délai appliquée"]
    (retard,) = [r for r in rangs if r["Nom"] == "ROUSSEL"]
    assert retard["Dans le délai"] == "Non"
    (papier,) = [r for r in rangs if r["Nom"] == "MASSON"]
    assert papier["Envoi papier le"] == "20/11/2026"
    (invite,) = [r for r in rangs if r["Qualité"] == "Invité"]
    assert invite["Statut de l'envoi"] == "Aucun courriel"
    assert invite["Dans le délai"] == "Non déterminé"


def test_les_sceaux_du_dossier_se_verifient(
    monde, seance_editions, django_capture_on_commit_callbacks, settings, tmp_path
):
    concernant_le_maire = _journaliser_envoi(seance_editions, monde)
    archive, _ = _dossier(monde, seance_editions.seance, django_capture_on_commit_callbacks)
    lignes = lire_csv(archive.read("journal.csv"))
    assert lignes[0] == COLONNES_SCEAUX
    rangs = [dict(zip(lignes[0], ligne, strict=True)) for ligne in lignes[1:]]
    # L'entrée sur le destinataire et la demande du dossier (sur la séance) ; pas l'autre séance.
    numeros = [int(r["N° dans la chaîne"]) for r in rangs]
    demande = EntreeJournal.objects.get(action="convocations_dossier_preuve_demande")
    assert numeros == [concernant_le_maire.numero, demande.numero]
    for rang in rangs:
        entree = EntreeJournal.objects.get(
            collectivite=monde.collectivite, numero=int(rang["N° dans la chaîne"])
        )
        assert rang["Sceau"] == entree.hash and len(entree.hash) == 64
        assert rang["Sceau précédent"] == entree.hash_precedent
        assert rang["Clé de scellement"] == entree.cle
        assert hash_entree(entree) == rang["Sceau"]
        assert rang["Sceau vérifié à l'édition"] == "Oui"
    # La commande que le dossier nomme confirme la chaîne.
    settings.ECHARPE_JOURNAL_ANCRE = str(tmp_path / "ancre.jsonl")
    sortie = io.StringIO()
    call_command("journal_verifier", "--collectivite", monde.collectivite.slug, stdout=sortie)
    assert "Journal intègre" in sortie.getvalue()
    texte = sans_espaces(texte_pdf(archive.read("dossier-de-preuve.pdf")))
    assert concernant_le_maire.hash[:20] in texte


def test_une_entree_alteree_est_signalee_dans_le_dossier(
    monde, seance_editions, django_capture_on_commit_callbacks
):
    entree = _journaliser_envoi(seance_editions, monde)
    with connection.cursor() as curseur:
        curseur.execute(
            f"UPDATE {EntreeJournal._meta.db_table} SET details = %s WHERE id = %s",
            ['{"falsifie": true}', entree.pk],
        )
    archive, message = _dossier(monde, seance_editions.seance, django_capture_on_commit_callbacks)
    rangs = lire_csv(archive.read("journal.csv"))[1:]
    verifie = {int(r[0]): r[-1] for r in rangs}
    assert verifie[entree.numero] == "NON : entrée altérée ou clé absente"
    assert "Attention : 1\u00a0sceau ne se vérifie pas." in message


@pytest.mark.parametrize(
    ("type_collectivite", "champs", "type_seance", "urgence", "valeur", "limite"),
    [
        # Commune de moins de 3 500 habitants : 3 jours francs (L2121-11).
        (TypeCollectivite.COMMUNE, {"population_legale": 2150}, "cm", False, 3, 24),
        # 3 500 habitants et plus : 5 jours francs (L2121-12).
        (TypeCollectivite.COMMUNE, {"population_legale": 5200}, "cm", False, 5, 22),
        # EPCI dont une commune membre compte 3 500 habitants : 5 jours francs (L5211-1).
        (TypeCollectivite.EPCI, {"membre_3500_ou_plus": True}, "cc", False, 5, 22),
        # Urgence : pas moins d'un jour franc.
        (TypeCollectivite.COMMUNE, {"population_legale": 2150}, "cm", True, 1, 26),
    ],
)
def test_la_regle_de_delai_appliquee(
    type_collectivite, champs, type_seance, urgence, valeur, limite
):
    collectivite = CollectiviteFactory(type=type_collectivite, **champs)
    type_, assemblee = TYPES[type_seance]
    seance = SeanceFactory(
        collectivite=collectivite,
        type=type_,
        assemblee=assemblee,
        date=datetime.datetime(2026, 11, 28, 18, 30, tzinfo=PARIS),
        urgence=urgence,
        urgence_justification="Inondation du groupe scolaire." if urgence else "",
    )
    regle = regle_delai(seance)
    assert regle.delai is not None and regle.delai.valeur == valeur
    assert regle.date_limite == datetime.date(2026, 11, limite)
    assert regle.reference and regle.reference in regle.explication
    if urgence:
        assert "Inondation du groupe scolaire." in regle.explication


def test_une_commission_suit_le_delai_de_la_collectivite(monde):
    seance = SeanceFactory(
        collectivite=monde.collectivite,
        type=TypeSeance.COMMISSION,
        assemblee=Assemblee.COMMISSION,
        commission="Finances",
        date=datetime.datetime(2026, 11, 28, 18, 30, tzinfo=PARIS),
    )
    regle = regle_delai(seance)
    assert regle.delai is not None and regle.delai.code == "convocation_commission"
    assert regle.date_limite is not None


def _requetes(seance) -> int:
    with CaptureQueriesContext(connection) as requetes:
        regle = regle_delai(seance)
        preuves_lire(seance, regle)
        sceaux_lire(seance)
    return len(requetes)


def test_les_lectures_du_dossier_ont_un_nombre_fixe_de_requetes(monde):
    def seance_de(n: int):
        seance = SeanceFactory(collectivite=monde.collectivite)
        for i in range(n):
            destinataire = _membre(seance, "Élu", f"N{i}", Fonction.CONSEILLER)
            _envoi(destinataire, timezone.now())
            journaliser(
                action="convocations_demo_seance_chargee",
                collectivite=monde.collectivite,
                objet=destinataire,
            )
        return seance

    assert _requetes(seance_de(3)) == _requetes(seance_de(30))


def test_seul_un_courriel_de_convocation_accepte_prouve_l_envoi(seance_editions):
    seance = seance_editions.seance
    echoue = _membre(seance, "Yves", "RENAUD", Fonction.CONSEILLER)
    _envoi(
        echoue,
        datetime.datetime(2026, 11, 20, 10, 0, tzinfo=PARIS),
        statut=StatutEnvoi.ECHEC,
        code_smtp=550,
    )
    _envoi(
        echoue,
        datetime.datetime(2026, 11, 21, 10, 0, tzinfo=PARIS),
        motif=MotifEnvoi.NOTIFICATION,
    )
    regle = regle_delai(seance)
    preuves = {p.nom: p for p in preuves_lire(seance, regle)}
    assert preuves["RENAUD"].premier_envoi is None
    assert preuves["RENAUD"].dans_le_delai is None
    assert preuves["DUVAL"].premier_envoi == datetime.date(2026, 11, 20)
