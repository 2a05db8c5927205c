"""Parcours de la procédure au navigateur : nouvelle demande d'inscription → décision →
notification, avec axe-core (aucune violation grave) sur chaque page traversée."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from electeurs.procedure.models import EtatMouvement, Mouvement
from tests.e2e.conftest import MOT_DE_PASSE, Commune, capturer, connecter, url
from tests.e2e.test_accessibilite import verifier_accessibilite

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_demande_decision_notification(page: Page, live_server: Any, commune: Commune) -> None:
    aujourdhui = f"{timezone.localdate():%d/%m/%Y}"
    connecter(page, live_server, commune.administrateur.username, MOT_DE_PASSE)

    page.goto(url(live_server, "electeurs:procedure_demande_nouvelle"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle demande d'inscription")
    verifier_accessibilite(page)
    page.get_by_label("Nom de naissance").fill("Parcours")
    page.get_by_label("Prénoms").fill("Camille Anne")
    page.get_by_label("Sexe").select_option("F")
    page.get_by_label("Jour", exact=True).fill("14")
    page.get_by_label("Mois", exact=True).fill("7")
    page.get_by_label("Année", exact=False).first.fill("1990")
    page.get_by_label("Liste demandée").select_option("LP")
    page.get_by_label("Demande reçue le").fill(aujourdhui)
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la demande").click()

    expect(page.locator(".message--success")).to_contain_text("Demande de PARCOURS")
    expect(page.locator("main")).to_contain_text("À décider au plus tard le")
    capturer(page, "procedure-mouvement-a-decider")
    verifier_accessibilite(page)

    page.get_by_label(re.compile(r"^Décision \(obligatoire\)$")).select_option("favorable")
    page.get_by_label("Signataire (prénom, nom)").fill("Jeanne Maire")
    page.get_by_label("Le signataire décide en tant que").select_option("maire")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(".message--success")).to_contain_text("Décision enregistrée")
    expect(page.locator("main")).to_contain_text("À notifier au plus tard le")
    expect(page.locator("main")).to_contain_text("Avis à produire : Avis d'inscription")
    verifier_accessibilite(page)

    page.get_by_label(re.compile(r"^Canal \(obligatoire\)$")).select_option("lrar")
    page.get_by_label("Numéro du recommandé").fill("1A 123 456 7890 1")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la notification").click()
    expect(page.locator(".message--success")).to_contain_text("Notification enregistrée")
    expect(page.locator("main")).to_contain_text("Décision notifiée")
    capturer(page, "procedure-mouvement-notifie")
    verifier_accessibilite(page)

    mouvement = Mouvement.objects.get(electeur__nom_naissance="PARCOURS")
    assert mouvement.etat == EtatMouvement.NOTIFIEE

    page.goto(url(live_server, "electeurs:procedure_mouvements"))
    expect(page.locator("table")).to_contain_text("Décision notifiée")
    verifier_accessibilite(page)
    page.goto(url(live_server, "electeurs:procedure_commission"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Commission de contrôle")
    verifier_accessibilite(page)
    page.get_by_label("Nom et prénom").fill("Anne Membre")
    page.get_by_label("Qualité").fill("Conseillère municipale")
    with page.expect_navigation():
        page.get_by_role("button", name="Ajouter le membre").click()
    expect(page.locator(".message--success")).to_contain_text("Anne Membre")
    page.get_by_label("Date de la réunion").fill(aujourdhui)
    page.get_by_label("Anne Membre (Conseillère municipale)").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la réunion").click()
    expect(page.locator("main")).to_contain_text("Quorum non atteint : 1 présent pour 3 requis")
    expect(page.locator("table")).to_contain_text("PARCOURS Camille Anne")
    verifier_accessibilite(page)


def test_scrutin_et_demande_tardive(page: Page, live_server: Any, commune: Commune) -> None:
    """Un scrutin enregistré fixe la date limite ; une demande reçue après est prévenue."""
    connecter(page, live_server, commune.administrateur.username, MOT_DE_PASSE)
    aujourdhui = timezone.localdate()
    # Le premier dimanche dans plus de 20 jours : la demande d'aujourd'hui arrive trop tard.
    dimanche = aujourdhui + timedelta(days=20 + (6 - (aujourdhui + timedelta(days=20)).weekday()))

    page.goto(url(live_server, "electeurs:procedure_scrutins"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Scrutins")
    verifier_accessibilite(page)
    page.get_by_label(re.compile(r"^Scrutin")).fill("Élection partielle")
    page.get_by_label("Premier tour le").fill(f"{dimanche - timedelta(days=1):%d/%m/%Y}")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le scrutin").click()
    expect(page.locator("p.erreur").first).to_contain_text("n'est pas un dimanche")
    verifier_accessibilite(page)
    page.get_by_label("Premier tour le").fill(f"{dimanche:%d/%m/%Y}")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le scrutin").click()
    expect(page.locator(".message--success")).to_contain_text("Scrutin enregistré")
    limite = dimanche - timedelta(days=37)
    expect(page.locator("table")).to_contain_text(f"{limite:%d/%m/%Y}")
    capturer(page, "procedure-scrutins")
    verifier_accessibilite(page)

    page.goto(url(live_server, "electeurs:procedure_demande_nouvelle"))
    page.get_by_label("Nom de naissance").fill("Tardif")
    page.get_by_label("Prénoms").fill("Paul")
    page.get_by_label("Sexe").select_option("M")
    page.get_by_label("Année", exact=False).first.fill("1990")
    page.get_by_label("Liste demandée").select_option("LP")
    page.get_by_label("Demande reçue le").fill(f"{aujourdhui:%d/%m/%Y}")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la demande").click()
    expect(page.locator(".message--warning").first).to_contain_text(
        f"après la date limite du {limite:%d/%m/%Y}"
    )
    verifier_accessibilite(page)
