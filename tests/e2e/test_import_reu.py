"""Import de l'extrait REU dans le navigateur : dépôt, aperçu, confirmation, travail terminé."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from core.models import TypeRole
from core.travaux.services import enregistrer_types_travaux
from electeurs.models import Electeur
from tests.e2e.conftest import MOT_DE_PASSE, connecter, nouveau_contexte, url
from tests.electeurs.imports.outils import ECHANTILLON
from tests.factories import CollectiviteFactory, RoleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

_axe = Axe()


def violations_bloquantes(page: Page) -> list[str]:
    resultats = _axe.run(page)
    return [
        f"{v['id']} ({v['impact']}) : {v['help']}"
        for v in resultats.response["violations"]
        if v.get("impact") in {"serious", "critical"}
    ]


def test_import_de_l_extrait_de_bout_en_bout(live_server: Any, browser: Browser) -> None:
    enregistrer_types_travaux()
    collectivite = CollectiviteFactory(nom="Les Sables-d'Olonne", code_insee="85194")
    RoleFactory(
        collectivite=collectivite,
        role=TypeRole.AGENT_ELECTIONS,
        utilisateur__username="import.agent",
    )
    contexte = nouveau_contexte(browser)
    # L'analyse puis l'application tournent pendant la requête (tâches « eager » en test) :
    # sur une machine chargée, plus que les 5 s d'une page ordinaire.
    contexte.set_default_timeout(30_000)
    page = contexte.new_page()
    erreurs: list[str] = []
    page.on("console", lambda m: erreurs.append(m.text) if m.type == "error" else None)
    try:
        connecter(page, live_server, "import.agent", MOT_DE_PASSE)
        page.goto(url(live_server, "electeurs:liste"))
        page.get_by_role("link", name="Import de l'extrait REU").click()
        page.get_by_role("link", name="Importer l'extrait REU").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Importer l'extrait REU")
        assert violations_bloquantes(page) == []

        page.get_by_label("Extrait de la liste électorale (CSV)").set_input_files(str(ECHANTILLON))
        page.get_by_role("button", name="Déposer et voir l'aperçu").click()
        expect(page.get_by_role("heading", name="Aperçu")).to_be_visible()
        expect(page.get_by_role("row", name="Nouveaux électeurs 9")).to_be_visible()
        expect(page.get_by_role("heading", name="Homonymes possibles")).to_be_visible()
        assert violations_bloquantes(page) == []
        assert Electeur.objects.count() == 0

        page.get_by_role("button", name="Confirmer l'import").click()
        expect(page.locator(".etiquette")).to_have_text("Terminé")
        expect(page.get_by_text("Le travail est terminé : 9")).to_be_visible()
        assert violations_bloquantes(page) == []
        assert Electeur.objects.filter(collectivite=collectivite).count() == 9
        assert erreurs == []
    finally:
        contexte.close()
