"""Parcours au navigateur : connexion, clavier seul, petit écran, changement de collectivité,
déconnexion. Les captures (ECHARPE_CAPTURES=1) sont prises au passage."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    MOBILE,
    MOT_DE_PASSE,
    Commune,
    capturer,
    connecter,
    nouveau_contexte,
    ouvrir_menu_compte,
    url,
)
from tests.e2e.test_accessibilite import PAGES_BACK_OFFICE, PAGES_PUBLIQUES

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_connexion_refusee_puis_acceptee(page: Page, live_server: Any, commune: Commune) -> None:
    page.goto(url(live_server, "login"))
    capturer(page, "connexion-bureau")

    connecter(page, live_server, commune.administrateur.username, "mauvais-mot-de-passe")
    formulaire = page.locator("form.formulaire")
    erreur = formulaire.locator(".erreurs-resume")
    expect(erreur).to_contain_text("Identifiant ou mot de passe incorrect")
    expect(page.get_by_label("Identifiant")).to_have_value(commune.administrateur.username)
    expect(page).to_have_url(url(live_server, "login"))

    connecter(page, live_server, commune.administrateur.username, MOT_DE_PASSE)
    expect(page).to_have_url(url(live_server, "pages:accueil"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Accueil — Saint-Exemple")
    expect(page).to_have_title("Accueil — Écharpe")
    navigation = page.get_by_role("navigation", name="Navigation principale")
    expect(navigation.get_by_role("link", name="Accueil")).to_have_attribute("aria-current", "page")
    expect(navigation.get_by_role("link", name="Paramètres")).to_be_visible()
    capturer(page, "accueil-bureau")


def test_clavier_le_lien_d_evitement_vient_en_premier(page: Page, live_server: Any) -> None:
    page.goto(url(live_server, "login"))
    page.keyboard.press("Tab")
    lien = page.get_by_role("link", name="Aller au contenu")
    expect(lien).to_be_focused()
    # Visible quand il a le focus (il est hors écran le reste du temps).
    boite = lien.bounding_box()
    assert boite is not None and boite["x"] >= 0 and boite["y"] >= 0

    page.keyboard.press("Enter")
    expect(page.locator("main#contenu")).to_be_focused()
    # La tabulation suivante mène au premier champ du formulaire, pas à l'en-tête.
    page.keyboard.press("Tab")
    expect(page.get_by_label("Identifiant")).to_be_focused()


def test_pas_de_defilement_horizontal_a_360_px(
    browser: Browser, live_server: Any, commune: Commune
) -> None:
    contexte = nouveau_contexte(browser, viewport=MOBILE)
    try:
        page = contexte.new_page()
        page.goto(url(live_server, "login"))
        capturer(page, "connexion-360px")
        assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]

        # La personne aux deux collectivités : l'en-tête porte aussi le sélecteur.
        connecter(
            page, live_server, commune.agent_deux_collectivites.username, commune.mot_de_passe_demo
        )
        expect(page).to_have_url(url(live_server, "pages:accueil"))
        ouvrir_menu_compte(page)
        expect(page.get_by_label("Collectivité")).to_be_visible()
        largeur = page.evaluate("document.documentElement.scrollWidth")
        capturer(page, "menu-compte-360px")
        assert largeur <= MOBILE["width"], f"Accueil large de {largeur} px à 360 px"
    finally:
        contexte.close()


def test_changer_de_collectivite(page: Page, live_server: Any, commune: Commune) -> None:
    connecter(
        page, live_server, commune.agent_deux_collectivites.username, commune.mot_de_passe_demo
    )
    ouvrir_menu_compte(page)
    selecteur = page.get_by_label("Collectivité")
    titre = page.get_by_role("heading", level=1)
    noms = {commune.collectivite.nom, commune.voisine.nom}
    actuelle = selecteur.locator("option:checked").inner_text()
    assert actuelle in noms
    autre = (noms - {actuelle}).pop()
    expect(titre).to_have_text(f"Accueil — {actuelle}")

    # Depuis une page que le rôle de l'autre collectivité ne peut pas ouvrir : on arrive à
    # l'Accueil, jamais sur un refus.
    page.goto(url(live_server, "comptes:agents"))
    ouvrir_menu_compte(page)
    selecteur.select_option(label=autre)
    with page.expect_navigation():
        page.get_by_role("button", name="Changer").click()

    expect(page).to_have_url(url(live_server, "pages:accueil"))
    expect(titre).to_have_text(f"Accueil — {autre}")
    expect(page.get_by_role("status")).to_contain_text(f"Vous travaillez maintenant pour {autre}")
    expect(selecteur.locator("option:checked")).to_have_text(autre)
    # Le choix tient d'une page à l'autre (il est en session).
    page.goto(url(live_server, "pages:accueil"))
    expect(titre).to_have_text(f"Accueil — {autre}")


def test_deconnexion(page: Page, live_server: Any, commune: Commune) -> None:
    connecter(page, live_server, commune.administrateur.username, MOT_DE_PASSE)
    expect(page).to_have_url(url(live_server, "pages:accueil"))

    ouvrir_menu_compte(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(url(live_server, "login"))
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)

    # La session est bien close : l'Accueil renvoie à la connexion.
    page.goto(url(live_server, "pages:accueil"))
    expect(page).to_have_url(f"{url(live_server, 'login')}?next=/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")


def test_aucune_syntaxe_de_gabarit_a_l_ecran(
    page: Page, live_server: Any, commune: Commune
) -> None:
    """Un commentaire `{# … #}` sur plusieurs lignes n'est pas un commentaire pour Django :
    il s'afficherait tel quel. Toutes les pages sont vues, puis toutes les fautes dites."""
    fautes: list[str] = []

    def examiner(nom: str) -> None:
        page.goto(url(live_server, nom))
        texte = page.locator("body").inner_text()
        fautes.extend(
            f"« {marque} » visible sur {nom} ({page.url})"
            for marque in ("{#", "#}")
            if marque in texte
        )

    for nom in PAGES_PUBLIQUES:
        examiner(nom)
    connecter(page, live_server, commune.administrateur.username, MOT_DE_PASSE)
    for nom in PAGES_BACK_OFFICE:
        examiner(nom)
    assert not fautes, "\n".join(fautes)
