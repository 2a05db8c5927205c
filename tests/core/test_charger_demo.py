import io

import pytest
from django.core.management import CommandError, call_command

from core.models import Collectivite, CompteSMTP, Role, Utilisateur
from core.registry import registre

pytestmark = pytest.mark.django_db


def test_charger_demo_est_idempotent():
    call_command("charger_demo", stdout=io.StringIO())
    avant = (
        Collectivite.objects.count(),
        Utilisateur.objects.count(),
        Role.objects.count(),
        CompteSMTP.objects.count(),
    )
    sortie = io.StringIO()
    call_command("charger_demo", stdout=sortie)
    apres = (
        Collectivite.objects.count(),
        Utilisateur.objects.count(),
        Role.objects.count(),
        CompteSMTP.objects.count(),
    )
    assert avant == apres
    assert "demo-echarpe-2026" in sortie.getvalue()


def test_demo_saint_exemple_et_epci():
    call_command("charger_demo", stdout=io.StringIO())
    commune = Collectivite.objects.get(slug="saint-exemple")
    epci = Collectivite.objects.get(slug="cc-val-exemple")
    assert commune.population_legale == 2150
    assert epci.type == "epci" and epci.membre_3500_ou_plus
    secretaire = Utilisateur.objects.get(username="secretaire")
    assert {r.collectivite.slug for r in secretaire.roles.all()} == {
        "saint-exemple",
        "cc-val-exemple",
    }
    # Deux comptes d'envoi pour la secrétaire : un par collectivité.
    assert CompteSMTP.objects.filter(utilisateur=secretaire).count() == 2
    assert {r.role for r in Role.objects.filter(collectivite=commune)} == {
        "administrateur",
        "agent_elections",
        "secretariat",
        "lecture",
    }


def test_charger_demo_refuse_hors_demo(settings):
    settings.ECHARPE_DEMO_AUTORISEE = False
    with pytest.raises(CommandError, match="Réservé à la démonstration"):
        call_command("charger_demo", stdout=io.StringIO())
    assert not Utilisateur.objects.filter(username="admin").exists()


def test_les_chargeurs_des_applications_recoivent_collectivites_et_agents():
    recus: list[tuple[set[str], set[str]]] = []

    def chargeur(*, collectivites, personnes):
        recus.append((set(collectivites), set(personnes)))

    registre.ajouter_chargeur_demo("test", chargeur)
    try:
        call_command("charger_demo", stdout=io.StringIO())
    finally:
        registre.retirer_chargeur_demo("test")

    assert len(recus) == 1
    collectivites, personnes = recus[0]
    assert {"saint-exemple", "cc-val-exemple", "grand-exemple"} <= collectivites
    assert {"secretaire", "elections"} <= personnes
