"""Espace élu dans un vrai navigateur, à 360 px : lien d'activation (date de naissance, mot de
passe), notice RGPD à la première connexion, puis le portail ; axe-core sans violation grave,
aucun défilement horizontal, aucune fenêtre surgissante."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from convocations.elus.models import AccuseNotice
from convocations.models import Contact, Destinataire, EtatSeance, Mandat, Seance
from core.comptes.models import TypeRole, Utilisateur
from core.liens.services import OBJECTIF_ACTIVATION, lien_creer, lien_url
from tests.e2e.conftest import MOBILE, connecter, nouveau_contexte, url
from tests.e2e.conftest import MOT_DE_PASSE as E2E_MOT_DE_PASSE
from tests.e2e.test_accessibilite import verifier_accessibilite
from tests.factories import CollectiviteFactory, RoleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOT_DE_PASSE = "Conseil-municipal-2026!"


@pytest.fixture
def mobile(browser: Browser) -> Iterator[Page]:
    contexte = nouveau_contexte(browser, viewport=MOBILE)
    page = contexte.new_page()
    # Aucune boîte de dialogue (alert, confirm) : l'accusé de réception d'i-delibRE en était une.
    dialogues: list[str] = []
    page.on("dialog", lambda d: (dialogues.append(d.message), d.dismiss()))
    page.dialogues = dialogues  # type: ignore[attr-defined]
    yield page
    contexte.close()


@pytest.fixture
def jeton(transactional_db: None) -> str:
    collectivite = CollectiviteFactory(nom="Saint-Élu", slug="saint-elu")
    elu = Utilisateur(
        username="jeanne.dupont",
        first_name="Jeanne",
        last_name="Dupont",
        email="jeanne.dupont@saint-elu.test",
        date_naissance=date(1970, 5, 12),
    )
    elu.set_unusable_password()
    elu.save()
    Contact.objects.create(
        collectivite=collectivite, email=elu.email, description="Jeanne Dupont", utilisateur=elu
    )
    Mandat.objects.create(
        collectivite=collectivite,
        utilisateur=elu,
        assemblee="conseil_municipal",
        fonction="conseiller",
        debut=date(2026, 3, 22),
    )
    seance = Seance.objects.create(
        collectivite=collectivite,
        type="conseil_municipal",
        assemblee="conseil_municipal",
        titre="Conseil municipal du mois prochain, budget primitif et subventions",
        date=timezone.now() + timedelta(days=12),
        lieu="Salle du conseil, mairie",
        etat=EtatSeance.ENVOYEE,
    )
    Destinataire.objects.create(
        collectivite=collectivite, seance=seance, utilisateur=elu, email=elu.email, membre=True
    )
    _lien, jeton = lien_creer(
        collectivite=collectivite,
        objectif=OBJECTIF_ACTIVATION,
        cible=elu,
        duree=timedelta(days=7),
        date_naissance=elu.date_naissance,
    )
    return jeton


def _sans_defilement(page: Page) -> None:
    assert int(page.evaluate("document.documentElement.scrollWidth")) <= MOBILE["width"]


def test_activation_notice_puis_portail_a_360_px(
    mobile: Page, live_server: Any, jeton: str
) -> None:
    mobile.goto(f"{live_server.url}{lien_url(jeton)}")
    expect(mobile.get_by_role("heading", level=1)).to_have_text("Vérification de votre identité")
    verifier_accessibilite(mobile)
    mobile.get_by_label("Date de naissance").fill("12/05/1970")
    with mobile.expect_navigation():
        mobile.get_by_role("button", name="Valider").click()

    expect(mobile.get_by_role("heading", level=1)).to_have_text("Choisissez votre mot de passe")
    mobile.get_by_label("Nouveau mot de passe").fill(MOT_DE_PASSE)
    mobile.get_by_label("Confirmez le mot de passe").fill(MOT_DE_PASSE)
    with mobile.expect_navigation():
        mobile.get_by_role("button", name="Enregistrer mon mot de passe").click()

    # Première connexion : la notice RGPD avant tout.
    expect(mobile.get_by_role("heading", level=1)).to_have_text(
        "Information sur vos données personnelles"
    )
    notice = mobile.get_by_text("Saint-Élu afin de procéder aux traitements suivants")
    expect(notice).to_be_visible()
    _sans_defilement(mobile)
    verifier_accessibilite(mobile)
    mobile.get_by_label("J'accepte de recevoir des invitations aux événements.").check()
    mobile.get_by_label("J'ai pris connaissance de cette notice.").check()
    with mobile.expect_navigation():
        mobile.get_by_role("button", name="Continuer").click()

    expect(mobile.get_by_role("heading", level=1)).to_have_text("Mes convocations")
    expect(mobile.get_by_role("heading", name="Conseil municipal du mois prochain")).to_be_visible()
    expect(mobile.get_by_text("À consulter")).to_be_visible()
    _sans_defilement(mobile)
    verifier_accessibilite(mobile)
    accuse = AccuseNotice.objects.get()
    assert accuse.evenements and not accuse.actualites and accuse.lu_le is not None
    assert mobile.locator('link[rel="manifest"]').count() == 1

    for lien in ("Mes données", "Adresse de réception", "Mes identifiants"):
        with mobile.expect_navigation():
            mobile.get_by_role("link", name=lien).click()
        _sans_defilement(mobile)
        verifier_accessibilite(mobile)
    expect(mobile.get_by_text("jeanne.dupont", exact=True)).to_be_visible()
    assert mobile.dialogues == []  # type: ignore[attr-defined]


def test_pages_de_l_agent_et_lien_perdu_sans_violation_grave(
    page: Page, live_server: Any, jeton: str
) -> None:
    collectivite = Contact.objects.get().collectivite
    contact = Contact.objects.get()
    agent = RoleFactory(
        collectivite=collectivite, role=TypeRole.ADMINISTRATEUR, utilisateur__username="e2e.admin"
    ).utilisateur
    page.goto(url(live_server, "convocations:elu_lien_perdu"))
    verifier_accessibilite(page)
    page.get_by_label("Votre adresse électronique").fill("jeanne.dupont@saint-elu.test")
    # Une date qui ne correspond pas : la réponse est la même (neutre) et rien ne part.
    page.get_by_label("Votre date de naissance").fill("13/05/1970")
    with page.expect_navigation():
        page.get_by_role("button", name="Recevoir un nouveau lien").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demande enregistrée")
    verifier_accessibilite(page)

    connecter(page, live_server, agent.username, E2E_MOT_DE_PASSE)
    for adresse in (
        url(live_server, "convocations:elus_acces"),
        url(live_server, "convocations:elu_naissance", contact.pk),
        url(live_server, "convocations:notice_rgpd"),
        url(live_server, "convocations:contact", contact.pk),
    ):
        reponse = page.goto(adresse)
        assert reponse is not None and reponse.status == 200, adresse
        verifier_accessibilite(page)
