"""Petit écran (360 × 740) : pas de défilement horizontal, tableaux en lignes empilées, un
en-tête qui laisse au moins les deux tiers de l'écran au contenu, menu du compte au clavier.

Captures (ECHARPE_CAPTURES=1) : Agents, Journal, Accueil et une page d'erreur, à 360 px et à
1 280 px, dans docs/captures/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

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

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Les pages à tableau (Agents, Comptes d'envoi, Journal, Délais) et l'Accueil.
PAGES_TABLEAUX = [
    "comptes:agents",
    "mail:comptes",
    "journal:liste",
    "delais:liste",
    "pages:accueil",
]


@pytest.fixture
def mobile(browser: Browser) -> Iterator[Page]:
    contexte = nouveau_contexte(browser, viewport=MOBILE)
    yield contexte.new_page()
    contexte.close()


def largeur_defilable(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def hauteur_avant_contenu(page: Page) -> float:
    """Tout ce qui précède le contenu (bandeau de démo, en-tête, navigation)."""
    boite = page.locator("main#contenu").bounding_box()
    assert boite is not None
    return boite["y"]


def test_garde_fou_un_tableau_large_deborde_sans_la_feuille_de_style(
    mobile: Page, live_server: Any, commune: Commune
) -> None:
    """La mesure de défilement voit bien un débordement : sans la feuille de style (donc sans
    les lignes empilées), le tableau des agents est plus large que l'écran."""
    connecter(mobile, live_server, commune.administrateur.username, MOT_DE_PASSE)
    mobile.goto(url(live_server, "comptes:agents"))
    assert largeur_defilable(mobile) <= MOBILE["width"]
    mobile.evaluate("() => { for (const f of document.styleSheets) f.disabled = true; }")
    assert largeur_defilable(mobile) > MOBILE["width"]


@pytest.mark.parametrize("nom", PAGES_TABLEAUX)
def test_a_360_px_ni_defilement_horizontal_ni_en_tete_envahissant(
    mobile: Page, live_server: Any, commune: Commune, nom: str
) -> None:
    connecter(mobile, live_server, commune.administrateur.username, MOT_DE_PASSE)
    reponse = mobile.goto(url(live_server, nom))
    assert reponse is not None and reponse.status == 200

    largeur = largeur_defilable(mobile)
    assert largeur <= MOBILE["width"], f"{nom} large de {largeur} px à 360 px"
    hauteur = hauteur_avant_contenu(mobile)
    assert hauteur < MOBILE["height"] / 3, f"{nom} : {hauteur} px avant le contenu"
    if nom != "pages:accueil":
        # Chaque cellule dit à quelle colonne elle appartient.
        cellules = mobile.locator(".tableau-conteneur tbody td")
        assert cellules.count() > 0
        sans_libelle = mobile.locator(".tableau-conteneur tbody td:not([data-label])")
        assert sans_libelle.count() == 0
    verifier_accessibilite(mobile)


def test_a_360_px_la_page_d_erreur_tient_dans_l_ecran(
    mobile: Page, live_server: Any, commune: Commune
) -> None:
    connecter(mobile, live_server, commune.administrateur.username, MOT_DE_PASSE)
    reponse = mobile.goto(f"{live_server.url}/nulle-part/")
    assert reponse is not None and reponse.status == 404
    expect(mobile.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    assert largeur_defilable(mobile) <= MOBILE["width"]
    assert hauteur_avant_contenu(mobile) < MOBILE["height"] / 3
    verifier_accessibilite(mobile)


def test_menu_du_compte_au_clavier(mobile: Page, live_server: Any, commune: Commune) -> None:
    connecter(
        mobile, live_server, commune.agent_deux_collectivites.username, commune.mot_de_passe_demo
    )
    deconnexion = mobile.get_by_role("button", name="Se déconnecter")
    expect(deconnexion).to_be_hidden()

    mobile.locator("details.menu-compte summary").focus()
    mobile.keyboard.press("Enter")

    expect(deconnexion).to_be_visible()
    expect(mobile.get_by_label("Collectivité")).to_be_visible()
    assert largeur_defilable(mobile) <= MOBILE["width"]
    verifier_accessibilite(mobile)
    mobile.keyboard.press("Enter")
    expect(deconnexion).to_be_hidden()


def test_bandeau_de_demo_lisible_a_360_px(mobile: Page, live_server: Any) -> None:
    mobile.goto(url(live_server, "login"))
    bandeau = mobile.get_by_role("region", name="Démonstration")
    expect(bandeau).to_contain_text("Démonstration")
    boite = bandeau.bounding_box()
    assert boite is not None and boite["height"] <= 60
    verifier_accessibilite(mobile)


@pytest.mark.parametrize(("nom_ecran", "taille"), [("360px", MOBILE), ("bureau", BUREAU)])
def test_captures_des_pages_principales(
    browser: Browser, live_server: Any, commune: Commune, nom_ecran: str, taille: dict[str, int]
) -> None:
    contexte = nouveau_contexte(browser, viewport=taille)
    try:
        page = contexte.new_page()
        connecter(page, live_server, commune.administrateur.username, MOT_DE_PASSE)
        for nom, fichier in [
            ("pages:accueil", "accueil"),
            ("comptes:agents", "agents"),
            ("journal:liste", "journal"),
        ]:
            page.goto(url(live_server, nom))
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert largeur_defilable(page) <= taille["width"]
            capturer(page, f"{fichier}-{nom_ecran}")
        page.goto(f"{live_server.url}/nulle-part/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
        capturer(page, f"erreur-404-{nom_ecran}")
    finally:
        contexte.close()


def test_la_boite_d_envoi_a_360_px_sans_defilement_et_accessible(
    mobile: Page, live_server: Any, commune: Commune, settings: Any, tmp_path: Any
) -> None:
    """La quatrième liste (boîte d'envoi de démonstration) : mêmes exigences que les autres."""
    from django.core.mail import send_mail

    settings.ECHARPE_BOITE_DEMO = str(tmp_path / "outbox")
    settings.EMAIL_BACKEND = "core.mail.backends.BoiteDemoBackend"
    send_mail(
        "Convocation au conseil municipal du 12/12/2026",
        "Texte",
        "mairie@saint-exemple.test",
        [commune.administrateur.email],
    )
    connecter(mobile, live_server, commune.administrateur.username, MOT_DE_PASSE)
    reponse = mobile.goto(url(live_server, "mail:outbox"))
    assert reponse is not None and reponse.status == 200
    expect(mobile.get_by_role("link", name="Convocation au conseil municipal")).to_be_visible()
    assert largeur_defilable(mobile) <= MOBILE["width"]
    verifier_accessibilite(mobile)
