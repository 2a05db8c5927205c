"""Services de la procédure : ordre des étapes, effets sur l'électeur, journal, pièces."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from core.journal.models import EntreeJournal
from core.journal.services import journal_chronologie
from electeurs.models import InscriptionListe, StatutElecteur
from electeurs.procedure import selectors, services
from electeurs.procedure.models import (
    ActionProcedure,
    Avis,
    Canal,
    Decision,
    DecisionCommission,
    Delegation,
    Etape,
    EtatMouvement,
    Mouvement,
    TypeEtape,
)
from tests.electeurs.factories import (
    ElecteurFactory,
    InscriptionListeFactory,
    MouvementFactory,
)

pytestmark = pytest.mark.django_db

AUJOURDHUI = date(2026, 12, 20)


def _message(erreur: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(erreur.value.messages)


def _demande(monde, par, recue_le=date(2026, 11, 25)) -> Mouvement:
    return services.demande_inscription_enregistrer(
        collectivite=monde.collectivite,
        electeur=ElecteurFactory.build(collectivite=monde.collectivite, nom_naissance="DUPRÉ"),
        liste="LP",
        recue_le=recue_le,
        motif="Domicile dans la commune",
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


def _notifier(mouvement, par, le=date(2026, 11, 28), recue_le=None):
    return services.mouvement_notifier(
        mouvement=mouvement,
        notification=services.Notification(
            envoyee_le=le, canal=Canal.LRAR, numero_lrar="1A 000 000 0001 2", recue_le=recue_le
        ),
        par=par,
    )


def _intention(monde, par, envoyee_le=date(2026, 11, 20)):
    inscription = InscriptionListeFactory(electeur__collectivite=monde.collectivite)
    return services.intention_radiation_envoyer(
        collectivite=monde.collectivite,
        electeur=inscription.electeur,
        liste="LP",
        motif="Logement vendu, courriers revenus.",
        envoyee_le=envoyee_le,
        canal=Canal.COURRIER,
        par=par,
    )


def _reunion(monde, par, le=date(2026, 12, 15), presents=3, membres=3):
    liste = [
        services.membre_ajouter(
            collectivite=monde.collectivite, nom=f"Membre {i}", qualite="conseiller", par=par
        )
        for i in range(membres)
    ]
    return services.reunion_creer(
        collectivite=monde.collectivite,
        date=le,
        nombre_membres=membres,
        presents=liste[:presents],
        par=par,
    )


# --- Demande, décision, notification --------------------------------------------------------


@time_machine.travel(AUJOURDHUI)
def test_une_demande_cree_un_electeur_en_instance_et_un_mouvement_a_decider(monde, administrateur):
    mouvement = _demande(monde, administrateur)

    assert mouvement.electeur.statut == StatutElecteur.EN_INSTANCE
    assert mouvement.etat == EtatMouvement.A_DECIDER
    assert mouvement.echeance == date(2026, 11, 30)
    assert [e.type for e in Etape.objects.filter(mouvement=mouvement)] == [TypeEtape.RECEPTION]
    actions = [e.action for e in journal_chronologie(sujet=mouvement.electeur)]
    assert ActionProcedure.DEMANDE_RECUE in actions


@time_machine.travel(AUJOURDHUI)
def test_une_date_de_reception_dans_le_futur_est_refusee(monde, administrateur):
    with pytest.raises(ValidationError) as erreur:
        _demande(monde, administrateur, recue_le=date(2026, 12, 21))
    assert "La date de réception ne peut pas être dans le futur." in _message(erreur)
    assert not Mouvement.objects.exists()


@time_machine.travel(AUJOURDHUI)
def test_la_decision_favorable_inscrit_l_electeur_et_demande_l_avis_d_inscription(
    monde, administrateur
):
    mouvement = _decider(_demande(monde, administrateur), administrateur)

    electeur = mouvement.electeur
    electeur.refresh_from_db()
    assert electeur.statut == StatutElecteur.INSCRIT
    assert electeur.date_inscription == date(2026, 11, 27)
    assert InscriptionListe.objects.filter(electeur=electeur, type_liste="LP").exists()
    assert mouvement.etat == EtatMouvement.DECIDEE
    assert mouvement.echeance == date(2026, 11, 29)
    assert mouvement.decide_par == administrateur
    etape = Etape.objects.get(mouvement=mouvement, type=TypeEtape.DECISION)
    assert etape.avis == Avis.INSCRIPTION
    actions = {e.action for e in journal_chronologie(sujet=electeur)}
    assert {ActionProcedure.DECISION, ActionProcedure.ELECTEUR_INSCRIT} <= actions


@time_machine.travel(AUJOURDHUI)
def test_un_refus_sans_motif_est_refuse(monde, administrateur):
    mouvement = _demande(monde, administrateur)
    with pytest.raises(ValidationError) as erreur:
        _decider(mouvement, administrateur, decision=Decision.REFUS)
    assert "motifs" in _message(erreur)
    mouvement.refresh_from_db()
    assert mouvement.etat == EtatMouvement.A_DECIDER


@time_machine.travel(AUJOURDHUI)
def test_un_delegue_doit_citer_son_arrete_de_delegation(monde, administrateur):
    mouvement = _demande(monde, administrateur)
    with pytest.raises(ValidationError) as erreur:
        services.mouvement_decider(
            mouvement=mouvement,
            decision=Decision.FAVORABLE,
            decide_le=date(2026, 11, 27),
            decideur="Paul Adjoint",
            delegation=Delegation.ADJOINT,
            par=administrateur,
        )
    assert "arrêté de délégation" in _message(erreur)
    mouvement = services.mouvement_decider(
        mouvement=mouvement,
        decision=Decision.FAVORABLE,
        decide_le=date(2026, 11, 27),
        decideur="Paul Adjoint",
        delegation=Delegation.ADJOINT,
        delegation_reference="Arrêté n° 2026-12 du 05/01/2026",
        par=administrateur,
    )
    assert mouvement.delegation_reference == "Arrêté n° 2026-12 du 05/01/2026"


@time_machine.travel(AUJOURDHUI)
def test_notifier_avant_de_decider_est_refuse_en_francais(monde, administrateur):
    mouvement = _demande(monde, administrateur)
    with pytest.raises(ValidationError) as erreur:
        _notifier(mouvement, administrateur)
    assert _message(erreur) == (
        "Vous ne pouvez pas enregistrer la notification : le mouvement est à l'étape "
        "« Demande à décider »."
    )


@time_machine.travel(AUJOURDHUI)
def test_decider_deux_fois_est_refuse(monde, administrateur):
    mouvement = _decider(_demande(monde, administrateur), administrateur)
    with pytest.raises(ValidationError) as erreur:
        _decider(mouvement, administrateur)
    assert "Décision à notifier" in _message(erreur)


@time_machine.travel(AUJOURDHUI)
def test_une_notification_en_recommande_exige_son_numero(monde, administrateur):
    mouvement = _decider(_demande(monde, administrateur), administrateur)
    with pytest.raises(ValidationError) as erreur:
        services.mouvement_notifier(
            mouvement=mouvement,
            notification=services.Notification(envoyee_le=date(2026, 11, 28), canal=Canal.LRAR),
            par=administrateur,
        )
    assert "numéro du recommandé" in _message(erreur)


@time_machine.travel(AUJOURDHUI)
def test_la_notification_garde_canal_numero_et_reception(monde, administrateur):
    mouvement = _decider(_demande(monde, administrateur), administrateur)
    mouvement = _notifier(mouvement, administrateur, recue_le=date(2026, 11, 30))

    assert mouvement.etat == EtatMouvement.NOTIFIEE
    assert mouvement.echeance is None
    etape = Etape.objects.get(mouvement=mouvement, type=TypeEtape.NOTIFICATION)
    assert (etape.canal, etape.numero_lrar, etape.avis) == (
        Canal.LRAR,
        "1A 000 000 0001 2",
        Avis.INSCRIPTION,
    )
    assert Etape.objects.filter(mouvement=mouvement, type=TypeEtape.RECEPTION_NOTIFICATION).exists()
    # Favorable : aucun recours préalable à attendre.
    assert services.date_limite_rapo(mouvement) is None


@time_machine.travel(AUJOURDHUI)
def test_la_date_de_reception_est_immuable(monde, administrateur):
    mouvement = _decider(_demande(monde, administrateur), administrateur)
    mouvement = Mouvement.objects.get(pk=mouvement.pk)
    assert mouvement.recue_le == date(2026, 11, 25)

    mouvement.recue_le = date(2026, 11, 26)
    with pytest.raises(ValidationError) as erreur:
        mouvement.save()
    assert "ne peut plus être modifiée" in _message(erreur)
    mouvement.refresh_from_db()
    assert mouvement.recue_le == date(2026, 11, 25)


# --- Radiation par le maire -----------------------------------------------------------------


@time_machine.travel(date(2026, 12, 1))
def test_sans_reception_enregistree_le_maire_ne_peut_pas_decider(monde, administrateur):
    mouvement = _intention(monde, administrateur)
    assert Etape.objects.get(mouvement=mouvement).avis == Avis.INTENTION_RADIATION
    with pytest.raises(ValidationError) as erreur:
        _decider(mouvement, administrateur, le=date(2026, 12, 1), motif="Plus d'attache")
    assert "ne court pas encore" in _message(erreur)


@time_machine.travel(date(2026, 12, 1))
def test_pendant_les_observations_le_maire_ne_peut_pas_decider(monde, administrateur):
    mouvement = _intention(monde, administrateur)
    mouvement = services.intention_reception_enregistrer(
        mouvement=mouvement, recue_le=date(2026, 11, 23), par=administrateur
    )
    with pytest.raises(ValidationError) as erreur:
        _decider(mouvement, administrateur, le=date(2026, 12, 1), motif="Plus d'attache")
    assert "jusqu'au 08/12/2026" in _message(erreur)


@time_machine.travel(date(2026, 12, 10))
def test_apres_les_observations_la_radiation_radie_et_demande_l_avis(monde, administrateur):
    mouvement = _intention(monde, administrateur)
    services.intention_reception_enregistrer(
        mouvement=mouvement, recue_le=date(2026, 11, 23), par=administrateur
    )
    mouvement = _decider(mouvement, administrateur, le=date(2026, 12, 9), motif="Plus d'attache")

    electeur = mouvement.electeur
    electeur.refresh_from_db()
    assert electeur.statut == StatutElecteur.RADIE
    assert electeur.date_radiation == date(2026, 12, 9)
    assert not InscriptionListe.objects.filter(electeur=electeur).exists()
    assert mouvement.echeance == date(2026, 12, 11)
    assert Etape.objects.get(mouvement=mouvement, type=TypeEtape.DECISION).avis == Avis.RADIATION
    assert ActionProcedure.ELECTEUR_RADIE in {e.action for e in journal_chronologie(sujet=electeur)}


@time_machine.travel(date(2026, 11, 25))
def test_un_pli_npai_permet_de_decider_sans_attendre(monde, administrateur):
    mouvement = _intention(monde, administrateur)
    mouvement = services.npai_enregistrer(
        mouvement=mouvement, le=date(2026, 11, 24), par=administrateur
    )
    with pytest.raises(ValidationError):
        services.intention_reception_enregistrer(
            mouvement=mouvement, recue_le=date(2026, 11, 24), par=administrateur
        )
    mouvement = _decider(
        mouvement, administrateur, decision=Decision.REFUS, le=date(2026, 11, 25), motif="Doute"
    )
    assert mouvement.decision_libelle == "Maintien sur la liste"
    assert Etape.objects.get(mouvement=mouvement, type=TypeEtape.DECISION).avis == Avis.MAINTIEN
    mouvement.electeur.refresh_from_db()
    assert mouvement.electeur.statut == StatutElecteur.INSCRIT


def test_une_intention_sans_motif_ou_hors_liste_est_refusee(monde, administrateur):
    electeur = ElecteurFactory(collectivite=monde.collectivite)
    with pytest.raises(ValidationError) as erreur:
        services.intention_radiation_envoyer(
            collectivite=monde.collectivite,
            electeur=electeur,
            liste="LP",
            motif="Motif",
            envoyee_le=date(2026, 11, 20),
            canal=Canal.COURRIER,
            par=administrateur,
        )
    assert "n'est pas inscrit sur la liste principale" in _message(erreur)


# --- RAPO et commission de contrôle ---------------------------------------------------------


@time_machine.travel(AUJOURDHUI)
def test_un_rapo_sur_une_decision_favorable_est_refuse(monde, administrateur):
    mouvement = _notifier(_decider(_demande(monde, administrateur), administrateur), administrateur)
    with pytest.raises(ValidationError) as erreur:
        services.rapo_enregistrer(
            mouvement=mouvement, recu_le=date(2026, 12, 1), par=administrateur
        )
    assert "refus ou une radiation" in _message(erreur)


def _refus_notifie(monde, par):
    mouvement = _decider(
        _demande(monde, par), par, decision=Decision.REFUS, motif="Aucune attache prouvée"
    )
    return _notifier(mouvement, par, le=date(2026, 11, 28), recue_le=date(2026, 11, 30))


@time_machine.travel(AUJOURDHUI)
def test_le_rapo_court_de_la_reception_de_la_notification(monde, administrateur):
    mouvement = _refus_notifie(monde, administrateur)
    assert services.date_limite_rapo(mouvement) == date(2026, 12, 5)
    mouvement = services.rapo_enregistrer(
        mouvement=mouvement, recu_le=date(2026, 12, 4), par=administrateur
    )
    assert not mouvement.rapo_hors_delai
    assert mouvement.etat == EtatMouvement.RAPO
    assert mouvement.echeance == date(2027, 1, 3)


@time_machine.travel(AUJOURDHUI)
def test_un_rapo_tardif_s_enregistre_mais_le_dit(monde, administrateur):
    mouvement = _refus_notifie(monde, administrateur)
    mouvement = services.rapo_enregistrer(
        mouvement=mouvement, recu_le=date(2026, 12, 8), par=administrateur
    )
    assert mouvement.rapo_hors_delai
    assert mouvement.etat == EtatMouvement.RAPO


@time_machine.travel(AUJOURDHUI)
def test_la_commission_sans_quorum_ne_peut_pas_decider(monde, administrateur):
    mouvement = services.rapo_enregistrer(
        mouvement=_refus_notifie(monde, administrateur),
        recu_le=date(2026, 12, 2),
        par=administrateur,
    )
    reunion = _reunion(monde, administrateur, presents=2, membres=3)
    with pytest.raises(ValidationError) as erreur:
        services.commission_decider(
            mouvement=mouvement,
            reunion=reunion,
            decision=DecisionCommission.REFORMATION,
            motif="Attache prouvée",
            par=administrateur,
        )
    assert "Quorum non atteint : 2 présents pour 3 requis" in _message(erreur)


@time_machine.travel(AUJOURDHUI)
def test_trois_presents_sur_cinq_font_le_quorum(monde, administrateur):
    reunion = _reunion(monde, administrateur, presents=3, membres=5)
    assert services.quorum(reunion).atteint


@override_settings(ECHARPE_COMMISSION_QUORUM={5: 4})
@time_machine.travel(AUJOURDHUI)
def test_le_quorum_est_un_reglage(monde, administrateur):
    reunion = _reunion(monde, administrateur, presents=3, membres=5)
    assert not services.quorum(reunion).atteint


@time_machine.travel(AUJOURDHUI)
def test_la_commission_reforme_un_refus_et_inscrit_puis_notifie(monde, administrateur):
    mouvement = services.rapo_enregistrer(
        mouvement=_refus_notifie(monde, administrateur),
        recu_le=date(2026, 12, 2),
        par=administrateur,
    )
    reunion = _reunion(monde, administrateur)
    mouvement = services.commission_decider(
        mouvement=mouvement,
        reunion=reunion,
        decision=DecisionCommission.REFORMATION,
        motif="Attache prouvée par un bail",
        par=administrateur,
    )
    assert mouvement.etat == EtatMouvement.COMMISSION_DECIDEE
    assert mouvement.echeance == date(2026, 12, 17)
    mouvement.electeur.refresh_from_db()
    assert mouvement.electeur.statut == StatutElecteur.INSCRIT
    assert (
        Etape.objects.get(mouvement=mouvement, type=TypeEtape.DECISION_COMMISSION).avis
        == Avis.DECISION_COMMISSION
    )
    mouvement = services.commission_notifier(
        mouvement=mouvement,
        notification=services.Notification(envoyee_le=date(2026, 12, 16), canal=Canal.COURRIEL),
        par=administrateur,
    )
    assert mouvement.etat == EtatMouvement.CLOS
    assert services.date_limite_tribunal(mouvement) == date(2026, 12, 23)


@time_machine.travel(date(2027, 1, 10))
def test_silence_de_la_commission_vaut_rejet_implicite(monde, administrateur):
    mouvement = services.rapo_enregistrer(
        mouvement=_refus_notifie(monde, administrateur),
        recu_le=date(2026, 12, 2),
        par=administrateur,
    )
    # 30 jours après le 02/12 : 01/01/2027 ; tribunal 7 jours après le rejet implicite.
    assert services.date_limite_tribunal(mouvement) == date(2027, 1, 8)
    assert selectors.mouvements_en_retard_compter(monde.collectivite, administrateur) == 1


@time_machine.travel(AUJOURDHUI)
def test_la_commission_inscrit_un_electeur_omis(monde, administrateur):
    electeur = ElecteurFactory(collectivite=monde.collectivite, statut=StatutElecteur.RADIE)
    reunion = _reunion(monde, administrateur)
    mouvement = services.commission_statuer_electeur(
        collectivite=monde.collectivite,
        electeur=electeur,
        reunion=reunion,
        decision=DecisionCommission.INSCRIPTION,
        liste="LP",
        motif="Omis par erreur matérielle",
        par=administrateur,
    )
    electeur.refresh_from_db()
    assert electeur.statut == StatutElecteur.INSCRIT
    assert mouvement.origine == "commission"
    assert mouvement.etat == EtatMouvement.COMMISSION_DECIDEE


@time_machine.travel(AUJOURDHUI)
def test_le_tableau_de_la_reunion_prend_les_mouvements_depuis_la_precedente(monde, administrateur):
    _reunion(monde, administrateur, le=date(2026, 11, 26), membres=3)
    ancien = MouvementFactory(
        electeur__collectivite=monde.collectivite, recue_le=date(2026, 11, 20), etat="clos"
    )
    recent = MouvementFactory(
        electeur__collectivite=monde.collectivite, recue_le=date(2026, 12, 1), etat="clos"
    )
    ailleurs = MouvementFactory(electeur__collectivite=monde.autre, recue_le=date(2026, 12, 1))
    reunion = services.reunion_creer(
        collectivite=monde.collectivite,
        date=date(2026, 12, 15),
        nombre_membres=3,
        presents=[],
        par=administrateur,
    )
    examines = list(selectors.mouvements_a_examiner(reunion=reunion))
    assert recent in examines
    assert ancien not in examines
    assert ailleurs not in examines


# --- Compteurs ------------------------------------------------------------------------------


@time_machine.travel(AUJOURDHUI)
def test_les_compteurs_de_l_accueil(monde, administrateur):
    MouvementFactory(electeur__collectivite=monde.collectivite, echeance=date(2026, 12, 25))
    MouvementFactory(electeur__collectivite=monde.collectivite, echeance=date(2026, 12, 19))
    MouvementFactory(
        electeur__collectivite=monde.collectivite, etat="decidee", echeance=date(2026, 12, 1)
    )
    MouvementFactory(
        electeur__collectivite=monde.collectivite, etat="notifiee", echeance=date(2026, 12, 1)
    )
    MouvementFactory(electeur__collectivite=monde.autre, echeance=date(2026, 12, 1))
    MouvementFactory(electeur__collectivite=monde.collectivite, etat="intention")

    c = monde.collectivite
    assert selectors.demandes_a_decider_compter(c, administrateur) == 2
    assert selectors.decisions_a_notifier_compter(c, administrateur) == 1
    # En retard : la demande échue le 19/12 et la décision à notifier depuis le 01/12 ;
    # la décision notifiée n'a plus d'échéance pour la commune.
    assert selectors.mouvements_en_retard_compter(c, administrateur) == 2


# --- Pièces ---------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@time_machine.travel(AUJOURDHUI)
def test_une_piece_pdf_est_gardee_sous_un_nom_aleatoire(monde, administrateur):
    mouvement = _demande(monde, administrateur)
    piece = services.piece_ajouter(
        collectivite=monde.collectivite,
        electeur=mouvement.electeur,
        mouvement=mouvement,
        type="demande",
        date=date(2026, 11, 25),
        fichier=SimpleUploadedFile("cerfa dupré.pdf", PDF, content_type="text/plain"),
        par=administrateur,
    )
    assert piece.type_mime == "application/pdf"
    assert piece.nom_original == "cerfa dupré.pdf"
    assert "dupr" not in piece.fichier.name
    assert list(selectors.pieces_de(electeur=mouvement.electeur)) == [piece]
    assert EntreeJournal.objects.filter(action=ActionProcedure.PIECE_AJOUTEE).count() == 1


@time_machine.travel(AUJOURDHUI)
def test_une_piece_qui_n_est_pas_un_pdf_ou_une_image_est_refusee(monde, administrateur):
    mouvement = _demande(monde, administrateur)
    with pytest.raises(ValidationError) as erreur:
        services.piece_ajouter(
            collectivite=monde.collectivite,
            electeur=mouvement.electeur,
            mouvement=mouvement,
            type="demande",
            date=date(2026, 11, 25),
            fichier=SimpleUploadedFile("faux.pdf", b"<html>pas un pdf</html>"),
            par=administrateur,
        )
    assert "PDF, une image PNG ou JPEG" in _message(erreur)


@override_settings(ECHARPE_LIMITE_PIECE=1024 * 1024)
@time_machine.travel(AUJOURDHUI)
def test_une_piece_trop_lourde_est_refusee(monde, administrateur):
    mouvement = _demande(monde, administrateur)
    with pytest.raises(ValidationError) as erreur:
        services.piece_ajouter(
            collectivite=monde.collectivite,
            electeur=mouvement.electeur,
            mouvement=mouvement,
            type="demande",
            date=date(2026, 11, 25),
            fichier=SimpleUploadedFile("gros.pdf", PDF + b"0" * (1024 * 1024)),
            par=administrateur,
        )
    assert "dépasse 1 Mo" in _message(erreur)


def test_un_electeur_d_une_autre_collectivite_est_refuse(monde, administrateur):
    electeur = ElecteurFactory(collectivite=monde.autre)
    with pytest.raises(ValidationError):
        services.mouvement_enregistrer(
            collectivite=monde.collectivite,
            electeur=electeur,
            type="inscription",
            liste="LP",
            origine="demande",
            recue_le=date(2026, 11, 25),
            par=administrateur,
        )


@time_machine.travel(date(2026, 12, 20))
def test_une_decision_datee_pendant_les_observations_est_refusee(monde, administrateur):
    mouvement = _intention(monde, administrateur)
    services.intention_reception_enregistrer(
        mouvement=mouvement, recue_le=date(2026, 11, 23), par=administrateur
    )
    with pytest.raises(ValidationError) as erreur:
        _decider(mouvement, administrateur, le=date(2026, 12, 8), motif="Plus d'attache")
    assert "avant la fin des observations (08/12/2026)" in _message(erreur)


@time_machine.travel(AUJOURDHUI)
def test_le_journal_de_l_electeur_se_lit_en_francais(monde, administrateur):
    mouvement = _notifier(_decider(_demande(monde, administrateur), administrateur), administrateur)
    entrees = list(journal_chronologie(sujet=mouvement.electeur))
    assert len(entrees) >= 4
    for entree in entrees:
        assert not entree.libelle_action.startswith("electeurs_"), entree.action
        assert "electeurs_" not in entree.details_lisibles
        assert "_le" not in entree.details_lisibles, entree.details_lisibles
    textes = " ".join(e.details_lisibles for e in entrees)
    assert "Lettre recommandée avec accusé de réception" in textes
    assert "28/11/2026" in textes
