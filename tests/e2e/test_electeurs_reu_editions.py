"""Parcours navigateur : boîte des notifications du REU et éditions, avec axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from core.travaux.models import StatutTravail, Travail
from electeurs.editions.tasks import TYPE_EDITION
from electeurs.reu.models import EtatNotificationREU, NotificationREU
from tests.e2e.conftest import DELAI_MS, Commune, connecter, nouveau_contexte, url
from tests.e2e.test_accessibilite import verifier_accessibilite

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_boite_du_reu_puis_marquer_traitee(
    live_server: Any, browser: Browser, commune: Commune
) -> None:
    contexte = nouveau_contexte(browser)
    page = contexte.new_page()
    page.set_default_timeout(DELAI_MS)
    try:
        connecter(page, live_server, "elections", commune.mot_de_passe_demo)
        page.goto(url(live_server, "electeurs:reu_liste") + "?etat=a_traiter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Notifications du REU")
        verifier_accessibilite(page)
        lignes = page.locator("tbody tr")
        avant = lignes.count()
        assert avant == 4
        lignes.first.get_by_role("link").click()
        expect(page.get_by_role("button", name="Marquer comme traitée")).to_be_visible()
        verifier_accessibilite(page)
        page.get_by_role("button", name="Marquer comme traitée").click()
        expect(page.get_by_text("Notification marquée comme traitée.")).to_be_visible()
        expect(page.get_by_role("button", name="Remettre à traiter")).to_be_visible()
        verifier_accessibilite(page)
        assert (
            NotificationREU.objects.pour(commune.collectivite)
            .filter(etat=EtatNotificationREU.A_TRAITER)
            .count()
            == avant - 1
        )
    finally:
        contexte.close()


def test_editions_lancer_puis_telecharger(
    live_server: Any, browser: Browser, commune: Commune
) -> None:
    contexte = nouveau_contexte(browser)
    page = contexte.new_page()
    page.set_default_timeout(DELAI_MS * 4)
    try:
        connecter(page, live_server, "elections", commune.mot_de_passe_demo)
        page.goto(url(live_server, "electeurs:editions"))
        verifier_accessibilite(page)
        page.get_by_label("Liste d'émargement par bureau").check()
        page.get_by_label("Bureau de vote").select_option(label="0002 — École Jules-Ferry")
        page.get_by_label("CSV (tableur)").check()
        page.get_by_role("button", name="Lancer l'édition").click()
        lien = page.get_by_role("link", name="Télécharger emargement-lp-bureau-0002.csv")
        expect(lien).to_be_visible()
        verifier_accessibilite(page)
        with page.expect_download() as telechargement:
            lien.click()
        chemin = telechargement.value.path()
        contenu = open(chemin, "rb").read().decode("utf-8-sig")  # noqa: PTH123, SIM115
        assert contenu.startswith('"Bureau de vote";"N° d\'ordre"')
        assert "Signature" in contenu.splitlines()[0]
        travail = Travail.objects.get(type=TYPE_EDITION)
        assert travail.statut == StatutTravail.TERMINE
        assert travail.total > 800
    finally:
        contexte.close()
