"""Séances dans un vrai navigateur : créer un conseil municipal trop tard pour le délai légal,
voir la garde refuser l'envoi, déclarer l'urgence justifiée, voir l'envoi permis ; axe-core sans
violation grave sur la liste, le formulaire et la page de préparation."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from convocations.models import Groupe, Seance
from core.journal.models import EntreeJournal
from core.models import TypeRole, Utilisateur
from tests.delais import semer_delais_nationaux
from tests.e2e.conftest import MOT_DE_PASSE, connecter, url
from tests.e2e.test_accessibilite import verifier_accessibilite
from tests.factories import CollectiviteFactory, RoleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def secretaire(transactional_db: None) -> Utilisateur:
    semer_delais_nationaux()  # un test transactionnel précédent a pu vider les délais
    collectivite = CollectiviteFactory(
        nom="Saint-Séance", slug="saint-seance", population_legale=2150
    )
    Groupe.objects.create(collectivite=collectivite, nom="Presse")
    role = RoleFactory(
        collectivite=collectivite, role=TypeRole.SECRETARIAT, utilisateur__username="e2e.seance"
    )
    return role.utilisateur  # type: ignore[no-any-return]


def test_creer_une_seance_et_voir_la_garde_du_delai(
    page: Page, live_server: Any, secretaire: Utilisateur
) -> None:
    # Dans deux jours : trop tard pour 3 jours francs, encore possible en urgence (1 jour franc).
    jour = timezone.localdate() + datetime.timedelta(days=2)
    dernier_jour = jour - datetime.timedelta(days=4)
    connecter(page, live_server, secretaire.username, MOT_DE_PASSE)

    page.goto(url(live_server, "convocations:seances"))
    expect(page.get_by_text("Aucune séance pour l'instant")).to_be_visible()
    verifier_accessibilite(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Créer une séance").click()
    verifier_accessibilite(page)
    page.get_by_label("Titre").fill("Conseil municipal de décembre")
    page.get_by_label("Date de la séance").fill(f"{jour:%d/%m/%Y}")
    page.get_by_label("Heure (obligatoire)", exact=True).fill("18 h 30")
    page.get_by_label("Lieu").fill("Salle du conseil")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la séance").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Conseil municipal de décembre")
    expect(page.locator("#garde-delai")).to_contain_text("Envoi impossible pour l'instant.")
    expect(page.locator("#garde-delai")).to_contain_text(f"{dernier_jour:%d/%m/%Y}")
    expect(page.get_by_text(f"Dernier jour d'envoi : {dernier_jour:%d/%m/%Y}")).to_be_visible()
    verifier_accessibilite(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Modifier la séance").click()
    page.get_by_label("Urgence", exact=True).check()
    page.get_by_label("Justification de l'urgence").fill("Vote du budget avant la fin d'année.")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la séance").click()

    expect(page.locator("#garde-delai")).to_contain_text("Envoi possible.")
    expect(page.locator("#garde-delai")).to_contain_text("urgence déclarée et justifiée")
    seance = Seance.objects.get()
    assert seance.urgence
    assert EntreeJournal.objects.filter(
        action="convocations_seance_urgence", sujet_id=str(seance.pk)
    ).exists()

    with page.expect_navigation():
        page.get_by_role("link", name="Voir et ajouter des destinataires").click()
    verifier_accessibilite(page)
    page.get_by_label("Autres adresses").fill("invite@exemple.fr")
    with page.expect_navigation():
        page.get_by_role("button", name="Ajouter les destinataires").click()
    expect(page.get_by_text("1\u00a0destinataire ajouté.")).to_be_visible()
    expect(page.get_by_role("cell", name="invite@exemple.fr", exact=True)).to_be_visible()
    verifier_accessibilite(page)
