"""axe-core sur les pages principales : aucune violation « serious » ou « critical ».

`PAGES_BACK_OFFICE` liste les noms d'URL du back-office visités en administrateur. Un nom qui
ne se résout pas (page pas encore écrite) fait échouer son test : il n'est jamais ignoré.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.e2e.conftest import MOT_DE_PASSE, Commune, connecter, ouvrir_menu_compte, url

PAGES_BACK_OFFICE = [
    "pages:accueil",
    "password_change",
    "journal:liste",
    "pages:parametres",
    "delais:liste",
    "mail:mon_compte",
    "mail:comptes",
    "comptes:agents",
    "comptes:agent_ajouter",
    "tenancy:collectivite",
    "mail:compte_defaut",
    "comptes:invitations",
]
PAGES_PUBLIQUES = ["login", "password_reset"]
IMPACTS_BLOQUANTS = {"serious", "critical"}

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

_axe = Axe()


def violations_bloquantes(page: Page) -> list[dict[str, Any]]:
    resultats = _axe.run(page)
    return [v for v in resultats.response["violations"] if v.get("impact") in IMPACTS_BLOQUANTS]


def decrire(violations: list[dict[str, Any]]) -> str:
    lignes = []
    for violation in violations:
        cibles = " | ".join(
            ", ".join(str(c) for c in noeud["target"]) for noeud in violation["nodes"]
        )
        lignes.append(
            f"- {violation['id']} ({violation['impact']}) : {violation['help']} → {cibles}"
        )
    return "\n".join(lignes)


def verifier_accessibilite(page: Page) -> None:
    violations = violations_bloquantes(page)
    assert not violations, f"axe-core sur {page.url} :\n{decrire(violations)}"


def ouvrir(page: Page, adresse: str) -> None:
    reponse = page.goto(adresse)
    assert reponse is not None
    assert reponse.status == 200, f"{adresse} répond {reponse.status}"
    assert page.locator("h1").count() == 1, f"{adresse} : une seule balise h1 attendue"


@pytest.mark.parametrize("nom", PAGES_PUBLIQUES)
def test_page_publique_sans_violation_grave(page: Page, live_server: Any, nom: str) -> None:
    ouvrir(page, url(live_server, nom))
    verifier_accessibilite(page)


def test_connexion_en_erreur_sans_violation_grave(
    page: Page, live_server: Any, commune: Commune
) -> None:
    connecter(page, live_server, commune.administrateur.username, "pas-le-bon")
    assert page.locator(".erreurs-resume").is_visible()
    verifier_accessibilite(page)


@pytest.mark.parametrize("nom", PAGES_BACK_OFFICE)
def test_page_du_back_office_sans_violation_grave(
    page: Page, live_server: Any, commune: Commune, nom: str
) -> None:
    # Résolu avant tout : une page pas encore écrite échoue ici (NoReverseMatch).
    adresse = url(live_server, nom)
    connecter(page, live_server, commune.administrateur.username, MOT_DE_PASSE)
    ouvrir(page, adresse)
    verifier_accessibilite(page)


def test_accueil_avec_selecteur_de_collectivite_sans_violation_grave(
    page: Page, live_server: Any, commune: Commune
) -> None:
    connecter(
        page, live_server, commune.agent_deux_collectivites.username, commune.mot_de_passe_demo
    )
    ouvrir(page, url(live_server, "pages:accueil"))
    ouvrir_menu_compte(page)
    assert page.get_by_label("Collectivité").is_visible()
    verifier_accessibilite(page)


def test_axe_signale_bien_une_violation_grave(page: Page, live_server: Any) -> None:
    """Garde-fou : sur une page fautive, la vérification échoue (axe est bien injecté, même
    sous la politique CSP de l'application)."""
    ouvrir(page, url(live_server, "login"))
    page.evaluate(
        "() => { const i = document.createElement('input');"
        " document.querySelector('main').appendChild(i); }"
    )
    violations = violations_bloquantes(page)
    assert "label" in {v["id"] for v in violations}
    with pytest.raises(AssertionError, match=r"label \(critical\).*#contenu > input"):
        verifier_accessibilite(page)


@pytest.mark.parametrize("statut", ["termine", "echec", "interrompu"])
def test_page_d_un_travail_sans_violation_grave(
    page: Page, live_server: Any, commune: Commune, statut: str
) -> None:
    from core.models import Travail

    travail = Travail.objects.create(
        collectivite=commune.collectivite,
        type="journal_export",
        libelle="Export du journal",
        statut=statut,
        demandeur=commune.administrateur,
        total=10,
        progression=10 if statut == "termine" else 4,
        erreur="" if statut == "termine" else "Le fichier n'a pas pu être écrit.",
    )
    if statut == "termine":
        from django.core.files.base import ContentFile

        travail.fichier.save("journal.csv", ContentFile(b"\xef\xbb\xbfN\r\n"), save=False)
        travail.fichier_nom = "journal.csv"
        travail.save()
    connecter(page, live_server, commune.administrateur.username, MOT_DE_PASSE)
    ouvrir(page, url(live_server, "travaux:detail", travail.pk))
    attendu = "Télécharger journal.csv" if statut == "termine" else "Relancer"
    assert page.get_by_text(attendu).count() >= 1
    verifier_accessibilite(page)


def test_page_des_delais_remplie_sans_violation_grave(
    page: Page, live_server: Any, commune: Commune
) -> None:
    connecter(page, live_server, commune.administrateur.username, MOT_DE_PASSE)
    ouvrir(page, url(live_server, "delais:liste"))
    assert page.get_by_text("CGCT, art. L2121-11").count() >= 1
    verifier_accessibilite(page)


def test_pages_d_un_lien_securise_sans_violation_grave(
    page: Page, live_server: Any, commune: Commune
) -> None:
    """Les pages qu'ouvriront élus et usagers : erreur, vérification d'identité, mot de passe."""
    from datetime import date, timedelta

    from core.liens.services import OBJECTIF_ACTIVATION, lien_creer, lien_url
    from tests.factories import UtilisateurFactory

    # Lien altéré : page d'erreur en français.
    reponse = page.goto(f"{live_server.url}{lien_url('x' * 43)}")
    assert reponse is not None and reponse.status == 404
    assert page.locator("h1").count() == 1
    verifier_accessibilite(page)

    personne = UtilisateurFactory(
        username="nouvel.agent", date_naissance=date(1980, 7, 14), password=None
    )
    _lien, jeton = lien_creer(
        collectivite=commune.collectivite,
        objectif=OBJECTIF_ACTIVATION,
        cible=personne,
        duree=timedelta(days=7),
        date_naissance=personne.date_naissance,
    )
    ouvrir(page, f"{live_server.url}{lien_url(jeton)}")
    assert jeton not in page.url  # redirigé vers l'adresse sans jeton
    verifier_accessibilite(page)  # formulaire d'identité

    page.get_by_label("Date de naissance").fill("01/01/1990")
    page.get_by_role("button").last.click()
    assert page.locator(".erreur, .erreurs-resume").first.is_visible()
    verifier_accessibilite(page)  # formulaire en erreur

    page.get_by_label("Date de naissance").fill("14/07/1980")
    page.get_by_role("button").last.click()
    page.wait_for_url("**/l/activation/")
    assert page.get_by_label("Nouveau mot de passe").first.is_visible()
    assert page.locator("h1").count() == 1
    verifier_accessibilite(page)  # choix du mot de passe


@pytest.mark.parametrize("nom", ["parametres_agent_modifier", "smtp_compte_modifier"])
def test_pages_de_modification_sans_violation_grave(
    page: Page, live_server: Any, commune: Commune, nom: str
) -> None:
    from core.models import CompteSMTP

    if nom == "parametres_agent_modifier":
        pk = commune.agent_deux_collectivites.roles.get(collectivite=commune.collectivite).pk
    else:
        pk = CompteSMTP.objects.filter(collectivite=commune.collectivite).first().pk
    connecter(page, live_server, commune.administrateur.username, MOT_DE_PASSE)
    ouvrir(page, url(live_server, nom, pk))
    verifier_accessibilite(page)
