"""Demandes de modification, radiations demandées par l'électeur, mouvements de l'INSEE ou du
tribunal ; fin de fonctions d'un membre de la commission."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.comptes.models import TypeRole
from core.journal.services import journal_chronologie
from electeurs.models import InscriptionListe, StatutElecteur
from electeurs.procedure import services
from electeurs.procedure.models import (
    ActionProcedure,
    Decision,
    Delegation,
    EtatMouvement,
    MembreCommission,
    Mouvement,
)
from tests.electeurs.factories import BureauDeVoteFactory, InscriptionListeFactory

pytestmark = pytest.mark.django_db

E = TypeRole.AGENT_ELECTIONS
L = TypeRole.LECTURE
AUJOURDHUI = date(2026, 12, 2)


def _url(electeur, sorte):
    return reverse("electeurs:procedure_mouvement_saisie", args=[electeur.pk, sorte])


# --- Modification ---------------------------------------------------------------------------


@time_machine.travel(AUJOURDHUI)
def test_une_demande_de_changement_de_bureau_accordee_change_le_bureau(monde, administrateur):
    inscription = InscriptionListeFactory(electeur__collectivite=monde.collectivite)
    nouveau = BureauDeVoteFactory(collectivite=monde.collectivite, code="0009")
    client = monde.client(E)
    reponse = client.post(
        _url(inscription.electeur, "modification"),
        {
            "liste": "LP",
            "nature": "bureau",
            "recue_le": "30/11/2026",
            "motif": "Souhaite voter au bureau de l'école.",
        },
    )
    assert reponse.status_code == 302
    mouvement = Mouvement.objects.get(electeur=inscription.electeur)
    assert (mouvement.type, mouvement.nature, mouvement.etat) == (
        "modification",
        "bureau",
        EtatMouvement.A_DECIDER,
    )
    assert mouvement.echeance == date(2026, 12, 5)

    services.mouvement_decider(
        mouvement=mouvement,
        decision=Decision.FAVORABLE,
        decide_le=date(2026, 12, 1),
        decideur="Jeanne Maire",
        delegation=Delegation.MAIRE,
        bureau=nouveau,
        par=administrateur,
    )
    inscription.refresh_from_db()
    assert inscription.bureau == nouveau
    page = client.get(reverse("electeurs:procedure_mouvements")).content.decode()
    assert "Modification — Liste principale (changement de bureau de vote)" in page
    assert "origine : demande de l&#x27;électeur" in page


def test_une_modification_sans_nature_ni_description_est_refusee_en_francais(monde):
    inscription = InscriptionListeFactory(electeur__collectivite=monde.collectivite)
    reponse = monde.client(E).post(
        _url(inscription.electeur, "modification"),
        {"liste": "LP", "nature": "", "recue_le": "", "motif": ""},
    )
    assert reponse.status_code == 400
    texte = reponse.content.decode()
    assert "Indiquez ce que la demande modifie." in texte
    assert "Indiquez la date : demande reçue le." in texte
    client = monde.client(E)
    sans_adresse = client.post(
        _url(inscription.electeur, "modification"),
        {"liste": "LP", "nature": "adresse", "recue_le": "20/11/2026", "motif": ""},
    )
    assert sans_adresse.status_code == 400
    assert "Indiquez la nouvelle adresse : le libellé de voie ou le lieu-dit." in (
        sans_adresse.content.decode().replace("&#x27;", "'")
    )
    sans_motif = client.post(
        _url(inscription.electeur, "modification"),
        {"liste": "LP", "nature": "bureau", "recue_le": "20/11/2026", "motif": ""},
    )
    assert sans_motif.status_code == 400
    assert "Décrivez la modification demandée." in sans_motif.content.decode()
    assert not Mouvement.objects.exists()


@time_machine.travel(AUJOURDHUI)
def test_un_changement_d_adresse_accorde_change_l_adresse_de_rattachement(monde, administrateur):
    inscription = InscriptionListeFactory(
        electeur__collectivite=monde.collectivite,
        electeur__numero_voie="1",
        electeur__libelle_voie="rue Ancienne",
        electeur__complement_1="Bâtiment A",
        electeur__code_postal="85000",
        electeur__commune="Saint-Test",
    )
    client = monde.client(E)
    reponse = client.post(
        _url(inscription.electeur, "modification"),
        {
            "liste": "LP",
            "nature": "adresse",
            "recue_le": "30/11/2026",
            "numero_voie": "12",
            "libelle_voie": "rue des Lilas",
        },
    )
    assert reponse.status_code == 302
    mouvement = Mouvement.objects.get(electeur=inscription.electeur)
    page = client.get(reverse("electeurs:procedure_mouvement", args=[mouvement.pk]))
    assert "Changement d&#x27;adresse dans la commune : 12 rue des Lilas" in page.content.decode()
    electeur = inscription.electeur
    electeur.refresh_from_db()
    assert electeur.libelle_voie == "rue Ancienne"  # rien ne change avant la décision

    services.mouvement_decider(
        mouvement=mouvement,
        decision=Decision.FAVORABLE,
        decide_le=date(2026, 12, 1),
        decideur="Jeanne Maire",
        delegation=Delegation.MAIRE,
        par=administrateur,
    )
    electeur.refresh_from_db()
    assert (electeur.numero_voie, electeur.libelle_voie, electeur.complement_1) == (
        "12",
        "rue des Lilas",
        "",
    )
    assert (electeur.code_postal, electeur.commune) == ("85000", "Saint-Test")
    details = [e.details for e in journal_chronologie(sujet=electeur)]
    assert {"champs_modifies": "adresse de rattachement", "mouvement": mouvement.pk} in details


@time_machine.travel(AUJOURDHUI)
def test_une_correction_d_etat_civil_oriente_vers_l_insee(monde):
    inscription = InscriptionListeFactory(electeur__collectivite=monde.collectivite)
    reponse = monde.client(E).post(
        _url(inscription.electeur, "modification"),
        {"liste": "LP", "nature": "etat_civil", "recue_le": "30/11/2026", "motif": "Prénom"},
        follow=True,
    )
    assert "L&#x27;état civil est corrigé par l&#x27;INSEE (RNIPP)" in reponse.content.decode()


# --- Radiation demandée ---------------------------------------------------------------------


@time_machine.travel(AUJOURDHUI)
def test_un_electeur_ne_demande_pas_sa_radiation_de_la_liste_principale(monde, administrateur):
    inscription = InscriptionListeFactory(electeur__collectivite=monde.collectivite)
    with pytest.raises(ValidationError) as erreur:
        services.radiation_demander(
            collectivite=monde.collectivite,
            electeur=inscription.electeur,
            liste="LP",
            recue_le=date(2026, 12, 1),
            par=administrateur,
        )
    assert "ne peut pas demander sa radiation de la liste principale" in " ".join(
        erreur.value.messages
    )


@time_machine.travel(AUJOURDHUI)
def test_la_radiation_demandee_d_une_liste_complementaire_se_decide(monde, administrateur):
    inscription = InscriptionListeFactory(
        electeur__collectivite=monde.collectivite, type_liste="LCE"
    )
    reponse = monde.client(E).post(
        _url(inscription.electeur, "radiation"),
        {"liste": "LCE", "recue_le": "01/12/2026", "motif": "Vote dans son pays."},
    )
    assert reponse.status_code == 302
    mouvement = Mouvement.objects.get(electeur=inscription.electeur)
    assert (mouvement.type, mouvement.origine) == ("radiation", "demande")
    # Accepter ce que l'électeur demande ne lui fait pas grief : pas de motif exigé, pas de RAPO.
    services.mouvement_decider(
        mouvement=mouvement,
        decision=Decision.FAVORABLE,
        decide_le=date(2026, 12, 2),
        decideur="Jeanne Maire",
        delegation=Delegation.MAIRE,
        par=administrateur,
    )
    mouvement.refresh_from_db()
    assert not mouvement.defavorable
    assert not InscriptionListe.objects.filter(electeur=inscription.electeur).exists()
    inscription.electeur.refresh_from_db()
    assert inscription.electeur.statut == StatutElecteur.RADIE


# --- INSEE, tribunal ------------------------------------------------------------------------


@time_machine.travel(AUJOURDHUI)
def test_une_radiation_de_l_insee_s_applique_aussitot(monde):
    inscription = InscriptionListeFactory(electeur__collectivite=monde.collectivite)
    reponse = monde.client(E).post(
        _url(inscription.electeur, "insee-tribunal"),
        {
            "origine": "insee",
            "type": "radiation",
            "liste": "LP",
            "le": "01/12/2026",
            "motif": "Décès",
        },
    )
    assert reponse.status_code == 302
    mouvement = Mouvement.objects.get(electeur=inscription.electeur)
    assert (mouvement.origine, mouvement.etat) == ("insee", EtatMouvement.CLOS)
    electeur = inscription.electeur
    electeur.refresh_from_db()
    assert electeur.statut == StatutElecteur.RADIE
    assert electeur.date_radiation == date(2026, 12, 1)
    actions = [e.action for e in journal_chronologie(sujet=electeur)]
    assert ActionProcedure.ELECTEUR_RADIE in actions
    assert ActionProcedure.DEMANDE_RECUE in actions
    fiche = monde.client(L).get(reverse("electeurs:fiche", args=[electeur.pk])).content.decode()
    assert "Radiation — liste principale" in fiche
    assert "insee, le 01/12/2026" in fiche


@time_machine.travel(AUJOURDHUI)
def test_une_inscription_ordonnee_par_le_tribunal_inscrit(monde, administrateur):
    electeur = InscriptionListeFactory(
        electeur__collectivite=monde.collectivite, type_liste="LCM"
    ).electeur
    mouvement = services.mouvement_externe_enregistrer(
        collectivite=monde.collectivite,
        electeur=electeur,
        type="inscription",
        liste="LP",
        origine="tribunal",
        le=date(2026, 11, 30),
        motif="TJ de Nantes, 30/11/2026, n° 26/01234",
        par=administrateur,
    )
    assert mouvement.etat == EtatMouvement.CLOS
    assert InscriptionListe.objects.filter(electeur=electeur, type_liste="LP").exists()


def test_un_mouvement_externe_sans_motif_est_refuse(monde):
    inscription = InscriptionListeFactory(electeur__collectivite=monde.collectivite)
    reponse = monde.client(E).post(
        _url(inscription.electeur, "insee-tribunal"),
        {"origine": "tribunal", "type": "radiation", "liste": "LP", "le": "", "motif": ""},
    )
    assert reponse.status_code == 400
    texte = reponse.content.decode()
    assert "Indiquez la date : date de l&#x27;avis ou du jugement." in texte
    assert "Indiquez : motif." in texte
    assert not Mouvement.objects.exists()


@time_machine.travel(AUJOURDHUI)
def test_la_liste_filtre_par_origine(monde, administrateur):
    inscription = InscriptionListeFactory(electeur__collectivite=monde.collectivite)
    externe = services.mouvement_externe_enregistrer(
        collectivite=monde.collectivite,
        electeur=inscription.electeur,
        type="radiation",
        liste="LP",
        origine="insee",
        le=date(2026, 12, 1),
        motif="Inscription dans une autre commune",
        par=administrateur,
    )
    services.modification_demander(
        collectivite=monde.collectivite,
        electeur=InscriptionListeFactory(electeur__collectivite=monde.collectivite).electeur,
        liste="LP",
        nature="adresse",
        recue_le=date(2026, 12, 1),
        adresse={"numero_voie": "3", "libelle_voie": "place de la Mairie"},
        par=administrateur,
    )
    reponse = monde.client(L).get(reverse("electeurs:procedure_mouvements"), {"origine": "insee"})
    assert [m.pk for m in reponse.context["page_obj"].object_list] == [externe.pk]


def test_une_sorte_de_mouvement_inconnue_repond_404(monde):
    inscription = InscriptionListeFactory(electeur__collectivite=monde.collectivite)
    assert monde.client(E).get(_url(inscription.electeur, "inconnue")).status_code == 404


# --- Fin de fonctions d'un membre -----------------------------------------------------------


@time_machine.travel(AUJOURDHUI)
def test_un_membre_sorti_ne_compte_plus_pour_le_quorum_et_reste_dans_l_historique(
    monde, administrateur
):
    membres = [
        services.membre_ajouter(
            collectivite=monde.collectivite, nom=f"Membre {i}", qualite="conseiller", par=None
        )
        for i in range(3)
    ]
    ancienne = services.reunion_creer(
        collectivite=monde.collectivite,
        date=date(2026, 11, 10),
        nombre_membres=3,
        presents=membres,
        par=administrateur,
    )
    client = monde.client(E)
    reponse = client.post(
        reverse("electeurs:procedure_membre_fin", args=[membres[0].pk]),
        {"fin_le": "20/11/2026", "motif": "Nouvel arrêté préfectoral"},
    )
    assert reponse.status_code == 302
    membre = MembreCommission.objects.get(pk=membres[0].pk)
    assert (membre.fin_le, membre.actif) == (date(2026, 11, 20), False)
    # L'historique garde sa présence, et le quorum de cette réunion passée reste atteint.
    assert membre in ancienne.membres_presents.all()
    assert services.quorum(ancienne).atteint

    with pytest.raises(ValidationError) as erreur:
        services.reunion_creer(
            collectivite=monde.collectivite,
            date=date(2026, 12, 1),
            nombre_membres=3,
            presents=membres,
            par=administrateur,
        )
    assert erreur.value.message_dict["membres_presents"] == [
        "Membre 0 n'est plus membre de la commission depuis le 20/11/2026 : il ne compte pas "
        "pour le quorum."
    ]
    page = client.get(reverse("electeurs:procedure_commission")).content.decode()
    assert "Fin de fonctions le 20/11/2026" in page
    # Plus proposé parmi les présents d'une nouvelle réunion ; les autres le sont.
    assert "Membre 0 (conseiller)" not in page
    assert "Membre 1 (conseiller)" in page


@time_machine.travel(AUJOURDHUI)
def test_la_fin_de_fonctions_ne_precede_pas_une_presence(monde, administrateur):
    membre = services.membre_ajouter(
        collectivite=monde.collectivite, nom="Anne", qualite="déléguée", par=None
    )
    services.reunion_creer(
        collectivite=monde.collectivite,
        date=date(2026, 11, 10),
        nombre_membres=1,
        presents=[membre],
        par=administrateur,
    )
    reponse = monde.client(E).post(
        reverse("electeurs:procedure_membre_fin", args=[membre.pk]), {"fin_le": "01/11/2026"}
    )
    assert reponse.status_code == 400
    assert "présent(e) à la réunion du 10/11/2026" in reponse.content.decode()
    membre.refresh_from_db()
    assert membre.fin_le is None
