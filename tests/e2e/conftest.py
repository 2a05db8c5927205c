"""Tests de navigateur : Chromium du système piloté par Playwright, serveur `live_server`.

Jamais `playwright install` : le navigateur est celui de Debian (`/usr/bin/chromium`).
Marquez chaque test `@pytest.mark.e2e` et `@pytest.mark.django_db(transaction=True)` : le
serveur de test tourne dans un fil à part et ne voit que des données validées (commit).

Captures d'écran : `ECHARPE_CAPTURES=1 .venv/bin/pytest tests/e2e` écrit les PNG dans
`docs/captures/` ; sans la variable, `capturer` ne fait rien.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from core.journal.services import journaliser
from core.models import Collectivite, Role, TypeRole, Utilisateur
from tests.delais import semer_delais_nationaux
from tests.factories import RoleFactory

CHROMIUM = "/usr/bin/chromium"
ARGUMENTS_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MOT_DE_PASSE = "mot-de-passe-solide-42"  # celui de UtilisateurFactory
BUREAU = {"width": 1280, "height": 800}
MOBILE = {"width": 360, "height": 740}
DOSSIER_CAPTURES = Path(settings.BASE_DIR) / "docs" / "captures"
# Une page qui ne répond pas en 5 s est une erreur, pas une attente.
DELAI_MS = 5_000


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Un seul Chromium pour tous les tests de navigateur, fermé après le dernier d'entre eux.

    Tant que Playwright (API synchrone) est démarré, une boucle asyncio tourne dans le fil
    principal et Django refuse les requêtes SQL des fixtures (SynchronousOnlyOperation) : on
    lève ce garde-fou le temps des tests de navigateur seulement (aucun code asynchrone de
    Django n'est en jeu), pas pour le reste de la suite.
    """
    avant = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            navigateur = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=ARGUMENTS_CHROMIUM
            )
            yield navigateur
            navigateur.close()
    finally:
        if avant is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = avant


def nouveau_contexte(browser: Browser, *, viewport: dict[str, int] | None = None) -> BrowserContext:
    contexte = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport=viewport or BUREAU,  # type: ignore[arg-type]
    )
    contexte.set_default_timeout(DELAI_MS)
    return contexte


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    contexte = nouveau_contexte(browser)
    yield contexte
    contexte.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def url(live_server: Any, nom: str, *args: Any) -> str:
    return f"{live_server.url}{reverse(nom, args=args)}"


def connecter(page: Page, live_server: Any, username: str, password: str) -> None:
    """Remplit le formulaire de connexion comme une personne et attend la page suivante."""
    page.goto(url(live_server, "login"))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()


def ouvrir_menu_compte(page: Page) -> None:
    """Déplie le menu du compte (sélecteur de collectivité, mot de passe, déconnexion)."""
    menu = page.locator("details.menu-compte")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()


def capturer(page: Page, nom: str) -> None:
    """Capture pleine page dans docs/captures/ si ECHARPE_CAPTURES=1 ; sinon rien."""
    if os.environ.get("ECHARPE_CAPTURES") != "1":
        return
    DOSSIER_CAPTURES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOSSIER_CAPTURES / f"{nom}.png"), full_page=True)


@dataclass
class Commune:
    """Les données de `charger_demo` (Saint-Exemple, le Val-Exemple, leurs agents), plus une
    administratrice qui n'a de rôle qu'à Saint-Exemple : elle y arrive dès la connexion."""

    collectivite: Collectivite
    voisine: Collectivite
    administrateur: Utilisateur
    agent_deux_collectivites: Utilisateur
    mot_de_passe_demo: str


@pytest.fixture
def commune(transactional_db: None) -> Commune:
    # Les tests transactionnels vident les tables : on remet d'abord les délais nationaux que
    # la migration 0002 avait semés (la démonstration en a besoin pour ses mouvements, et la
    # page des délais est vue pleine).
    from core.management.commands.charger_demo import MOT_DE_PASSE_DEMO

    semer_delais_nationaux()
    call_command("charger_demo", stdout=io.StringIO())
    collectivite = Collectivite.objects.get(slug="saint-exemple")
    voisine = Collectivite.objects.get(slug="cc-val-exemple")
    role = RoleFactory(
        collectivite=collectivite,
        role=TypeRole.ADMINISTRATEUR,
        utilisateur__username="e2e.admin",
        utilisateur__first_name="Camille",
        utilisateur__last_name="Dupré",
    )
    administrateur = cast(Role, role).utilisateur
    # « secretaire » : administratrice à Saint-Exemple, secrétariat au Val-Exemple.
    agent = Utilisateur.objects.get(username="secretaire")
    # Quelques lignes de plus pour que le journal ait de quoi paginer et trier.
    for action in ("connexion", "agent_ajoute", "role_modifie", "compte_smtp_enregistre"):
        journaliser(action=action, collectivite=collectivite, par=administrateur, objet=agent)
    return Commune(
        collectivite=collectivite,
        voisine=voisine,
        administrateur=administrateur,
        agent_deux_collectivites=agent,
        mot_de_passe_demo=MOT_DE_PASSE_DEMO,
    )
