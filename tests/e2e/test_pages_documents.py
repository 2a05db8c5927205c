"""Délais (valeurs programmées, règles à vérifier en mots) et fiche de la collectivité (logo),
dans Chromium, à 360 px et sur un écran de bureau. Captures : `ECHARPE_CAPTURES=1`."""

from __future__ import annotations

import importlib
import io
from datetime import date
from typing import Any

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from playwright.sync_api import Browser, expect

from core.models import Delai, UniteDelai
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

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _png() -> bytes:
    image = Image.new("RGB", (240, 80), (0, 70, 140))
    sortie = io.BytesIO()
    image.save(sortie, format="PNG")
    return sortie.getvalue()


@pytest.fixture
def commune_preparee(commune: Commune) -> Commune:
    from django.apps import apps as registre_apps

    # La fixture `commune` resème la migration 0002 : on rejoue aussi la correction des règles.
    correction = importlib.import_module("core.migrations.0007_documents")
    correction._appliquer(correction.APRES)(registre_apps, None)
    Delai.objects.create(
        code="convocation_commission",
        libelle="Convocation d'une commission municipale",
        valeur=6,
        unite=UniteDelai.JOURS_FRANCS,
        reference="CGCT, art. L2121-22",
        valide_du=date(2027, 1, 1),
        collectivite=commune.collectivite,
    )
    commune.collectivite.logo.save("logo.png", ContentFile(_png()))
    return commune


@pytest.mark.parametrize(("ecran", "taille"), [("bureau", BUREAU), ("360px", MOBILE)])
def test_delais_et_fiche_de_la_collectivite(
    browser: Browser, live_server: Any, commune_preparee: Commune, ecran: str, taille: Any
) -> None:
    contexte = nouveau_contexte(browser, viewport=taille)
    try:
        page = contexte.new_page()
        connecter(page, live_server, commune_preparee.administrateur.username, MOT_DE_PASSE)

        page.goto(url(live_server, "delais:liste"))
        texte = page.locator("main").inner_text()
        assert "[?]" not in texte
        assert "legal-rules" not in texte
        prevue = page.get_by_text("À partir du 01/01/2027 : 6 jours francs (valeur locale)")
        expect(prevue.first).to_be_visible()  # dans le tableau et sous le formulaire
        expect(
            page.get_by_text("Règle à vérifier sur Légifrance (CGCT, art. L2121-12).")
        ).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= taille["width"]
        capturer(page, f"delais-{ecran}")

        page.goto(url(live_server, "tenancy:collectivite"))
        logo = page.get_by_alt_text(f"Logo actuel de {commune_preparee.collectivite.nom}")
        expect(logo).to_be_visible()
        assert logo.evaluate("image => image.naturalWidth") == 240
        expect(page.get_by_label("Retirer le logo")).to_be_visible()
        assert page.get_by_label("Nouveau logo").get_attribute("accept") == "image/png,image/jpeg"
        assert "Actuellement" not in page.locator("main").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= taille["width"]
        capturer(page, f"collectivite-{ecran}")
    finally:
        contexte.close()
