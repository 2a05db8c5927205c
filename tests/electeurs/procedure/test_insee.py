"""Transmission des décisions à l'INSEE (EL-22) et statut d'un demandeur refusé."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.comptes.models import TypeRole
from core.journal.services import journal_chronologie
from electeurs.models import StatutElecteur
from electeurs.procedure import selectors, services
from electeurs.procedure.models import (
    ActionProcedure,
    Decision,
    Delegation,
    Etape,
    TypeEtape,
)
from tests.electeurs.factories import ElecteurFactory, InscriptionListeFactory, MouvementFactory

pytestmark = pytest.mark.django_db

E = TypeRole.AGENT_ELECTIONS
L = TypeRole.LECTURE
AUJOURDHUI = date(2026, 12, 2)


def _demande(monde, par, recue_le=date(2026, 11, 25)):
    return services.demande_inscription_enregistrer(
        collectivite=monde.collectivite,
        electeur=ElecteurFactory.build(collectivite=monde.collectivite, nom_naissance="REFUS"),
        liste="LP",
        recue_le=recue_le,
        motif="Domicile",
        par=par,
    )


def _decider(mouvement, par, decision=Decision.FAVORABLE, le=date(2026, 11, 27), motif=""):
    return services.mouvement_decider(
        mouvement=mouvement,
        decision=decision,
        decide_le=le,
        decideur="Jeanne Maire",
        delegation=Delegation.MAIRE,
        motif=motif,
        par=par,
    )


@time_machine.travel(AUJOURDHUI)
def test_une_decision_est_a_transmettre_a_l_insee_sous_deux_jours(monde, administrateur):
    mouvement = _decider(_demande(monde, administrateur), administrateur)
    assert mouvement.echeance_insee == date(2026, 11, 29)
    assert mouvement.transmis_insee_le is None
    assert selectors.transmissions_insee_compter(monde.collectivite, None) == 1
    # Le 02/12, le délai est passé : la transmission est en retard.
    assert selectors.transmissions_insee_en_retard_compter(monde.collectivite, None) == 1
    assert selectors.mouvements_en_retard_compter(monde.collectivite, None) == 1

    services.insee_transmission_enregistrer(
        mouvement=mouvement, transmise_le=date(2026, 11, 28), par=administrateur
    )
    mouvement.refresh_from_db()
    assert mouvement.transmis_insee_le == date(2026, 11, 28)
    assert selectors.transmissions_insee_compter(monde.collectivite, None) == 0
    assert selectors.transmissions_insee_en_retard_compter(monde.collectivite, None) == 0
    assert Etape.objects.filter(mouvement=mouvement, type=TypeEtape.TRANSMISSION_INSEE).exists()
    actions = [e.action for e in journal_chronologie(sujet=mouvement.electeur)]
    assert ActionProcedure.TRANSMISSION_INSEE in actions


@time_machine.travel(AUJOURDHUI)
def test_la_transmission_a_l_insee_verifie_ses_dates(monde, administrateur):
    mouvement = _decider(_demande(monde, administrateur), administrateur)
    with pytest.raises(ValidationError) as erreur:
        services.insee_transmission_enregistrer(
            mouvement=mouvement, transmise_le=date(2026, 11, 26), par=administrateur
        )
    assert "ne peut pas précéder le 27/11/2026" in " ".join(erreur.value.messages)
    with pytest.raises(ValidationError) as erreur:
        services.insee_transmission_enregistrer(
            mouvement=mouvement, transmise_le=date(2026, 12, 3), par=administrateur
        )
    assert "ne peut pas être dans le futur" in " ".join(erreur.value.messages)
    services.insee_transmission_enregistrer(
        mouvement=mouvement, transmise_le=date(2026, 11, 27), par=administrateur
    )
    with pytest.raises(ValidationError) as erreur:
        services.insee_transmission_enregistrer(
            mouvement=mouvement, transmise_le=date(2026, 11, 28), par=administrateur
        )
    assert "n'attend d'être transmise" in " ".join(erreur.value.messages)


@time_machine.travel(AUJOURDHUI)
def test_un_changement_d_adresse_accorde_part_a_l_insee_sous_sept_jours(monde, administrateur):
    inscription = InscriptionListeFactory(electeur__collectivite=monde.collectivite)
    mouvement = services.modification_demander(
        collectivite=monde.collectivite,
        electeur=inscription.electeur,
        liste="LP",
        nature="adresse",
        recue_le=date(2026, 11, 25),
        adresse={"numero_voie": "12", "libelle_voie": "rue des Lilas"},
        par=administrateur,
    )
    mouvement = _decider(mouvement, administrateur)
    assert mouvement.echeance_insee == date(2026, 12, 4)


@time_machine.travel(AUJOURDHUI)
def test_la_page_du_mouvement_dit_le_retard_et_enregistre_la_transmission(monde, administrateur):
    mouvement = _decider(_demande(monde, administrateur), administrateur)
    client = monde.client(E)
    page = client.get(reverse("electeurs:procedure_mouvement", args=[mouvement.pk]))
    texte = page.content.decode()
    assert "En retard :</strong> À transmettre à l&#x27;INSEE au plus tard le 29/11/2026" in texte
    assert "Enregistrer la transmission" in texte

    liste = client.get(reverse("electeurs:procedure_mouvements"), {"insee": "a_transmettre"})
    assert [m.pk for m in liste.context["page_obj"].object_list] == [mouvement.pk]
    assert "À transmettre à l&#x27;INSEE au plus tard le 29/11/2026" in liste.content.decode()

    reponse = client.post(
        reverse("electeurs:procedure_etape", args=[mouvement.pk, "transmission-insee"]),
        {"transmission-insee-le": "28/11/2026"},
    )
    assert reponse.status_code == 302
    mouvement.refresh_from_db()
    assert mouvement.transmis_insee_le == date(2026, 11, 28)
    page = client.get(reverse("electeurs:procedure_mouvement", args=[mouvement.pk]))
    assert "transmise le 28/11/2026" in page.content.decode()


@time_machine.travel(AUJOURDHUI)
def test_l_accueil_compte_les_transmissions_a_l_insee(monde, administrateur):
    _decider(_demande(monde, administrateur), administrateur)
    page = monde.client(E).get(reverse("pages:accueil")).content.decode()
    assert "Décisions à transmettre à l&#x27;INSEE" in page
    assert "Transmissions à l&#x27;INSEE en retard" in page


@time_machine.travel(AUJOURDHUI)
def test_la_liste_filtree_insee_fait_autant_de_requetes_pour_5_ou_50(monde):
    client = monde.client(E)

    def creer(n):
        for _ in range(n):
            MouvementFactory(
                electeur__collectivite=monde.collectivite,
                etat="decidee",
                echeance=date(2026, 11, 30),
                echeance_insee=date(2026, 11, 30),
            )

    creer(5)
    url = reverse("electeurs:procedure_mouvements")
    with CaptureQueriesContext(connection) as cinq:
        assert client.get(url, {"insee": "a_transmettre"}).status_code == 200
    creer(45)
    with CaptureQueriesContext(connection) as cinquante:
        reponse = client.get(url, {"insee": "a_transmettre"})
    assert len(cinquante) == len(cinq)
    assert reponse.context["page_obj"].paginator.count == 50


# --- Demandeur refusé -----------------------------------------------------------------------


@time_machine.travel(AUJOURDHUI)
def test_un_demandeur_refuse_n_est_plus_en_instance(monde, administrateur):
    mouvement = _decider(
        _demande(monde, administrateur),
        administrateur,
        decision=Decision.REFUS,
        motif="Aucune attache avec la commune.",
    )
    electeur = mouvement.electeur
    electeur.refresh_from_db()
    assert electeur.statut == StatutElecteur.REFUSE
    assert electeur.get_statut_display() == "Inscription refusée"
    actions = [e.action for e in journal_chronologie(sujet=electeur)]
    assert ActionProcedure.ELECTEUR_REFUSE in actions

    fiche = monde.client(L).get(reverse("electeurs:fiche", args=[electeur.pk]))
    assert 'etiquette--echec">Inscription refusée' in fiche.content.decode()
    en_instance = monde.client(L).get(reverse("electeurs:liste"), {"statut": "en_instance"})
    assert "REFUS" not in en_instance.content.decode()


@time_machine.travel(AUJOURDHUI)
def test_un_refus_ne_touche_pas_un_electeur_deja_inscrit_sur_une_autre_liste(monde, administrateur):
    inscription = InscriptionListeFactory(
        electeur__collectivite=monde.collectivite, type_liste="LCM"
    )
    mouvement = services.mouvement_enregistrer(
        collectivite=monde.collectivite,
        electeur=inscription.electeur,
        type="inscription",
        liste="LCE",
        origine="demande",
        recue_le=date(2026, 11, 25),
        par=administrateur,
    )
    _decider(mouvement, administrateur, decision=Decision.REFUS, motif="Pièces manquantes.")
    inscription.electeur.refresh_from_db()
    assert inscription.electeur.statut == StatutElecteur.INSCRIT
