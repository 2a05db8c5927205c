"""Délais légaux : configuration datée, jours francs, Code électoral, jours fériés."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.delais.services import (
    DelaiIntrouvable,
    ajouter_jours,
    date_limite_avant,
    date_limite_convocation,
    date_limite_convocation_commission,
    delai_en_vigueur,
    delai_surcharger,
    delais_a_venir,
    delais_en_vigueur,
    est_ouvre,
    jours_feries,
    parser_date_fr,
    regime_3500_ou_plus,
    valeur_affichee,
)
from core.models import Collectivite, Delai, EntreeJournal, TypeCollectivite, UniteDelai
from tests.factories import CollectiviteFactory

SEANCE = date(2026, 11, 28)
CGCT = date(1996, 2, 24)


# --- Données initiales (migration 0002) -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "valeur", "unite", "reference"),
    [
        ("convocation_cm_moins_3500", 3, "jours_francs", "L2121-11"),
        ("convocation_cm_3500_plus", 5, "jours_francs", "L2121-12"),
        ("convocation_urgence", 1, "jours_francs", "L2121-12"),
        ("seuil_habitants_convocation", 3500, "habitants", "L2121-11"),
        ("convocation_alsace_moselle", 3, "jours_avant", "L2541-2"),
        ("convocation_alsace_moselle_urgence", 1, "jours_avant", "L2541-2"),
        ("convocation_commission", 3, "jours_francs", "L2121-22"),
        ("decision_demande_inscription", 5, "jours", "L18 I"),
        ("notification_decision", 2, "jours", "L18 III"),
        ("observations_radiation", 15, "jours", "R12"),
        ("rapo", 5, "jours", "L18 III"),
        ("decision_commission_rapo", 30, "jours", "L19"),
        ("notification_commission", 2, "jours", "L19"),
        ("recours_tribunal", 7, "jours", "L20"),
        ("tribunal_statue", 8, "jours", "L20"),
        ("pouvoir_seances_max", 3, "seances", "L2121-20"),
        ("pv_publication", 7, "jours", "L2121-15"),
        ("reconvocation_sans_quorum", 3, "jours", "L2121-17"),
        ("transmission_insee_changement_adresse", 7, "jours", "L16 II"),
    ],
)
def test_la_migration_seme_les_delais_nationaux(code, valeur, unite, reference):
    delai = delai_en_vigueur(code, le=date(2026, 11, 25))
    assert delai.collectivite is None
    assert (delai.valeur, delai.unite) == (valeur, unite)
    assert reference in delai.reference


# legal-rules.md, mises à jour du 25/11/2026 : CM-23 (Alsace-Moselle) est confirmée ; CM-24,
# la commission (EL-31) et le décompte du RAPO et du recours (R21) restent à vérifier.
A_VERIFIER = {
    "convocation_cm_moins_3500",
    "convocation_cm_3500_plus",
    "observations_radiation_commission",
    "rapo",
    "recours_tribunal",
}


@pytest.mark.django_db
def test_les_regles_non_confirmees_sont_marquees():
    le = date(2026, 11, 25)
    non_confirmes = {
        national.code for national, _local in delais_en_vigueur(le=le) if not national.confirme
    }
    assert non_confirmes == A_VERIFIER
    for code in ("convocation_alsace_moselle", "convocation_alsace_moselle_urgence"):
        assert delai_en_vigueur(code, le=le).confirme is True
    assert delai_en_vigueur("convocation_urgence", le=le).confirme is True
    assert delai_en_vigueur("observations_radiation", le=le).confirme is True


@pytest.mark.django_db
def test_les_notes_des_delais_ne_montrent_pas_nos_reperes():
    """Les notes s'affichent aux agents : ni « [?] », ni « legal-rules.md », ni « CM-24 »."""
    for national, _local in delais_en_vigueur(le=date(2026, 11, 25)):
        for texte in (national.note, national.libelle, national.reference):
            assert "[?]" not in texte
            assert "legal-rules" not in texte
            assert not re.search(r"\b(CM|EL|SP|REU|GDPR)-\d", texte), (national.code, texte)


@pytest.mark.django_db
def test_delais_a_venir_rend_les_valeurs_programmees_de_la_collectivite_et_nationales(monde):
    le = date(2026, 11, 25)
    Delai.objects.create(
        code="convocation_commission",
        libelle="Commission",
        valeur=6,
        unite=UniteDelai.JOURS_FRANCS,
        reference="Règlement intérieur",
        valide_du=date(2027, 1, 1),
        collectivite=monde.collectivite,
    )
    Delai.objects.create(
        code="convocation_commission",
        libelle="Commission",
        valeur=9,
        unite=UniteDelai.JOURS_FRANCS,
        reference="Règlement intérieur",
        valide_du=date(2027, 2, 1),
        collectivite=monde.autre,
    )
    Delai.objects.create(
        code="convocation_cm_3500_plus",
        libelle="Convocation",
        valeur=7,
        unite=UniteDelai.JOURS_FRANCS,
        reference="CGCT, art. L2121-12",
        valide_du=date(2027, 3, 1),
    )
    Delai.objects.create(  # déjà en vigueur : n'est pas « à venir »
        code="convocation_commission",
        libelle="Commission",
        valeur=4,
        unite=UniteDelai.JOURS_FRANCS,
        reference="Règlement intérieur",
        valide_du=le,
        collectivite=monde.collectivite,
    )
    a_venir = delais_a_venir(apres=le, collectivite=monde.collectivite)
    assert {
        code: [(d.valeur, d.valide_du) for d in delais] for code, delais in a_venir.items()
    } == {
        "convocation_commission": [(6, date(2027, 1, 1))],
        "convocation_cm_3500_plus": [(7, date(2027, 3, 1))],
    }


@pytest.mark.django_db
def test_seul_le_delai_des_commissions_est_modifiable_par_la_collectivite():
    modifiables = {
        d.code for d in Delai.objects.filter(collectivite__isnull=True, surchargeable=True)
    }
    # Le bureau d'un EPCI n'a pas non plus de délai légal (convocations, migration 0003).
    assert modifiables == {"convocation_commission", "convocation_bureau"}


@pytest.mark.django_db
def test_les_dates_d_entree_en_vigueur_sont_plausibles():
    assert delai_en_vigueur("convocation_cm_moins_3500", le=CGCT).valide_du == CGCT
    assert delai_en_vigueur("rapo", le=date(2019, 1, 1)).valide_du == date(2019, 1, 1)
    with pytest.raises(DelaiIntrouvable):
        delai_en_vigueur("rapo", le=date(2018, 12, 31))


# --- delai_en_vigueur -----------------------------------------------------------------------


@pytest.mark.django_db
def test_delai_introuvable_leve_une_erreur_en_francais():
    with pytest.raises(DelaiIntrouvable) as erreur:
        delai_en_vigueur("n_existe_pas", le=date(2026, 11, 25))
    assert "Aucun délai « n_existe_pas » n'est en vigueur le 25/11/2026" in str(erreur.value)


@pytest.mark.django_db
def test_une_valeur_nationale_datee_s_applique_a_partir_de_sa_date():
    Delai.objects.create(
        code="convocation_cm_moins_3500",
        libelle="Convocation (moins de 3 500 habitants)",
        valeur=5,
        unite=UniteDelai.JOURS_FRANCS,
        reference="CGCT, art. L2121-11 (modifié)",
        valide_du=date(2027, 1, 1),
    )
    assert delai_en_vigueur("convocation_cm_moins_3500", le=date(2026, 12, 31)).valeur == 3
    assert delai_en_vigueur("convocation_cm_moins_3500", le=date(2027, 1, 1)).valeur == 5
    # Séance après le changement : 5 jours francs ; avant : 3.
    assert date_limite_convocation(seance=date(2027, 1, 10), habitants=100) == date(2027, 1, 4)
    assert date_limite_convocation(seance=date(2026, 12, 31), habitants=100) == date(2026, 12, 27)


@pytest.mark.django_db
def test_une_valeur_nationale_close_ne_s_applique_plus_apres_sa_fin():
    Delai.objects.create(
        code="delai_provisoire",
        libelle="Délai provisoire",
        valeur=4,
        unite=UniteDelai.JOURS,
        reference="Test",
        valide_du=date(2026, 1, 1),
        valide_au=date(2026, 6, 30),
    )
    assert delai_en_vigueur("delai_provisoire", le=date(2026, 6, 30)).valeur == 4
    with pytest.raises(DelaiIntrouvable):
        delai_en_vigueur("delai_provisoire", le=date(2026, 7, 1))


@pytest.mark.django_db
def test_la_valeur_locale_ne_remplace_que_les_delais_modifiables():
    commune = CollectiviteFactory()
    autre = CollectiviteFactory()
    for code, valeur in (("convocation_commission", 5), ("convocation_cm_moins_3500", 1)):
        # Écrit en base sans passer par le service : même ainsi, la loi l'emporte.
        Delai.objects.create(
            code=code,
            libelle="Local",
            valeur=valeur,
            unite=UniteDelai.JOURS_FRANCS,
            reference="Règlement intérieur",
            valide_du=date(2026, 1, 1),
            collectivite=commune,
        )
    le = date(2026, 11, 25)
    assert delai_en_vigueur("convocation_commission", le=le, collectivite=commune).valeur == 5
    assert delai_en_vigueur("convocation_commission", le=le, collectivite=autre).valeur == 3
    assert delai_en_vigueur("convocation_commission", le=le).valeur == 3
    assert delai_en_vigueur("convocation_cm_moins_3500", le=le, collectivite=commune).valeur == 3
    # Avant sa date d'entrée en vigueur, la valeur locale ne s'applique pas.
    avant = date(2025, 12, 31)
    assert delai_en_vigueur("convocation_commission", le=avant, collectivite=commune).valeur == 3
    assert date_limite_convocation_commission(
        seance=SEANCE, collectivite=commune
    ) == SEANCE - timedelta(days=6)
    assert date_limite_convocation_commission(seance=SEANCE) == SEANCE - timedelta(days=4)


@pytest.mark.django_db
def test_delais_en_vigueur_rend_le_national_et_le_local():
    commune = CollectiviteFactory()
    Delai.objects.create(
        code="convocation_commission",
        libelle="Local",
        valeur=2,
        unite=UniteDelai.JOURS_FRANCS,
        reference="Règlement intérieur",
        valide_du=date(2026, 1, 1),
        collectivite=commune,
    )
    paires = {
        national.code: local
        for national, local in delais_en_vigueur(le=SEANCE, collectivite=commune)
    }
    assert paires["convocation_commission"].valeur == 2
    assert paires["convocation_cm_moins_3500"] is None
    assert "tribunal_statue" in paires


# --- delai_surcharger -----------------------------------------------------------------------


@pytest.mark.django_db
@time_machine.travel(date(2026, 11, 25))
def test_surcharger_le_delai_des_commissions_cree_une_ligne_locale_journalisee(monde):
    admin = monde.personnes["administrateur"]
    local = delai_surcharger(
        collectivite=monde.collectivite,
        code="convocation_commission",
        valeur=5,
        valide_du=date(2026, 12, 1),
        par=admin,
    )
    assert local.collectivite == monde.collectivite
    assert local.unite == UniteDelai.JOURS_FRANCS
    assert local.reference == "CGCT, art. L2121-22"
    assert (
        delai_en_vigueur(
            "convocation_commission", le=date(2026, 12, 1), collectivite=monde.collectivite
        ).pk
        == local.pk
    )
    entree = EntreeJournal.objects.get(action="delai_surcharge")
    assert entree.collectivite == monde.collectivite
    assert entree.acteur == admin
    assert entree.details["valeur"] == 5
    assert entree.details["valeur_precedente"] == 3
    # Même date : la valeur est mise à jour, pas dupliquée.
    delai_surcharger(
        collectivite=monde.collectivite,
        code="convocation_commission",
        valeur=4,
        valide_du=date(2026, 12, 1),
        par=admin,
    )
    assert Delai.objects.filter(collectivite=monde.collectivite).count() == 1
    assert Delai.objects.get(collectivite=monde.collectivite).valeur == 4


@pytest.mark.django_db
@time_machine.travel(date(2026, 11, 25))
def test_surcharger_un_delai_legal_est_refuse(monde):
    with pytest.raises(ValidationError) as erreur:
        delai_surcharger(
            collectivite=monde.collectivite,
            code="convocation_cm_moins_3500",
            valeur=1,
            valide_du=date(2026, 12, 1),
            par=monde.personnes["administrateur"],
        )
    assert "fixé par la loi" in " ".join(erreur.value.messages)
    assert not Delai.objects.filter(collectivite=monde.collectivite).exists()


@pytest.mark.django_db
@time_machine.travel(date(2026, 11, 25))
def test_surcharger_avec_une_date_passee_est_refuse(monde):
    with pytest.raises(ValidationError) as erreur:
        delai_surcharger(
            collectivite=monde.collectivite,
            code="convocation_commission",
            valeur=2,
            valide_du=date(2026, 11, 24),
            par=monde.personnes["administrateur"],
        )
    assert erreur.value.message_dict["valide_du"] == [
        "La date d'entrée en vigueur ne peut pas être passée."
    ]


# --- Convocations du conseil (jours francs) -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("habitants", "urgence", "attendu"),
    [
        (2150, False, date(2026, 11, 24)),  # CM-22 : moins de 3 500 → le 24
        (3499, False, date(2026, 11, 24)),
        (3500, False, date(2026, 11, 22)),  # 3 500 et plus → le 22
        (12000, False, date(2026, 11, 22)),
        (2150, True, date(2026, 11, 26)),  # urgence : 1 jour franc → le 26
        (12000, True, date(2026, 11, 26)),
    ],
)
def test_vecteurs_de_la_regle_des_jours_francs(habitants, urgence, attendu):
    assert date_limite_convocation(seance=SEANCE, habitants=habitants, urgence=urgence) == attendu


@pytest.mark.django_db
def test_les_week_ends_et_feries_comptent_dans_les_jours_francs():
    # Séance le mardi 15/07/2025 : le 14 juillet et le week-end comptent.
    assert date_limite_convocation(seance=date(2025, 7, 15), habitants=100) == date(2025, 7, 11)


@pytest.mark.django_db
def test_la_population_de_la_collectivite_fait_foi():
    petite = CollectiviteFactory(population_legale=2150)
    grande = CollectiviteFactory(population_legale=4000)
    assert date_limite_convocation(seance=SEANCE, collectivite=petite) == date(2026, 11, 24)
    assert date_limite_convocation(seance=SEANCE, collectivite=grande) == date(2026, 11, 22)
    # `habitants` n'est pas lu quand la collectivité est donnée.
    assert date_limite_convocation(seance=SEANCE, habitants=9000, collectivite=petite) == date(
        2026, 11, 24
    )


@pytest.mark.django_db
def test_sans_population_ni_collectivite_le_calcul_est_refuse():
    with pytest.raises(ValueError, match="nombre d'habitants"):
        date_limite_convocation(seance=SEANCE)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("population", "membre_3500_ou_plus", "attendu"),
    [
        # CGCT L5211-1 : seule la présence d'une commune membre de 3 500 habitants ou plus
        # compte, jamais la population totale de l'EPCI.
        (12_000, False, date(2026, 11, 24)),  # 3 jours francs malgré 12 000 habitants
        (1_200, True, date(2026, 11, 22)),  # 5 jours francs malgré 1 200 habitants
        (1_200, False, date(2026, 11, 24)),
        (12_000, True, date(2026, 11, 22)),
    ],
)
def test_le_regime_d_un_epci_suit_ses_communes_membres_pas_sa_population(
    population, membre_3500_ou_plus, attendu
):
    epci = CollectiviteFactory(
        type=TypeCollectivite.EPCI,
        population_legale=population,
        membre_3500_ou_plus=membre_3500_ou_plus,
    )
    assert date_limite_convocation(seance=SEANCE, collectivite=epci) == attendu
    # `habitants` n'est pas lu quand la collectivité est donnée.
    assert date_limite_convocation(seance=SEANCE, habitants=50_000, collectivite=epci) == attendu
    # L'urgence reste un jour franc.
    assert date_limite_convocation(seance=SEANCE, collectivite=epci, urgence=True) == date(
        2026, 11, 26
    )


@pytest.mark.django_db
def test_le_seuil_d_une_commune_est_lu_dans_la_configuration():
    a_3499 = CollectiviteFactory(population_legale=3499)
    a_3500 = CollectiviteFactory(population_legale=3500)
    a_3600 = CollectiviteFactory(population_legale=3600)
    assert date_limite_convocation(seance=SEANCE, collectivite=a_3499) == date(2026, 11, 24)
    assert date_limite_convocation(seance=SEANCE, collectivite=a_3500) == date(2026, 11, 22)
    assert regime_3500_ou_plus(seance=SEANCE, collectivite=a_3500) is True

    # Le seuil national passe à 3 600 habitants : la frontière se déplace avec lui.
    Delai.objects.create(
        code="seuil_habitants_convocation",
        libelle="Seuil",
        valeur=3600,
        unite=UniteDelai.HABITANTS,
        reference="Test",
        valide_du=date(2026, 1, 1),
    )
    assert date_limite_convocation(seance=SEANCE, collectivite=a_3500) == date(2026, 11, 24)
    assert date_limite_convocation(seance=SEANCE, collectivite=a_3600) == date(2026, 11, 22)
    assert regime_3500_ou_plus(seance=SEANCE, collectivite=a_3500) is False
    assert regime_3500_ou_plus(seance=SEANCE, habitants=3599) is False
    assert regime_3500_ou_plus(seance=SEANCE, habitants=3600) is True
    # Une séance antérieure au nouveau seuil garde l'ancien.
    assert date_limite_convocation(seance=date(2025, 11, 28), collectivite=a_3500) == date(
        2025, 11, 22
    )
    # Le seuil ne change pas le régime d'un EPCI.
    epci = CollectiviteFactory(
        type=TypeCollectivite.EPCI, population_legale=3_000, membre_3500_ou_plus=True
    )
    assert date_limite_convocation(seance=SEANCE, collectivite=epci) == date(2026, 11, 22)


def test_regime_3500_ou_plus_de_la_collectivite():
    commune = Collectivite(type=TypeCollectivite.COMMUNE, population_legale=3500)
    assert commune.regime_3500_ou_plus(3500) is True
    assert commune.regime_3500_ou_plus(3501) is False
    epci = Collectivite(type=TypeCollectivite.EPCI, population_legale=12_000)
    assert epci.regime_3500_ou_plus(3500) is False
    epci.membre_3500_ou_plus = True
    epci.population_legale = 10
    assert epci.regime_3500_ou_plus(3500) is True


@pytest.mark.django_db
def test_alsace_moselle_trois_jours_non_francs_et_la_veille_en_urgence():
    commune = CollectiviteFactory(population_legale=900, alsace_moselle=True)
    assert date_limite_convocation(seance=SEANCE, collectivite=commune) == date(2026, 11, 25)
    assert date_limite_convocation(seance=SEANCE, collectivite=commune, urgence=True) == date(
        2026, 11, 27
    )


@pytest.mark.django_db
def test_alsace_moselle_3500_habitants_et_plus_suit_le_droit_commun():
    commune = CollectiviteFactory(population_legale=8000, alsace_moselle=True)
    assert date_limite_convocation(seance=SEANCE, collectivite=commune) == date(2026, 11, 22)
    assert date_limite_convocation(seance=SEANCE, collectivite=commune, urgence=True) == date(
        2026, 11, 26
    )


@pytest.mark.django_db
def test_le_seuil_est_lu_dans_la_configuration():
    Delai.objects.create(
        code="seuil_habitants_convocation",
        libelle="Seuil",
        valeur=2000,
        unite=UniteDelai.HABITANTS,
        reference="Test",
        valide_du=date(2026, 1, 1),
    )
    assert date_limite_convocation(seance=SEANCE, habitants=2150) == date(2026, 11, 22)


def test_date_limite_avant_refuse_une_unite_qui_n_est_pas_en_jours():
    delai = Delai(code="x", valeur=3, unite=UniteDelai.SEANCES)
    with pytest.raises(ValueError):
        date_limite_avant(SEANCE, delai)


@given(
    seance=st.dates(date(1990, 1, 1), date(2100, 12, 31)),
    n=st.integers(min_value=0, max_value=60),
)
def test_propriete_jours_francs_n_plus_un_jours_avant(seance, n):
    delai = Delai(code="x", valeur=n, unite=UniteDelai.JOURS_FRANCS)
    limite = date_limite_avant(seance, delai)
    assert limite < seance
    assert (seance - limite).days == n + 1


@pytest.mark.django_db
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seance=st.dates(date(1990, 1, 1), date(2100, 12, 31)),
    habitants=st.integers(min_value=0, max_value=3_000_000),
    urgence=st.booleans(),
)
def test_propriete_date_limite_convocation(seance, habitants, urgence):
    """Toujours strictement avant la séance, exactement n + 1 jours avant (n en vigueur à la
    date de la séance) ; avant la première date en vigueur, une erreur claire, jamais une date
    fausse."""
    if seance < CGCT:
        with pytest.raises(DelaiIntrouvable):
            date_limite_convocation(seance=seance, habitants=habitants, urgence=urgence)
        return
    limite = date_limite_convocation(seance=seance, habitants=habitants, urgence=urgence)
    if urgence:
        code = "convocation_urgence"
    else:
        code = "convocation_cm_3500_plus" if habitants >= 3500 else "convocation_cm_moins_3500"
    n = delai_en_vigueur(code, le=seance).valeur
    assert limite < seance
    assert (seance - limite).days == n + 1


# --- Code électoral : jours calendaires, prorogation ----------------------------------------


def test_ajouter_jours_sans_prorogation_ne_decale_pas():
    # Vendredi 10/07/2026 + 1 jour = samedi 11/07/2026.
    assert ajouter_jours(date(2026, 7, 10), 1, prorogation=False) == date(2026, 7, 11)
    # Le jour de départ ne compte pas : 5 jours après le 01/12/2026, le 06/12/2026.
    assert ajouter_jours(date(2026, 12, 1), 5, prorogation=False) == date(2026, 12, 6)


def test_ajouter_jours_avec_prorogation_passe_le_week_end():
    assert ajouter_jours(date(2026, 7, 10), 1, prorogation=True) == date(2026, 7, 13)
    assert ajouter_jours(date(2026, 7, 10), 2, prorogation=True) == date(2026, 7, 13)


def test_ajouter_jours_avec_prorogation_passe_le_14_juillet():
    # Jeudi 09/07/2026 + 5 = mardi 14/07/2026, férié → mercredi 15/07/2026.
    assert ajouter_jours(date(2026, 7, 9), 5, prorogation=False) == date(2026, 7, 14)
    assert ajouter_jours(date(2026, 7, 9), 5, prorogation=True) == date(2026, 7, 15)


def test_ajouter_jours_avec_prorogation_passe_le_lundi_de_paques():
    # Pâques 2026 : dimanche 5 avril ; samedi 4 → dimanche 5 → lundi 6 (férié) → mardi 7.
    assert ajouter_jours(date(2026, 4, 2), 2, prorogation=False) == date(2026, 4, 4)
    assert ajouter_jours(date(2026, 4, 2), 2, prorogation=True) == date(2026, 4, 7)
    assert ajouter_jours(date(2026, 4, 1), 5, prorogation=True) == date(2026, 4, 7)


def test_ajouter_jours_suit_le_reglage_par_defaut(settings):
    settings.ECHARPE_DELAIS_PROROGATION_JOUR_NON_OUVRE = False
    assert ajouter_jours(date(2026, 7, 10), 1) == date(2026, 7, 11)
    settings.ECHARPE_DELAIS_PROROGATION_JOUR_NON_OUVRE = True
    assert ajouter_jours(date(2026, 7, 10), 1) == date(2026, 7, 13)


def test_ajouter_jours_refuse_un_delai_negatif():
    with pytest.raises(ValueError, match="négatif"):
        ajouter_jours(date(2026, 7, 10), -1)


@given(
    depart=st.dates(date(1990, 1, 1), date(2100, 12, 31)),
    n=st.integers(min_value=0, max_value=400),
    prorogation=st.booleans(),
)
def test_propriete_ajouter_jours(depart, n, prorogation):
    fin = ajouter_jours(depart, n, prorogation=prorogation)
    assert fin >= depart
    assert fin >= depart + timedelta(days=n)
    if prorogation:
        assert est_ouvre(fin)
        # Le report s'arrête au premier jour ouvré.
        jour = depart + timedelta(days=n)
        while jour < fin:
            assert not est_ouvre(jour)
            jour += timedelta(days=1)
    else:
        assert fin == depart + timedelta(days=n)


# --- Jours fériés ---------------------------------------------------------------------------


def test_jours_feries_2026():
    feries = jours_feries(2026)
    assert len(feries) == 11
    assert feries == {
        date(2026, 1, 1),
        date(2026, 4, 6),  # lundi de Pâques
        date(2026, 5, 1),
        date(2026, 5, 8),
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # lundi de Pentecôte
        date(2026, 7, 14),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
    }


@pytest.mark.parametrize(
    ("annee", "lundi_de_paques"),
    [
        (2000, date(2000, 4, 24)),
        (2019, date(2019, 4, 22)),
        (2024, date(2024, 4, 1)),
        (2025, date(2025, 4, 21)),
        (2027, date(2027, 3, 29)),
        (2038, date(2038, 4, 26)),
    ],
)
def test_lundi_de_paques(annee, lundi_de_paques):
    assert lundi_de_paques in jours_feries(annee)
    assert lundi_de_paques.weekday() == 0


def test_jours_feries_rend_une_copie():
    jours_feries(2026).add(date(2026, 2, 2))
    assert date(2026, 2, 2) not in jours_feries(2026)


# --- Saisie et affichage --------------------------------------------------------------------


@pytest.mark.parametrize(
    "texte", ["14/07/1980", " 14/07/1980 ", "14-07-1980", "14.07.1980", "1980-07-14"]
)
def test_parser_date_fr_accepte_les_formats_usuels(texte):
    assert parser_date_fr(texte) == date(1980, 7, 14)


def test_parser_date_fr_accepte_un_seul_chiffre():
    assert parser_date_fr("1/2/1980") == date(1980, 2, 1)


@pytest.mark.parametrize("texte", ["", "1980", "14/07/80", "demain", "14/13/1980", "31/02/2001"])
def test_parser_date_fr_refuse_en_francais(texte):
    with pytest.raises(ValueError, match="jj/mm/aaaa"):
        parser_date_fr(texte)


def test_parser_date_fr_est_l_analyseur_commun():
    from core import dates

    assert parser_date_fr is dates.parser_date_fr
    with pytest.raises(ValueError) as erreur:
        parser_date_fr("30/02/2026")
    assert str(erreur.value) == "date invalide : « 30/02/2026 » (format attendu jj/mm/aaaa)"


@given(st.text(max_size=30))
def test_propriete_parser_date_fr_ne_leve_que_value_error(texte):
    try:
        resultat = parser_date_fr(texte)
    except ValueError as erreur:
        assert "jj/mm/aaaa" in str(erreur) or "année hors limites" in str(erreur)
    else:
        assert isinstance(resultat, date)


@given(st.dates(date(1900, 1, 1), date(2100, 12, 31)))
def test_propriete_parser_date_fr_relit_ce_qu_il_affiche(jour):
    assert parser_date_fr(f"{jour:%d/%m/%Y}") == jour


@pytest.mark.parametrize(
    ("valeur", "unite", "attendu"),
    [
        (3, UniteDelai.JOURS_FRANCS, "3 jours francs"),
        (1, UniteDelai.JOURS_FRANCS, "1 jour franc"),
        (5, UniteDelai.JOURS, "5 jours calendaires"),
        (3, UniteDelai.JOURS_AVANT, "3 jours (non francs)"),
        (3, UniteDelai.SEANCES, "3 séances"),
        (3500, UniteDelai.HABITANTS, "3\u202f500 habitants"),
    ],
)
def test_valeur_affichee(valeur, unite, attendu):
    assert valeur_affichee(Delai(valeur=valeur, unite=unite)) == attendu
