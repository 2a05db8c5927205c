"""Suivi d'un travail dans le navigateur (static/js/travail.js)."""

from __future__ import annotations

import pytest

from core.models import StatutTravail, Travail, TypeRole
from core.travaux.services import Suivi, enregistrer_types_travaux

A = TypeRole.ADMINISTRATEUR


# --- Suivi dans le navigateur (static/js/travail.js) ------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_le_navigateur_suit_l_avancement_puis_recharge_a_la_fin(live_server, browser):
    from playwright.sync_api import expect

    from tests.e2e.conftest import MOT_DE_PASSE, connecter, nouveau_contexte, url
    from tests.factories import RoleFactory

    enregistrer_types_travaux()
    administrateur = RoleFactory(role=A, utilisateur__username="suivi.admin").utilisateur
    travail = Travail.objects.create(
        collectivite=administrateur.roles.get().collectivite,
        type="journal_export",
        libelle="Export du journal",
        statut=StatutTravail.EN_COURS,
        total=4,
        progression=1,
    )
    contexte = nouveau_contexte(browser)
    page = contexte.new_page()
    erreurs: list[str] = []
    page.on("console", lambda m: erreurs.append(m.text) if m.type == "error" else None)
    try:
        connecter(page, live_server, "suivi.admin", MOT_DE_PASSE)
        page.goto(url(live_server, "travaux:detail", travail.pk))
        barre = page.locator("progress")
        expect(barre).to_have_attribute("value", "25")

        Travail.objects.filter(pk=travail.pk).update(progression=3, message="3 entrées exportées")
        expect(page.locator(".progression__texte")).to_have_text(
            "En cours — 75 % — 3 entrées exportées"
        )
        expect(barre).to_have_js_property("value", 75)

        Suivi(Travail.objects.get(pk=travail.pk)).terminer("journal.csv", b"N\r\n")
        expect(page.get_by_role("link", name="Télécharger journal.csv")).to_be_visible()
        expect(page.locator(".etiquette")).to_have_text("Terminé")
        assert erreurs == []  # ni erreur de script ni violation de la CSP
    finally:
        contexte.close()
