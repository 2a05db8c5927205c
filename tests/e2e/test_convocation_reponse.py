"""Le parcours de l'élu sur son téléphone (360 px) : lien reçu par courriel → accusé de
réception → réponse avec pouvoir → validation → confirmation ; axe-core sans violation grave
et sans défilement horizontal à chaque page."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from convocations.models import (
    DocumentSeance,
    EtatSeance,
    NatureDocument,
    PointOrdreDuJour,
    Pouvoir,
    Reponse,
)
from convocations.seances.models import Destinataire
from core.liens.services import lien_creer
from core.models import TypeRole
from tests.convocations.factories import DestinataireFactory, SeanceFactory
from tests.e2e.conftest import (
    MOBILE,
    MOT_DE_PASSE,
    capturer,
    connecter,
    nouveau_contexte,
    url,
)
from tests.e2e.test_accessibilite import verifier_accessibilite
from tests.factories import CollectiviteFactory, RoleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mobile(browser: Browser) -> Iterator[Page]:
    contexte = nouveau_contexte(browser, viewport=MOBILE)
    yield contexte.new_page()
    contexte.close()


@pytest.fixture
def convocation(transactional_db: None) -> tuple[Destinataire, str]:
    collectivite = CollectiviteFactory(nom="Saint-Exemple-sur-Mer", slug="saint-exemple-mer")
    seance = SeanceFactory(
        collectivite=collectivite,
        titre="Conseil municipal du 12 décembre 2026",
        etat=EtatSeance.ENVOYEE,
        distanciel_autorise=True,
    )
    PointOrdreDuJour.objects.create(
        collectivite=collectivite, seance=seance, numero=1, titre="Budget primitif 2027"
    )
    DocumentSeance.objects.create(
        collectivite=collectivite,
        seance=seance,
        nature=NatureDocument.NOTE_SYNTHESE,
        titre="Note explicative de synthèse",
        fichier=ContentFile(b"%PDF-1.4\n", name="note.pdf"),
        nom_fichier="note-de-synthese.pdf",
        type_contenu="application/pdf",
        taille=9,
    )
    alice = DestinataireFactory(
        seance=seance, nom="Alice Martin-Dubois de la Villeneuve", nombre_envois=1
    )
    DestinataireFactory(seance=seance, nom="Bruno Lefèvre", nombre_envois=1)
    _, jeton = lien_creer(
        collectivite=collectivite,
        objectif="convocation",
        cible=alice,
        duree=datetime.timedelta(days=30),
        usage_unique=False,
    )
    return alice, jeton


def _sans_defilement(page: Page) -> None:
    assert int(page.evaluate("document.documentElement.scrollWidth")) <= MOBILE["width"], page.url


def test_parcours_de_l_elu_sur_telephone(
    mobile: Page, live_server: Any, convocation: tuple[Destinataire, str]
) -> None:
    alice, jeton = convocation
    mobile.goto(f"{live_server.url}{reverse('liens:ouvrir', args=[jeton])}")

    expect(mobile.get_by_role("heading", level=2, name="Accusé de réception")).to_be_visible()
    verifier_accessibilite(mobile)
    _sans_defilement(mobile)
    capturer(mobile, "convocation-accuse-reception-360")
    with mobile.expect_navigation():
        mobile.get_by_role("button", name="J'accuse réception de la convocation").click()

    expect(
        mobile.get_by_role("status").get_by_text("Accusé de réception enregistré le")
    ).to_be_visible()
    expect(mobile.get_by_role("link", name="Note explicative de synthèse")).to_be_visible()
    verifier_accessibilite(mobile)
    _sans_defilement(mobile)
    with mobile.expect_navigation():
        mobile.get_by_role("link", name="Répondre").click()

    verifier_accessibilite(mobile)
    _sans_defilement(mobile)
    mobile.get_by_label("Je serai absent(e) et je donne pouvoir à un autre membre").check()
    mobile.get_by_label("Pouvoir à", exact=True).select_option(label="Bruno Lefèvre")
    mobile.get_by_label("Commentaire (facultatif)").fill("Déplacement professionnel")
    capturer(mobile, "convocation-reponse-360")
    with mobile.expect_navigation():
        mobile.get_by_role("button", name="Relire ma réponse").click()

    expect(
        mobile.get_by_text(
            "Votre réponse ne sera pas envoyée tant que vous ne l'aurez pas validée."
        )
    ).to_be_visible()
    assert not Reponse.objects.exists()
    verifier_accessibilite(mobile)
    _sans_defilement(mobile)
    with mobile.expect_navigation():
        mobile.get_by_role("button", name="Valider ma réponse").click()

    expect(mobile.get_by_role("heading", level=1)).to_have_text("Votre réponse est enregistrée")
    expect(mobile.get_by_text("pouvoir à Bruno Lefèvre")).to_be_visible()
    verifier_accessibilite(mobile)
    _sans_defilement(mobile)
    capturer(mobile, "convocation-confirmation-360")
    reponse = Reponse.objects.get()
    assert (reponse.destinataire_id, reponse.canal) == (alice.pk, "lien")
    assert Pouvoir.objects.get().mandataire.nom == "Bruno Lefèvre"


def test_les_autres_pages_de_l_elu_et_la_saisie_par_l_agent_sans_violation_grave(
    mobile: Page, page: Page, live_server: Any, convocation: tuple[Destinataire, str]
) -> None:
    alice, jeton = convocation
    seance = alice.seance
    seance.mot_de_passe = make_password("sésame-2026")
    seance.save()
    mobile.goto(f"{live_server.url}{reverse('liens:ouvrir', args=[jeton])}")
    expect(mobile.get_by_role("heading", level=1)).to_have_text("Mot de passe de la séance")
    verifier_accessibilite(mobile)
    _sans_defilement(mobile)
    mobile.get_by_label("Mot de passe de la séance").fill("faux")
    with mobile.expect_navigation():
        mobile.get_by_role("button", name="Continuer").click()
    expect(mobile.get_by_role("alert")).to_contain_text("Il vous reste 4 essais.")
    verifier_accessibilite(mobile)

    # Un lien altéré : page claire, qui propose d'en demander un nouveau.
    altere = jeton[:-1] + ("A" if jeton[-1] != "A" else "B")
    mobile.goto(f"{live_server.url}{reverse('liens:ouvrir', args=[altere])}")
    verifier_accessibilite(mobile)
    _sans_defilement(mobile)
    with mobile.expect_navigation():
        mobile.get_by_role("link", name="Demander un nouveau lien de convocation").click()
    verifier_accessibilite(mobile)
    mobile.get_by_label("Votre adresse électronique").fill(alice.email)
    with mobile.expect_navigation():
        mobile.get_by_role("button", name="Recevoir un nouveau lien").click()
    expect(mobile.get_by_role("heading", level=1)).to_have_text("Demande enregistrée")
    verifier_accessibilite(mobile)

    agent = RoleFactory(
        collectivite=seance.collectivite,
        role=TypeRole.SECRETARIAT,
        utilisateur__username="e2e.reponses",
    ).utilisateur
    connecter(page, live_server, agent.username, MOT_DE_PASSE)
    page.goto(url(live_server, "convocations:reponse_saisir", alice.pk))
    verifier_accessibilite(page)
    page.get_by_label("Je serai présent(e)", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la réponse").click()
    expect(page.get_by_role("status")).to_contain_text("enregistrée : Présent.")
    verifier_accessibilite(page)
