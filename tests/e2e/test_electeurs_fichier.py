"""Parcours du fichier électoral dans le navigateur, à 1 280 px et à 360 px : liste, recherche,
fiche, modification du contact ; axe-core ne trouve aucune violation grave, et à 360 px le
tableau passe en lignes empilées sans défilement horizontal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from electeurs.models import BureauDeVote, Electeur, Mouvement
from tests.e2e.conftest import (
    BUREAU,
    MOBILE,
    MOT_DE_PASSE,
    Commune,
    capturer,
    connecter,
    nouveau_contexte,
    url,
)
from tests.e2e.test_accessibilite import verifier_accessibilite
from tests.electeurs.factories import (
    BureauDeVoteFactory,
    ElecteurFactory,
    InscriptionListeFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("ecran", [BUREAU, MOBILE], ids=["1280px", "360px"])
def test_liste_recherche_fiche_et_contact(
    browser: Browser, live_server: Any, commune: Commune, ecran: dict[str, int]
) -> None:
    # La démonstration remplit Saint-Exemple (2 000 électeurs, mouvements) : ce parcours part
    # d'un fichier vide pour compter ses lignes.
    Mouvement.objects.pour(commune.collectivite).delete()
    Electeur.objects.pour(commune.collectivite).delete()
    BureauDeVote.objects.pour(commune.collectivite).delete()
    bureau = BureauDeVoteFactory(collectivite=commune.collectivite, code="0001", libelle="Mairie")
    InscriptionListeFactory(
        electeur__collectivite=commune.collectivite,
        electeur__nom_naissance="DUPRÉ",
        electeur__prenoms="Hélène Marie",
        electeur__naissance_jour=None,
        electeur__libelle_voie="rue des Lilas",
        bureau=bureau,
        numero_ordre=12,
    )
    for nom in ("DURAND", "DUPONT", "MARTIN"):
        InscriptionListeFactory(
            electeur__collectivite=commune.collectivite, electeur__nom_naissance=nom, bureau=bureau
        )
    ElecteurFactory(collectivite=commune.voisine, nom_naissance="DUPRÉ", prenoms="Héloïse")
    petit = ecran == MOBILE
    suffixe = "360px" if petit else "1280px"
    contexte = nouveau_contexte(browser, viewport=ecran)
    try:
        page = contexte.new_page()
        connecter(page, live_server, commune.administrateur.username, MOT_DE_PASSE)

        page.goto(url(live_server, "electeurs:liste"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Électeurs")
        expect(page.locator("tbody tr")).to_have_count(4)
        verifier_accessibilite(page)
        capturer(page, f"electeurs-liste-{suffixe}")
        if petit:
            assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
            # Lignes empilées : chaque cellule porte son en-tête.
            assert (
                page.locator("tbody td").first.evaluate("td => getComputedStyle(td).display")
                == "block"
            )

        page.get_by_label("Nom, date de naissance ou INE").fill("dupre hel")
        page.get_by_label("Statut").select_option("inscrit")
        with page.expect_navigation():
            page.get_by_role("button", name="Rechercher").click()
        expect(page.locator("tbody tr")).to_have_count(1)
        expect(page.locator("tbody")).to_contain_text("incomplète")
        expect(page.locator("main")).not_to_contain_text("Héloïse")
        verifier_accessibilite(page)

        with page.expect_navigation():
            page.get_by_role("link", name="DUPRÉ Hélène Marie").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("DUPRÉ Hélène Marie")
        expect(page.locator("#listes")).to_contain_text("0001 — Mairie")
        expect(page.locator("#etat-civil")).to_contain_text("l'INSEE")
        verifier_accessibilite(page)
        capturer(page, f"electeurs-fiche-{suffixe}")
        if petit:
            assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]

        # Les onglets sont des liens vers les sections de la page, atteints au clavier.
        page.get_by_role("navigation", name="Sections de la fiche").get_by_role(
            "link", name="Contact"
        ).focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/electeurs/\d+/#contact$"))

        with page.expect_navigation():
            page.get_by_role("link", name="Modifier le contact").click()
        page.get_by_label("Courriel").fill("pas-un-courriel")
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer le contact").click()
        expect(page.locator(".erreurs-resume")).to_be_visible()
        verifier_accessibilite(page)
        page.get_by_label("Courriel").fill("helene.dupre@exemple.fr")
        page.get_by_label("Téléphone").fill("06 01 02 03 04")
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer le contact").click()
        expect(page.locator(".messages")).to_contain_text("Contact enregistré")
        expect(page.locator("#contact")).to_contain_text("helene.dupre@exemple.fr")
        expect(page.locator("#chronologie")).to_contain_text("Coordonnées de contact modifiées")
        verifier_accessibilite(page)
    finally:
        contexte.close()
