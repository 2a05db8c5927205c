"""Pages du fichier électoral : liste et recherche, fiche, contact, INE, bureaux de vote."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.comptes.models import TypeRole
from core.journal.models import EntreeJournal
from core.journal.services import journal_chronologie, journaliser
from electeurs.fichier import selectors
from electeurs.fichier.fiche import EvenementFiche, SectionFiche, fiche_sections
from electeurs.models import ActionElecteurs, BureauDeVote, Electeur, StatutElecteur
from tests.conftest import Monde
from tests.electeurs.factories import (
    BureauDeVoteFactory,
    ElecteurFactory,
    InscriptionListeFactory,
)

pytestmark = pytest.mark.django_db

A = TypeRole.ADMINISTRATEUR
E = TypeRole.AGENT_ELECTIONS
L = TypeRole.LECTURE


def _page(reponse: Any) -> str:
    return html.unescape(reponse.content.decode())


# --- Liste et recherche --------------------------------------------------------------------


def test_la_liste_montre_nom_date_listes_statut_et_seulement_ici(monde: Monde) -> None:
    bureau = BureauDeVoteFactory(collectivite=monde.collectivite, code="0003")
    InscriptionListeFactory(
        electeur__collectivite=monde.collectivite,
        electeur__nom_naissance="DUPRÉ",
        electeur__prenoms="Hélène",
        electeur__naissance_jour=None,
        bureau=bureau,
    )
    ElecteurFactory(collectivite=monde.autre, nom_naissance="AILLEURS")

    reponse = monde.client(L).get(reverse("electeurs:liste"))

    page = _page(reponse)
    assert reponse.status_code == 200
    electeur = Electeur.objects.get(nom_naissance="DUPRÉ")
    assert f'href="{reverse("electeurs:fiche", args=[electeur.pk])}"' in page
    assert "00/07/1953" in page
    assert "incomplète" in page
    assert "Liste principale — bureau 0003" in page
    assert "Inscrit" in page
    assert "AILLEURS" not in page
    for libelle in ("Nom, date de naissance ou INE", "Bureau de vote", "Liste", "Statut"):
        assert f">{libelle}" in page
    assert 'data-label="Nom et prénoms"' in page


def test_la_recherche_et_les_filtres_passent_par_l_url(monde: Monde) -> None:
    ElecteurFactory(collectivite=monde.collectivite, nom_naissance="DUPRÉ", prenoms="Hélène")
    ElecteurFactory(collectivite=monde.collectivite, nom_naissance="DURAND", prenoms="Paul")
    radie = ElecteurFactory(collectivite=monde.collectivite, nom_naissance="DUPRÉ", prenoms="Zoé")
    radie.statut = StatutElecteur.RADIE
    radie.save()
    ElecteurFactory(collectivite=monde.autre, nom_naissance="DUPRÉ", prenoms="Héloïse")
    client = monde.client(E)

    page = _page(client.get(reverse("electeurs:liste"), {"q": "dupre hel"}))
    radies = _page(client.get(reverse("electeurs:liste"), {"q": "dupre", "statut": "radie"}))

    assert "DUPRÉ Hélène" in page
    assert "DURAND" not in page
    assert "Héloïse" not in page
    assert "DUPRÉ Zoé" in radies
    assert "DUPRÉ Hélène" not in radies
    assert "1 résultat" in radies


def test_recherche_approchante_annoncee(monde: Monde) -> None:
    ElecteurFactory(collectivite=monde.collectivite, nom_naissance="DUPONT", prenoms="Hélène")

    page = _page(monde.client(A).get(reverse("electeurs:liste"), {"q": "duppont"}))

    assert "qui s'en approchent" in page
    assert "DUPONT Hélène" in page


def test_etats_vides(monde: Monde) -> None:
    client = monde.client(A)
    vide = _page(client.get(reverse("electeurs:liste")))
    ElecteurFactory(collectivite=monde.collectivite, nom_naissance="DUPONT")
    rien = _page(client.get(reverse("electeurs:liste"), {"q": "zzzzzz"}))

    assert "importez l'extrait de la liste électorale" in vide
    assert "Aucun électeur ne correspond" in rien
    assert "Effacer la recherche et les filtres" in rien


def test_un_filtre_invalide_donne_un_message_francais(monde: Monde) -> None:
    reponse = monde.client(A).get(reverse("electeurs:liste"), {"statut": "inconnu", "bureau": "x"})

    assert reponse.status_code == 400
    page = _page(reponse)
    assert "Choisissez un statut de la liste proposée." in page
    assert "Choisissez un bureau de la liste." in page


def test_compte_plafonne_affiche_plus_de(monde: Monde, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "PLAFOND", 3)
    monkeypatch.setattr(selectors.PaginateurPlafonne, "plafond", 3)
    for i in range(5):
        ElecteurFactory(collectivite=monde.collectivite, nom_naissance=f"MARTIN{i}")

    page = _page(monde.client(A).get(reverse("electeurs:liste")))

    assert "Plus de 3 résultats" in page


def test_la_liste_fait_autant_de_requetes_pour_5_ou_50_electeurs(monde: Monde) -> None:
    client = monde.client(A)
    bureau = BureauDeVoteFactory(collectivite=monde.collectivite)

    def requetes(q: str = "") -> int:
        with CaptureQueriesContext(connection) as capture:
            reponse = client.get(reverse("electeurs:liste"), {"q": q} if q else {})
        assert reponse.status_code == 200
        return len(capture)

    for _ in range(5):
        InscriptionListeFactory(
            electeur__collectivite=monde.collectivite,
            electeur__nom_naissance="DUPRÉ",
            bureau=bureau,
        )
    cinq, cinq_recherche = requetes(), requetes("dupre")
    for _ in range(45):
        InscriptionListeFactory(
            electeur__collectivite=monde.collectivite,
            electeur__nom_naissance="DUPRÉ",
            bureau=bureau,
        )
    assert requetes() == cinq
    assert requetes("dupre") == cinq_recherche


# --- Fiche -----------------------------------------------------------------------------------


def test_fiche_sections_et_etat_civil_en_lecture(monde: Monde) -> None:
    electeur = InscriptionListeFactory(
        electeur__collectivite=monde.collectivite,
        electeur__nom_naissance="DUPRÉ",
        electeur__naissance_jour=None,
        electeur__naissance_mois=None,
        electeur__libelle_voie="rue des Lilas",
        electeur__courriel="helene@exemple.fr",
        numero_ordre=42,
    ).electeur

    page = _page(monde.client(L).get(reverse("electeurs:fiche", args=[electeur.pk])))

    for titre in (
        "État civil",
        "Adresse de rattachement",
        "Contact",
        "Mouvements",
        "Historique des pièces",
        "Notifications du REU",
        "Télédossiers",
        "Chronologie",
    ):
        assert f">{titre}</" in page
    assert "00/00/1953" in page and "incomplète" in page
    assert "se corrige auprès de l'INSEE" in page
    assert "rue des Lilas" in page
    assert "helene@exemple.fr" in page
    assert "Liste principale" in page and ">42<" in page
    # Lecture seule : ni lien de modification du contact, ni de l'INE.
    assert reverse("electeurs:contact_modifier", args=[electeur.pk]) not in page
    assert reverse("electeurs:ine_modifier", args=[electeur.pk]) not in page


def test_fiche_d_une_autre_collectivite_repond_404(monde: Monde) -> None:
    ailleurs = ElecteurFactory(collectivite=monde.autre)
    client = monde.client(A)

    assert client.get(reverse("electeurs:fiche", args=[ailleurs.pk])).status_code == 404
    assert client.get(reverse("electeurs:contact_modifier", args=[ailleurs.pk])).status_code == 404
    assert (
        client.post(
            reverse("electeurs:ine_modifier", args=[ailleurs.pk]), {"ine": "999999"}
        ).status_code
        == 404
    )
    assert Electeur.objects.get(pk=ailleurs.pk).ine == ""


def test_fiche_en_nombre_constant_de_requetes(monde: Monde) -> None:
    electeur = InscriptionListeFactory(electeur__collectivite=monde.collectivite).electeur
    client = monde.client(A)
    url = reverse("electeurs:fiche", args=[electeur.pk])

    def requetes() -> int:
        with CaptureQueriesContext(connection) as capture:
            assert client.get(url).status_code == 200
        return len(capture)

    journaliser(
        action=ActionElecteurs.ELECTEUR_MODIFIE,
        collectivite=monde.collectivite,
        objet=electeur,
        sujet=electeur,
    )
    une = requetes()
    for _ in range(30):
        journaliser(
            action=ActionElecteurs.ELECTEUR_MODIFIE,
            collectivite=monde.collectivite,
            par=monde.personnes[A],
            objet=electeur,
            sujet=electeur,
        )
    InscriptionListeFactory(electeur=electeur, type_liste="LCE")
    assert requetes() == une


def test_une_section_ajoutee_par_un_autre_sous_paquet_et_ses_evenements(
    monde: Monde, monkeypatch: pytest.MonkeyPatch
) -> None:
    electeur = ElecteurFactory(collectivite=monde.collectivite)
    journaliser(
        action=ActionElecteurs.CONTACT_MODIFIE,
        collectivite=monde.collectivite,
        objet=electeur,
        sujet=electeur,
    )
    entree = journal_chronologie(sujet=electeur).get()
    plus_tot = entree.horodatage.replace(year=entree.horodatage.year - 1)
    monkeypatch.setattr(fiche_sections, "_sections", dict(fiche_sections._sections))
    fiche_sections.ajouter(
        SectionFiche(
            "mouvements",
            "Mouvements",
            "electeurs/fichier/fiche_a_venir.html",
            40,
            contexte=lambda e, r: {"nb": 1},
            evenements=lambda e: [EvenementFiche(plus_tot, "Pièce reçue", "un justificatif")],
        )
    )

    page = _page(monde.client(A).get(reverse("electeurs:fiche", args=[electeur.pk])))

    assert page.index("Coordonnées de contact modifiées") < page.index("Pièce reçue")


# --- Contact et INE --------------------------------------------------------------------------


def test_modifier_le_contact_journalise_avec_l_electeur_pour_sujet(monde: Monde) -> None:
    electeur = ElecteurFactory(collectivite=monde.collectivite, courriel="ancien@exemple.fr")
    client = monde.client(E)
    url = reverse("electeurs:contact_modifier", args=[electeur.pk])

    reponse = client.post(
        url,
        {"courriel": "nouveau@exemple.fr", "telephone": "06 01 02 03 04", "adresse_contact": ""},
    )

    assert reponse.status_code == 302
    assert reponse["Location"].endswith("#contact")
    electeur.refresh_from_db()
    assert (electeur.courriel, electeur.telephone) == ("nouveau@exemple.fr", "06 01 02 03 04")
    (entree,) = journal_chronologie(sujet=electeur)
    assert entree.action == ActionElecteurs.CONTACT_MODIFIE
    assert entree.acteur == monde.personnes[E]
    assert "nouveau@exemple.fr" not in str(entree.details)
    page = _page(client.get(reponse["Location"]))
    assert "Contact enregistré (courriel, téléphone)." in page
    assert "Coordonnées de contact modifiées" in page
    assert "champs modifiés" in page


def test_contact_invalide_refuse_en_francais_sans_journal(monde: Monde) -> None:
    electeur = ElecteurFactory(collectivite=monde.collectivite)

    reponse = monde.client(A).post(
        reverse("electeurs:contact_modifier", args=[electeur.pk]),
        {"courriel": "pas-un-courriel", "telephone": "", "adresse_contact": ""},
    )

    assert reponse.status_code == 400
    assert "Saisissez un courriel valide" in _page(reponse)
    assert 'value="pas-un-courriel"' in reponse.content.decode()
    assert not EntreeJournal.objects.filter(action=ActionElecteurs.CONTACT_MODIFIE).exists()


def test_la_lecture_seule_ne_modifie_pas_le_contact(monde: Monde) -> None:
    electeur = ElecteurFactory(collectivite=monde.collectivite, courriel="a@exemple.fr")

    reponse = monde.client(L).post(
        reverse("electeurs:contact_modifier", args=[electeur.pk]),
        {"courriel": "b@exemple.fr", "telephone": "", "adresse_contact": ""},
    )

    assert reponse.status_code == 403
    electeur.refresh_from_db()
    assert electeur.courriel == "a@exemple.fr"


def test_ine_saisi_unique_dans_la_collectivite(monde: Monde) -> None:
    ElecteurFactory(collectivite=monde.collectivite, ine="123456789")
    ElecteurFactory(collectivite=monde.autre, ine="555555555")
    electeur = ElecteurFactory(collectivite=monde.collectivite)
    client = monde.client(A)
    url = reverse("electeurs:ine_modifier", args=[electeur.pk])

    doublon = client.post(url, {"ine": "123456789"})
    mauvais = client.post(url, {"ine": "12-34"})
    ailleurs = client.post(url, {"ine": " 5555 55555 "})

    assert doublon.status_code == 400
    assert "Un autre électeur porte déjà cet INE." in _page(doublon)
    assert mauvais.status_code == 400
    assert "6 à 20 chiffres ou lettres" in _page(mauvais)
    assert ailleurs.status_code == 302
    electeur.refresh_from_db()
    assert electeur.ine == "555555555"
    assert journal_chronologie(sujet=electeur).get().action == ActionElecteurs.ELECTEUR_MODIFIE


# --- Bureaux de vote -------------------------------------------------------------------------


def test_bureaux_avec_nombre_d_electeurs_en_requetes_constantes(monde: Monde) -> None:
    client = monde.client(L)
    un = BureauDeVoteFactory(collectivite=monde.collectivite, code="0001", libelle="Mairie")
    BureauDeVoteFactory(collectivite=monde.autre, code="0009", libelle="Ailleurs")
    for _ in range(3):
        InscriptionListeFactory(electeur__collectivite=monde.collectivite, bureau=un)

    with CaptureQueriesContext(connection) as une:
        page = _page(client.get(reverse("electeurs:bureaux")))
    for i in range(2, 8):
        BureauDeVoteFactory(collectivite=monde.collectivite, code=f"{i:04d}")
    with CaptureQueriesContext(connection) as plusieurs:
        client.get(reverse("electeurs:bureaux"))

    assert "Mairie" in page and 'data-label="Électeurs inscrits">3<' in page
    assert "Ailleurs" not in page
    assert "Ajouter un bureau de vote" not in page
    assert len(une) == len(plusieurs)


def test_creer_et_modifier_un_bureau_journalise(monde: Monde) -> None:
    client = monde.client(E)
    BureauDeVoteFactory(collectivite=monde.autre, code="0001")

    cree = client.post(
        reverse("electeurs:bureau_creer"),
        {"code": "0001", "libelle": "Mairie", "canton_libelle": "Canton 1"},
    )
    bureau = BureauDeVote.objects.pour(monde.collectivite).get(code="0001")
    doublon = client.post(reverse("electeurs:bureau_creer"), {"code": "0001", "libelle": "Bis"})
    mauvais = client.post(reverse("electeurs:bureau_creer"), {"code": "12", "libelle": "Bis"})
    modifie = client.post(
        reverse("electeurs:bureau_modifier", args=[bureau.pk]),
        {"code": "0001", "libelle": "Mairie annexe"},
    )

    assert cree.status_code == 302
    assert doublon.status_code == 400
    assert "Un bureau de vote porte déjà ce code." in _page(doublon)
    assert mauvais.status_code == 400
    assert "Le code d'un bureau a 4 chiffres" in _page(mauvais)
    assert modifie.status_code == 302
    bureau.refresh_from_db()
    assert bureau.libelle == "Mairie annexe"
    actions = list(
        EntreeJournal.objects.filter(collectivite=monde.collectivite)
        .filter(action__startswith="electeurs_bureau")
        .order_by("numero")
        .values_list("action", flat=True)
    )
    assert actions == [ActionElecteurs.BUREAU_CREE, ActionElecteurs.BUREAU_MODIFIE]


def test_au_dela_du_plafond_la_derniere_page_est_celle_du_plafond(
    monde: Monde, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "PLAFOND", 50)
    monkeypatch.setattr(selectors.PaginateurPlafonne, "plafond", 50)
    for i in range(60):
        ElecteurFactory(collectivite=monde.collectivite, nom_naissance=f"NOM{i:02d}")

    reponse = monde.client(A).get(reverse("electeurs:liste"), {"page": "99"})

    page = _page(reponse)
    assert reponse.status_code == 200
    assert "Plus de 50 résultats — page 2." in page
    assert "Page suivante" not in page
    assert "NOM49" in page and "NOM50" not in page
