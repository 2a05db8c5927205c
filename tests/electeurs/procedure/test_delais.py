"""Dates limites de la procédure : vecteurs datés, valeurs configurées datées, prorogation."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings

from core.delais.models import Delai
from electeurs.procedure import delais, services
from electeurs.procedure.affichage import situation
from electeurs.procedure.models import Canal, Decision, Delegation, EtatMouvement
from tests.electeurs.factories import ElecteurFactory, InscriptionListeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "depart", "attendu"),
    [
        # L18 I : 5 jours calendaires après la réception, jour de réception non compté.
        (delais.DECISION, date(2026, 11, 25), date(2026, 11, 30)),
        # L18 III, EL-22 : notifier sous 2 jours après la décision.
        (delais.NOTIFICATION, date(2026, 12, 1), date(2026, 12, 3)),
        # R12 : 15 jours après la réception du courrier d'intention.
        (delais.OBSERVATIONS, date(2026, 11, 23), date(2026, 12, 8)),
        # L18 III : RAPO sous 5 jours après la notification.
        (delais.RAPO, date(2026, 12, 3), date(2026, 12, 8)),
        # Commission : 30 jours, à cheval sur l'année.
        (delais.COMMISSION, date(2026, 12, 5), date(2027, 1, 4)),
        (delais.NOTIFICATION_COMMISSION, date(2027, 1, 4), date(2027, 1, 6)),
        # L20 : 7 jours (anciennement 10).
        (delais.TRIBUNAL, date(2027, 1, 6), date(2027, 1, 13)),
    ],
)
def test_chaque_delai_de_la_procedure(monde, code, depart, attendu):
    assert delais.date_limite(code, depart=depart, collectivite=monde.collectivite) == attendu


@override_settings(ECHARPE_DELAIS_PROROGATION_JOUR_NON_OUVRE=False)
def test_sans_prorogation_un_delai_finit_un_jour_ferie(monde):
    # Décision le mercredi 23/12/2026 : la notification tombe le vendredi 25 (Noël).
    limite = delais.date_limite(
        delais.NOTIFICATION, depart=date(2026, 12, 23), collectivite=monde.collectivite
    )
    assert limite == date(2026, 12, 25)


@override_settings(ECHARPE_DELAIS_PROROGATION_JOUR_NON_OUVRE=True)
def test_avec_prorogation_le_delai_passe_au_jour_ouvre_suivant(monde):
    # 25/12 férié, 26 samedi, 27 dimanche : lundi 28/12.
    limite = delais.date_limite(
        delais.NOTIFICATION, depart=date(2026, 12, 23), collectivite=monde.collectivite
    )
    assert limite == date(2026, 12, 28)


def test_une_valeur_changee_plus_tard_ne_vaut_qu_apres_sa_date(monde):
    Delai.objects.create(
        code=delais.DECISION,
        libelle="Décision du maire sur une demande d'inscription",
        valeur=8,
        unite="jours",
        reference="Code électoral, art. L18 I",
        valide_du=date(2027, 1, 1),
    )
    avant = delais.date_limite(
        delais.DECISION, depart=date(2026, 12, 31), collectivite=monde.collectivite
    )
    apres = delais.date_limite(
        delais.DECISION, depart=date(2027, 1, 2), collectivite=monde.collectivite
    )

    assert avant == date(2027, 1, 5)  # 5 jours : la valeur en vigueur à la réception
    assert apres == date(2027, 1, 10)  # 8 jours


@time_machine.travel(date(2027, 1, 3))
def test_une_demande_recue_avant_le_changement_garde_l_ancien_delai(monde, administrateur):
    Delai.objects.create(
        code=delais.DECISION,
        libelle="Décision",
        valeur=8,
        unite="jours",
        reference="Code électoral, art. L18 I",
        valide_du=date(2027, 1, 1),
    )
    avant = services.demande_inscription_enregistrer(
        collectivite=monde.collectivite,
        electeur=ElecteurFactory.build(collectivite=monde.collectivite),
        liste="LP",
        recue_le=date(2026, 12, 31),
        par=administrateur,
    )
    apres = services.demande_inscription_enregistrer(
        collectivite=monde.collectivite,
        electeur=ElecteurFactory.build(collectivite=monde.collectivite),
        liste="LP",
        recue_le=date(2027, 1, 2),
        par=administrateur,
    )
    assert avant.echeance == date(2027, 1, 5)
    assert apres.echeance == date(2027, 1, 10)


def test_un_delai_absent_de_la_configuration_donne_un_message_francais(monde):
    Delai.objects.filter(code=delais.RAPO).delete()
    with pytest.raises(ValidationError) as erreur:
        delais.date_limite(delais.RAPO, depart=date(2026, 12, 3), collectivite=monde.collectivite)
    assert "Aucun délai « rapo » n'est en vigueur le 03/12/2026" in erreur.value.messages[0]


@time_machine.travel(date(2026, 12, 2))
def test_la_page_dit_a_notifier_au_plus_tard_le(monde, administrateur):
    mouvement = services.demande_inscription_enregistrer(
        collectivite=monde.collectivite,
        electeur=ElecteurFactory.build(collectivite=monde.collectivite),
        liste="LP",
        recue_le=date(2026, 11, 30),
        par=administrateur,
    )
    assert situation(mouvement).texte == "À décider au plus tard le 05/12/2026"
    mouvement = services.mouvement_decider(
        mouvement=mouvement,
        decision=Decision.FAVORABLE,
        decide_le=date(2026, 12, 1),
        decideur="Jeanne Maire",
        delegation=Delegation.MAIRE,
        par=administrateur,
    )
    assert mouvement.etat == EtatMouvement.DECIDEE
    assert situation(mouvement).texte == "À notifier au plus tard le 03/12/2026"
    assert not situation(mouvement).en_retard
    retard = situation(mouvement, aujourdhui=date(2026, 12, 4))
    assert retard.en_retard


@time_machine.travel(date(2026, 12, 20))
def test_observations_courent_de_la_reception_et_non_de_l_envoi(monde, administrateur):
    inscription = InscriptionListeFactory(electeur__collectivite=monde.collectivite)
    mouvement = services.intention_radiation_envoyer(
        collectivite=monde.collectivite,
        electeur=inscription.electeur,
        liste="LP",
        motif="Courriers revenus, logement vendu.",
        envoyee_le=date(2026, 11, 20),
        canal=Canal.LRAR,
        numero_lrar="1A 234 567 8901 2",
        par=administrateur,
    )
    assert situation(mouvement).texte.startswith("Réception du courrier non enregistrée")
    mouvement = services.intention_reception_enregistrer(
        mouvement=mouvement, recue_le=date(2026, 11, 23), par=administrateur
    )
    assert mouvement.fin_observations == date(2026, 12, 8)
