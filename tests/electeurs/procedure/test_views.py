"""Pages de la procédure : liste, mouvement, étapes, demande, commission, pièces."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.comptes.models import TypeRole
from core.travaux.models import StatutTravail, Travail
from electeurs.models import Electeur, InscriptionListe, StatutElecteur
from electeurs.procedure import selectors, services
from electeurs.procedure.models import (
    Canal,
    EtatMouvement,
    MembreCommission,
    Mouvement,
    Piece,
    ReunionCommission,
)
from tests.electeurs.factories import (
    BureauDeVoteFactory,
    ElecteurFactory,
    InscriptionListeFactory,
    MouvementFactory,
)

pytestmark = pytest.mark.django_db

A = TypeRole.ADMINISTRATEUR
E = TypeRole.AGENT_ELECTIONS
L = TypeRole.LECTURE
AUJOURDHUI = date(2026, 12, 2)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _page(reponse) -> str:
    """Le texte de la page, sans balises ni espaces répétés."""
    texte = re.sub(r"<[^>]+>", " ", html.unescape(reponse.content.decode()))
    return re.sub(r"\s+", " ", texte).replace(" ,", ",").replace(" .", ".")


def _mouvements(monde, n: int) -> None:
    for i in range(n):
        MouvementFactory(
            electeur__collectivite=monde.collectivite,
            echeance=date(2026, 11, 30),
            etat="decidee" if i % 2 else "a_decider",
        )


# --- Liste ----------------------------------------------------------------------------------


@time_machine.travel(AUJOURDHUI)
def test_la_liste_fait_autant_de_requetes_pour_5_ou_50_mouvements(monde):
    client = monde.client(E)
    _mouvements(monde, 5)
    with CaptureQueriesContext(connection) as cinq:
        assert client.get(reverse("electeurs:procedure_mouvements")).status_code == 200
    _mouvements(monde, 45)
    with CaptureQueriesContext(connection) as cinquante:
        reponse = client.get(reverse("electeurs:procedure_mouvements"))
    assert reponse.status_code == 200
    assert len(cinquante) == len(cinq)
    assert "50 résultats" in _page(reponse).replace("\u202f", " ")


@time_machine.travel(AUJOURDHUI)
@pytest.mark.parametrize("tri", ["echeance", "-echeance"])
def test_les_mouvements_sans_echeance_restent_en_fin_de_liste(monde, tri):
    client = monde.client(E)
    MouvementFactory(
        electeur__collectivite=monde.collectivite, electeur__nom_naissance="SANSECHEANCE"
    )
    MouvementFactory(
        electeur__collectivite=monde.collectivite,
        electeur__nom_naissance="AVECECHEANCE",
        echeance=AUJOURDHUI,
    )
    page = _page(client.get(reverse("electeurs:procedure_mouvements"), {"tri": tri}))
    assert page.index("AVECECHEANCE") < page.index("SANSECHEANCE")


@time_machine.travel(AUJOURDHUI)
def test_la_liste_dit_le_retard_en_toutes_lettres_et_filtre(monde):
    en_retard = MouvementFactory(
        electeur__collectivite=monde.collectivite,
        electeur__nom_naissance="RETARD",
        etat="decidee",
        echeance=date(2026, 12, 1),
    )
    MouvementFactory(
        electeur__collectivite=monde.collectivite,
        electeur__nom_naissance="ALHEURE",
        echeance=date(2026, 12, 5),
    )
    MouvementFactory(electeur__collectivite=monde.autre, electeur__nom_naissance="AILLEURS")
    client = monde.client(L)

    page = _page(client.get(reverse("electeurs:procedure_mouvements")))
    assert "En retard" in page
    assert "À notifier au plus tard le 01/12/2026" in page
    assert "À décider au plus tard le 05/12/2026" in page
    assert "AILLEURS" not in page

    filtree = client.get(reverse("electeurs:procedure_mouvements"), {"retard": "oui"})
    assert [m.pk for m in filtree.context["page_obj"].object_list] == [en_retard.pk]
    par_etat = client.get(reverse("electeurs:procedure_mouvements"), {"etat": "a_decider"})
    assert [m.electeur.nom_naissance for m in par_etat.context["page_obj"].object_list] == [
        "ALHEURE"
    ]
    # Un filtre inconnu est ignoré, jamais une erreur.
    assert client.get(reverse("electeurs:procedure_mouvements"), {"etat": "<x>"}).status_code == 200


# --- Mouvement et étapes --------------------------------------------------------------------


def test_un_mouvement_d_une_autre_collectivite_repond_404(monde):
    ailleurs = MouvementFactory(electeur__collectivite=monde.autre)
    client = monde.client(A)
    url = reverse("electeurs:procedure_mouvement", args=[ailleurs.pk])
    assert client.get(url).status_code == 404
    reponse = client.post(reverse("electeurs:procedure_etape", args=[ailleurs.pk, "decider"]), {})
    assert reponse.status_code == 404


@time_machine.travel(AUJOURDHUI)
def test_la_lecture_seule_voit_le_mouvement_sans_formulaire(monde):
    mouvement = MouvementFactory(electeur__collectivite=monde.collectivite, echeance=AUJOURDHUI)
    page = _page(monde.client(L).get(reverse("electeurs:procedure_mouvement", args=[mouvement.pk])))
    assert "À décider au plus tard le 02/12/2026" in page
    assert "Enregistrer la décision" not in page
    page = _page(monde.client(E).get(reverse("electeurs:procedure_mouvement", args=[mouvement.pk])))
    assert "Enregistrer la décision" in page


@time_machine.travel(AUJOURDHUI)
def test_une_etape_hors_de_son_ordre_repond_400_en_francais(monde):
    mouvement = MouvementFactory(electeur__collectivite=monde.collectivite, echeance=AUJOURDHUI)
    client = monde.client(E)
    reponse = client.post(
        reverse("electeurs:procedure_etape", args=[mouvement.pk, "notifier"]),
        {"notifier-envoyee_le": "01/12/2026", "notifier-canal": "courrier"},
    )
    assert reponse.status_code == 400
    assert (
        "Vous ne pouvez pas enregistrer la notification : le mouvement est à l'étape "
        "« Demande à décider »." in _page(reponse)
    )
    mouvement.refresh_from_db()
    assert mouvement.etat == EtatMouvement.A_DECIDER
    inconnue = client.post(reverse("electeurs:procedure_etape", args=[mouvement.pk, "xx"]), {})
    assert inconnue.status_code == 404


@time_machine.travel(AUJOURDHUI)
def test_une_date_impossible_revient_sous_son_champ(monde):
    mouvement = MouvementFactory(electeur__collectivite=monde.collectivite, echeance=AUJOURDHUI)
    reponse = monde.client(E).post(
        reverse("electeurs:procedure_etape", args=[mouvement.pk, "decider"]),
        {
            "decider-decision": "favorable",
            "decider-decide_le": "31/02/2026",
            "decider-decideur": "Jeanne Maire",
            "decider-delegation": "maire",
        },
    )
    assert reponse.status_code == 400
    assert "Cette date n'existe pas" in _page(reponse)


@time_machine.travel(AUJOURDHUI)
def test_decider_puis_notifier_par_les_pages(monde):
    mouvement = MouvementFactory(electeur__collectivite=monde.collectivite, echeance=AUJOURDHUI)
    bureau = BureauDeVoteFactory(collectivite=monde.collectivite)
    client = monde.client(E)
    reponse = client.post(
        reverse("electeurs:procedure_etape", args=[mouvement.pk, "decider"]),
        {
            "decider-decision": "favorable",
            "decider-decide_le": "01/12/2026",
            "decider-decideur": "Jeanne Maire",
            "decider-delegation": "maire",
            "decider-bureau": bureau.pk,
        },
        follow=True,
    )
    page = _page(reponse)
    assert "Décision enregistrée" in page
    inscription = InscriptionListe.objects.get(electeur=mouvement.electeur)
    assert inscription.bureau == bureau
    assert f"Liste principale, bureau {bureau.code} — {bureau.libelle}" in page
    assert "À notifier au plus tard le 03/12/2026" in page
    assert "Avis à produire : Avis d'inscription" in page
    reponse = client.post(
        reverse("electeurs:procedure_etape", args=[mouvement.pk, "notifier"]),
        {
            "notifier-envoyee_le": "02/12/2026",
            "notifier-canal": Canal.LRAR,
            "notifier-numero_lrar": "1A 111",
        },
        follow=True,
    )
    assert "Notification enregistrée" in _page(reponse)
    mouvement.refresh_from_db()
    assert mouvement.etat == EtatMouvement.NOTIFIEE


# --- Nouvelle demande -----------------------------------------------------------------------

DEMANDE = {
    "nom_naissance": "Dupré",
    "prenoms": "Hélène",
    "sexe": "F",
    "naissance_jour": "4",
    "naissance_mois": "7",
    "naissance_annee": "1953",
    "commune_naissance_libelle": "Nantes",
    "liste": "LP",
    "recue_le": "01/12/2026",
}


@time_machine.travel(AUJOURDHUI)
def test_une_nouvelle_demande_signale_les_homonymes_avant_d_enregistrer(monde):
    ElecteurFactory(
        collectivite=monde.collectivite,
        nom_naissance="DUPRE",
        prenoms="Hélène",
        commune_naissance_libelle="Brest",
        commune_naissance_code="29019",
    )
    ElecteurFactory(collectivite=monde.autre, nom_naissance="DUPRE", prenoms="Hélène")
    client = monde.client(E)
    url = reverse("electeurs:procedure_demande_nouvelle")

    reponse = client.post(url, DEMANDE)
    assert reponse.status_code == 400
    page = _page(reponse)
    assert "Homonymes possibles" in page
    assert "Brest" in page
    assert len(reponse.context["homonymes"]) == 1  # pas celui de l'autre collectivité
    assert Electeur.objects.pour(monde.collectivite).count() == 1

    reponse = client.post(url, {**DEMANDE, "confirmer_homonyme": "on"})
    assert reponse.status_code == 302
    mouvement = Mouvement.objects.pour(monde.collectivite).get()
    assert mouvement.electeur.statut == StatutElecteur.EN_INSTANCE
    assert mouvement.recue_le == date(2026, 12, 1)
    assert mouvement.echeance == date(2026, 12, 6)


@time_machine.travel(AUJOURDHUI)
def test_une_demande_incomplete_revient_en_francais(monde):
    reponse = monde.client(E).post(
        reverse("electeurs:procedure_demande_nouvelle"), {**DEMANDE, "recue_le": "demain"}
    )
    assert reponse.status_code == 400
    assert "Saisissez une date au format jj/mm/aaaa" in _page(reponse)
    assert not Electeur.objects.exists()


# --- Intention de radiation -----------------------------------------------------------------


@time_machine.travel(AUJOURDHUI)
def test_l_intention_de_radiation_par_la_page(monde):
    electeur = InscriptionListeFactory(electeur__collectivite=monde.collectivite).electeur
    client = monde.client(E)
    url = reverse("electeurs:procedure_intention", args=[electeur.pk])
    reponse = client.post(
        url, {"liste": "LP", "motif": "", "envoyee_le": "01/12/2026", "canal": "lrar"}
    )
    assert reponse.status_code == 400
    reponse = client.post(
        url,
        {
            "liste": "LP",
            "motif": "Logement vendu",
            "envoyee_le": "01/12/2026",
            "canal": "lrar",
            "numero_lrar": "1A 222",
        },
        follow=True,
    )
    page = _page(reponse)
    assert "Réception du courrier non enregistrée" in page
    assert "Avis à produire : Avis d'intention de radiation" in page


# --- Pièces ---------------------------------------------------------------------------------


@time_machine.travel(AUJOURDHUI)
def test_televerser_puis_telecharger_une_piece(monde):
    mouvement = MouvementFactory(electeur__collectivite=monde.collectivite)
    client = monde.client(E)
    url = reverse("electeurs:procedure_piece_ajouter", args=[mouvement.pk])

    refus = client.post(
        url,
        {"type": "demande", "date": "01/12/2026", "fichier": SimpleUploadedFile("a.pdf", b"MZ")},
    )
    assert refus.status_code == 400
    assert "La pièce doit être un PDF" in _page(refus)
    vide = client.post(
        url,
        {"type": "demande", "date": "01/12/2026", "fichier": SimpleUploadedFile("a.pdf", b"")},
    )
    assert vide.status_code == 400
    assert "Le fichier est vide." in _page(vide)

    ok = client.post(
        url,
        {"type": "demande", "date": "01/12/2026", "fichier": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert ok.status_code == 302
    piece = Piece.objects.get()
    reponse = monde.client(L).get(reverse("electeurs:procedure_piece", args=[piece.pk]))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["X-Content-Type-Options"] == "nosniff"
    assert b"".join(reponse.streaming_content) == PDF


# --- Commission de contrôle -----------------------------------------------------------------


@time_machine.travel(AUJOURDHUI)
def test_reunion_quorum_tableau_et_pdf(monde, administrateur, django_capture_on_commit_callbacks):
    client = monde.client(E)
    for nom in ("Anne", "Bruno", "Chloé"):
        client.post(
            reverse("electeurs:procedure_commission"),
            {"membre-nom": nom, "membre-qualite": "Conseiller"},
        )
    page = _page(client.get(reverse("electeurs:procedure_commission")))
    assert "Chloé — Conseiller" in page
    ids = [str(m.pk) for m in MembreCommission.objects.pour(monde.collectivite)[:2]]
    reponse = client.post(
        reverse("electeurs:procedure_commission"),
        {
            "reunion-date": "01/12/2026",
            "reunion-nombre_membres": "3",
            "reunion-presents": ids,
        },
        follow=True,
    )
    page = _page(reponse)
    assert "Quorum non atteint : 2 présents pour 3 requis" in page
    reunion = ReunionCommission.objects.get()
    MouvementFactory(
        electeur__collectivite=monde.collectivite,
        electeur__nom_naissance="EXAMINE",
        recue_le=date(2026, 11, 28),
    )
    page = _page(client.get(reverse("electeurs:procedure_reunion", args=[reunion.pk])))
    assert "EXAMINE" in page
    assert "1 mouvement à examiner" in page

    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(reverse("electeurs:procedure_reunion_tableau", args=[reunion.pk]))
    travail = Travail.objects.get()
    assert reponse.url == reverse("travaux:detail", args=[travail.pk])
    travail.refresh_from_db()
    assert travail.statut == StatutTravail.TERMINE, travail.erreur
    assert travail.fichier.name.endswith(".pdf")
    with travail.fichier.open("rb") as f:
        assert f.read(5) == b"%PDF-"


@time_machine.travel(AUJOURDHUI)
def test_les_compteurs_s_affichent_sur_l_accueil(monde):
    _mouvements(monde, 3)
    page = _page(monde.client(E).get(reverse("pages:accueil")))
    assert "Demandes à décider" in page
    assert "Décisions à notifier" in page
    assert "Mouvements en retard" in page
    assert "Demandes à décider" not in _page(
        monde.client(TypeRole.SECRETARIAT).get(reverse("pages:accueil"))
    )


@time_machine.travel(AUJOURDHUI)
def test_la_commission_radie_un_electeur_par_sa_page(monde, administrateur):
    electeur = InscriptionListeFactory(electeur__collectivite=monde.collectivite).electeur
    membres = [
        services.membre_ajouter(
            collectivite=monde.collectivite, nom=f"M{i}", qualite="Conseiller", par=administrateur
        )
        for i in range(3)
    ]
    reunion = services.reunion_creer(
        collectivite=monde.collectivite,
        date=date(2026, 12, 1),
        nombre_membres=3,
        presents=membres,
        par=administrateur,
    )
    autre_reunion = ReunionCommission.objects.create(
        collectivite=monde.autre, date=date(2026, 12, 1), nombre_membres=3
    )
    client = monde.client(E)
    url = reverse("electeurs:procedure_commission_electeur", args=[electeur.pk])
    donnees = {"decision": "radiation", "liste": "LP", "motif": "Domicile hors commune"}

    ailleurs = client.post(url, {**donnees, "reunion": autre_reunion.pk})
    assert ailleurs.status_code == 400
    assert "Sélectionnez un choix valide" in _page(ailleurs)

    reponse = client.post(url, {**donnees, "reunion": reunion.pk})
    assert reponse.status_code == 302
    electeur.refresh_from_db()
    assert electeur.statut == StatutElecteur.RADIE
    mouvement = Mouvement.objects.get(electeur=electeur)
    assert mouvement.etat == EtatMouvement.COMMISSION_DECIDEE
    assert mouvement.echeance == date(2026, 12, 3)


@time_machine.travel(AUJOURDHUI)
def test_le_gabarit_de_la_fiche_fait_autant_de_requetes_pour_2_ou_20_mouvements(monde):
    electeur = ElecteurFactory(collectivite=monde.collectivite)

    def ajouter(n: int) -> None:
        for _ in range(n):
            mouvement = MouvementFactory(
                electeur=electeur, decision="favorable", decide_le=AUJOURDHUI
            )
            Piece.objects.create(
                collectivite=monde.collectivite,
                electeur=electeur,
                mouvement=mouvement,
                type="demande",
                date=AUJOURDHUI,
                fichier=SimpleUploadedFile("p.pdf", PDF),
                nom_original="p.pdf",
                type_mime="application/pdf",
                taille=len(PDF),
            )

    def rendre() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as requetes:
            contexte = {
                "mouvements": selectors.mouvements_de(electeur=electeur),
                "pieces": selectors.pieces_de(electeur=electeur),
                "electeur": electeur,
                "peut_ecrire": True,
            }
            texte = render_to_string(
                "electeurs/procedure/_mouvements_contenu.html", contexte
            ) + render_to_string("electeurs/procedure/_pieces_contenu.html", contexte)
        return len(requetes), texte

    ajouter(2)
    deux, _ = rendre()
    ajouter(18)
    vingt, texte = rendre()
    assert vingt == deux
    assert texte.count("Demande (formulaire CERFA) du 02/12/2026") == 20
    assert "(inscription accordée)" in html.unescape(texte)


@time_machine.travel(date(2026, 12, 20))
def test_un_rapo_tardif_s_enregistre_avec_un_avertissement(monde, administrateur):
    mouvement = MouvementFactory(electeur__collectivite=monde.collectivite, echeance=AUJOURDHUI)
    mouvement = services.mouvement_decider(
        mouvement=mouvement,
        decision="refus",
        decide_le=date(2026, 11, 26),
        decideur="Jeanne Maire",
        delegation="maire",
        motif="Aucune attache",
        par=administrateur,
    )
    services.mouvement_notifier(
        mouvement=mouvement,
        notification=services.Notification(envoyee_le=date(2026, 11, 27), canal=Canal.COURRIER),
        par=administrateur,
    )
    reponse = monde.client(E).post(
        reverse("electeurs:procedure_etape", args=[mouvement.pk, "rapo"]),
        {"rapo-recu_le": "10/12/2026", "rapo-texte": "Je conteste"},
        follow=True,
    )
    page = _page(reponse)
    assert "Recours enregistré" in page
    assert "après la fin du délai de 5 jours" in page
    assert "Recours reçu hors délai (après le 02/12/2026)" in page


@time_machine.travel(AUJOURDHUI)
def test_une_date_de_naissance_impossible_est_refusee(monde):
    reponse = monde.client(E).post(
        reverse("electeurs:procedure_demande_nouvelle"),
        {**DEMANDE, "naissance_jour": "31", "naissance_mois": "2", "naissance_annee": "1990"},
    )
    assert reponse.status_code == 400
    assert "Cette date de naissance n'existe pas (31/02/1990)." in _page(reponse)
    assert not Electeur.objects.exists()
