"""Carnet d'adresses des convocations dans un vrai navigateur : import d'un CSV (aperçu, création
d'un groupe, confirmation) à 1 280 px, puis la liste à 360 px ; axe-core sans violation grave."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from convocations.models import Contact, Groupe
from core.models import TypeRole, Utilisateur
from tests.e2e.conftest import MOBILE, MOT_DE_PASSE, connecter, nouveau_contexte, url
from tests.e2e.test_accessibilite import verifier_accessibilite
from tests.factories import CollectiviteFactory, RoleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# L'exemple de la documentation de Pastell, enregistré par Excel en cp1252.
SEED = (
    "support@eurenormandienumerique.fr;Support ENN;ENN\r\n"
    "agence-num@eurenormandienumerique.fr;Agence du numérique;ENN\r\n"
    "john.deuf@eurenormandienumerique.fr;John Deuf;ENN;ENN_4\r\n"
).encode("cp1252")


@pytest.fixture
def secretaire(transactional_db: None) -> Utilisateur:
    collectivite = CollectiviteFactory(nom="Saint-Carnet", slug="saint-carnet")
    Groupe.objects.create(collectivite=collectivite, nom="ENN")
    role = RoleFactory(
        collectivite=collectivite, role=TypeRole.SECRETARIAT, utilisateur__username="e2e.carnet"
    )
    return role.utilisateur  # type: ignore[no-any-return]


@pytest.fixture
def mobile(browser: Browser) -> Iterator[Page]:
    contexte = nouveau_contexte(browser, viewport=MOBILE)
    yield contexte.new_page()
    contexte.close()


def test_import_csv_apercu_creation_de_groupe_puis_confirmation(
    page: Page, live_server: Any, secretaire: Utilisateur, tmp_path: Path
) -> None:
    fichier = tmp_path / "Classeur1.csv"
    fichier.write_bytes(SEED)
    connecter(page, live_server, secretaire.username, MOT_DE_PASSE)

    page.goto(url(live_server, "convocations:import"))
    verifier_accessibilite(page)
    page.get_by_label("Fichier CSV").set_input_files(str(fichier))
    with page.expect_navigation():
        page.get_by_role("button", name="Voir l'aperçu").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Aperçu de l'import")
    expect(page.get_by_text("Contacts à ajouter : 3")).to_be_visible()
    verifier_accessibilite(page)
    assert not Contact.objects.exists()
    page.get_by_label("Créer le groupe « ENN_4 »").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Confirmer l'import").click()

    expect(page.get_by_text("3\u00a0contacts ajoutés")).to_be_visible()
    expect(page.get_by_role("cell", name="ENN, ENN_4")).to_be_visible()
    verifier_accessibilite(page)
    assert Contact.objects.count() == 3
    assert Groupe.objects.filter(nom="ENN_4").exists()


def test_la_liste_a_360_px_sans_defilement_horizontal(
    mobile: Page, live_server: Any, secretaire: Utilisateur
) -> None:
    collectivite = secretaire.roles.get().collectivite  # type: ignore[attr-defined]
    for i in range(3):
        Contact.objects.create(
            collectivite=collectivite,
            email=f"adresse.tres.longue.numero.{i}@eurenormandienumerique.fr",
            description=f"Contact {i}",
        )
    connecter(mobile, live_server, secretaire.username, MOT_DE_PASSE)

    reponse = mobile.goto(url(live_server, "convocations:contacts"))

    assert reponse is not None and reponse.status == 200
    expect(mobile.get_by_role("link", name="Contact 0")).to_be_visible()
    assert int(mobile.evaluate("document.documentElement.scrollWidth")) <= MOBILE["width"]
    verifier_accessibilite(mobile)


def test_les_autres_pages_du_carnet_sans_violation_grave(
    page: Page, live_server: Any, secretaire: Utilisateur
) -> None:
    collectivite = secretaire.roles.get().collectivite  # type: ignore[attr-defined]
    contact = Contact.objects.create(
        collectivite=collectivite, email="maire@exemple.fr", description="Anne Maire"
    )
    connecter(page, live_server, secretaire.username, MOT_DE_PASSE)

    for adresse in (
        url(live_server, "convocations:contact_creer"),
        url(live_server, "convocations:contact", contact.pk),
        url(live_server, "convocations:groupes"),
        url(live_server, "convocations:mandat_creer", contact.pk),
    ):
        reponse = page.goto(adresse)
        assert reponse is not None and reponse.status == 200, adresse
        verifier_accessibilite(page)

    page.get_by_label("Fonction").select_option(label="Maire")
    page.get_by_label("Début du mandat").fill("25/05/2020")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le mandat").click()
    expect(page.get_by_text("Maire, Conseil municipal : depuis le 25/05/2020")).to_be_visible()
    page.goto(url(live_server, "convocations:mandats"))
    verifier_accessibilite(page)
