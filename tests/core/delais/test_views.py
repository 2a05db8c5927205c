"""Paramètres › Délais : tableau des délais en vigueur et valeur locale des délais permis."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from core.models import Delai, EntreeJournal, TypeRole, UniteDelai

AUJOURDHUI = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
URL = "/parametres/delais/"


@pytest.fixture(autouse=True)
def _horloge():
    with time_machine.travel(AUJOURDHUI, tick=False):
        yield


def surcharger(code: str = "convocation_commission") -> str:
    return reverse("delais:surcharger", kwargs={"code": code})


# --- Accès ----------------------------------------------------------------------------------


def test_les_urls_sont_nommees():
    assert reverse("delais:liste") == URL
    assert surcharger() == "/parametres/delais/convocation_commission/surcharger/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("profil", "attendu"),
    [
        ("administrateur", 200),
        ("agent_elections", 403),
        ("secretariat", 403),
        ("lecture", 403),
        ("sans_role", 403),
        ("elu", 403),
        ("autre_collectivite", 200),
        ("anonyme", 302),
    ],
)
def test_acces_a_la_page_des_delais(monde, profil, attendu):
    reponse = monde.client(profil).get(URL)
    assert reponse.status_code == attendu
    if profil == "anonyme":
        assert reponse["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("profil", "attendu"),
    [
        ("agent_elections", 403),
        ("secretariat", 403),
        ("lecture", 403),
        ("sans_role", 403),
        ("anonyme", 302),
    ],
)
def test_seul_l_administrateur_fixe_une_valeur_locale(monde, profil, attendu):
    reponse = monde.client(profil).post(surcharger(), {"valeur": "5", "valide_du": "01/12/2026"})
    assert reponse.status_code == attendu
    assert not Delai.objects.filter(collectivite__isnull=False).exists()


@pytest.mark.django_db
def test_la_surcharge_ne_repond_qu_en_post(monde):
    assert monde.client(TypeRole.ADMINISTRATEUR).get(surcharger()).status_code == 405


@pytest.mark.django_db
def test_la_surcharge_exige_le_jeton_csrf(monde):
    client = monde.client(TypeRole.ADMINISTRATEUR, csrf=True)
    reponse = client.post(surcharger(), {"valeur": "5", "valide_du": "01/12/2026"})
    assert reponse.status_code == 403
    assert not Delai.objects.filter(collectivite__isnull=False).exists()


# --- Tableau --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_le_tableau_montre_les_delais_en_vigueur(monde, django_assert_max_num_queries):
    client = monde.client(TypeRole.ADMINISTRATEUR)
    client.get(URL)
    with django_assert_max_num_queries(12):
        reponse = client.get(URL)
    contenu = reponse.content.decode()
    assert contenu.count("<h1") == 1
    assert "en vigueur le 25/11/2026" in contenu
    assert "Convocation du conseil (moins de 3 500 habitants)" in contenu
    assert "3 jours francs" in contenu
    assert "1 jour franc" in contenu
    assert "3\u202f500 habitants" in contenu
    assert "CGCT, art. L2121-11" in contenu
    assert "Code électoral, art. L18 III" in contenu
    assert "Assemblées (Code général des collectivités territoriales)" in contenu
    assert "Listes électorales (Code électoral)" in contenu


def _ligne(contenu: str, libelle: str) -> str:
    """Le HTML de la ligne du tableau qui commence par ce libellé."""
    return contenu.split(libelle, 1)[1].split("</tr>", 1)[0]


@pytest.mark.django_db
def test_les_regles_a_verifier_le_disent_en_mots_dans_leur_ligne(monde):
    contenu = monde.client(TypeRole.ADMINISTRATEUR).get(URL).content.decode()
    assert "[?]" not in contenu
    assert "non confirmé" not in contenu
    ligne = _ligne(contenu, "Convocation du conseil (3 500 habitants et plus)")
    assert "Règle à vérifier sur Légifrance (CGCT, art. L2121-12)." in ligne
    assert ligne.count("Légifrance") == 1
    assert "Règle à vérifier sur Légifrance (Code électoral, art. L18 III)." in _ligne(
        contenu, "Recours administratif préalable (RAPO)"
    )
    # Alsace-Moselle : confirmée par la mise à jour du 25/11/2026 (CM-23).
    assert "Légifrance" not in _ligne(contenu, "Convocation du conseil en Alsace-Moselle (moins")
    assert "Légifrance" not in _ligne(contenu, "Convocation du conseil en cas d&#x27;urgence")
    assert contenu.count("Règle à vérifier sur Légifrance") == 5
    assert "legal-rules" not in contenu
    assert "CM-24" not in contenu


@pytest.mark.django_db
def test_une_valeur_locale_programmee_est_visible_apres_l_enregistrement(monde):
    client = monde.client(TypeRole.ADMINISTRATEUR)
    reponse = client.post(surcharger(), {"valeur": "6", "valide_du": "01/01/2027"})
    assert reponse.status_code == 302
    assert "6 jours francs à partir du 01/01/2027" in client.get(URL).content.decode()
    contenu = client.get(URL).content.decode()  # sans le message, qui nomme aussi le délai
    ligne = _ligne(contenu, "Convocation d&#x27;une commission municipale")
    assert "3 jours francs" in ligne
    assert "À partir du 01/01/2027 : 6 jours francs (valeur locale)" in ligne
    section = contenu.split('id="titre-modifiables"', 1)[1]
    assert "À partir du 01/01/2027 : 6 jours francs" in section
    autre = monde.client("autre_collectivite").get(URL).content.decode()
    assert "01/01/2027" not in autre


@pytest.mark.django_db
def test_une_valeur_nationale_programmee_est_visible(monde):
    Delai.objects.create(
        code="convocation_cm_3500_plus",
        libelle="Convocation du conseil (3 500 habitants et plus)",
        valeur=7,
        unite=UniteDelai.JOURS_FRANCS,
        reference="CGCT, art. L2121-12",
        valide_du=date(2027, 3, 1),
    )
    contenu = monde.client(TypeRole.ADMINISTRATEUR).get(URL).content.decode()
    ligne = _ligne(contenu, "Convocation du conseil (3 500 habitants et plus)")
    assert "5 jours francs" in ligne
    assert "À partir du 01/03/2027 : 7 jours francs" in ligne


@pytest.mark.django_db
def test_seuls_les_delais_modifiables_ont_un_formulaire(monde):
    contenu = monde.client(TypeRole.ADMINISTRATEUR).get(URL).content.decode()
    assert f'action="{surcharger()}"' in contenu
    assert surcharger("convocation_cm_moins_3500") not in contenu
    # Commissions et bureau (convocations, migration 0003) : les seuls sans délai légal.
    assert contenu.count('method="post" action="/parametres/delais/') == 2
    assert '<label for="id_convocation_commission_valeur">' in contenu
    assert '<label for="id_convocation_commission_valide_du">' in contenu
    assert 'value="25/11/2026"' in contenu


@pytest.mark.django_db
def test_la_valeur_locale_d_une_autre_collectivite_n_apparait_pas(monde):
    Delai.objects.create(
        code="convocation_commission",
        libelle="Local",
        valeur=9,
        unite=UniteDelai.JOURS_FRANCS,
        reference="Règlement intérieur",
        valide_du=date(2026, 1, 1),
        collectivite=monde.autre,
    )
    contenu = monde.client(TypeRole.ADMINISTRATEUR).get(URL).content.decode()
    assert "9 jours francs" not in contenu
    assert "Valeur locale" not in contenu
    autre = monde.client("autre_collectivite").get(URL).content.decode()
    assert "9 jours francs" in autre
    assert "Valeur locale (depuis le 01/01/2026)" in autre


# --- Valeur locale --------------------------------------------------------------------------


@pytest.mark.django_db
def test_fixer_la_valeur_locale_du_delai_des_commissions(monde):
    client = monde.client(TypeRole.ADMINISTRATEUR)
    reponse = client.post(surcharger(), {"valeur": "5", "valide_du": "25/11/2026"})
    assert reponse.status_code == 302
    assert reponse["Location"] == URL
    local = Delai.objects.get(collectivite=monde.collectivite)
    assert (local.code, local.valeur, local.valide_du) == (
        "convocation_commission",
        5,
        date(2026, 11, 25),
    )
    entree = EntreeJournal.objects.get(action="delai_surcharge")
    assert entree.collectivite == monde.collectivite
    assert entree.acteur == monde.personnes[TypeRole.ADMINISTRATEUR]
    page = client.get(URL).content.decode()
    assert "Convocation d&#x27;une commission municipale : 5 jours francs" in page
    assert "Valeur locale (depuis le 25/11/2026)" in page


@pytest.mark.django_db
def test_un_delai_legal_ne_peut_pas_etre_surcharge(monde):
    reponse = monde.client(TypeRole.ADMINISTRATEUR).post(
        surcharger("convocation_cm_moins_3500"), {"valeur": "1", "valide_du": "01/12/2026"}
    )
    assert reponse.status_code == 400
    contenu = reponse.content.decode()
    assert "fixé par la loi (CGCT, art. L2121-11)" in contenu
    assert "ne peut pas le modifier" in contenu
    assert not Delai.objects.filter(collectivite__isnull=False).exists()


@pytest.mark.django_db
def test_un_code_inconnu_repond_404(monde):
    reponse = monde.client(TypeRole.ADMINISTRATEUR).post(
        surcharger("n_existe_pas"), {"valeur": "1", "valide_du": "01/12/2026"}
    )
    assert reponse.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("donnees", "champ", "message"),
    [
        ({"valeur": "", "valide_du": "01/12/2026"}, "valeur", "Indiquez la valeur du délai."),
        (
            {"valeur": "trois", "valide_du": "01/12/2026"},
            "valeur",
            "Saisissez un nombre entier, par exemple 3.",
        ),
        (
            {"valeur": "-1", "valide_du": "01/12/2026"},
            "valeur",
            "La valeur ne peut pas être négative.",
        ),
        (
            {"valeur": "400", "valide_du": "01/12/2026"},
            "valeur",
            "La valeur ne peut pas dépasser 365.",
        ),
        (
            {"valeur": "5", "valide_du": ""},
            "valide_du",
            "Indiquez la date d&#x27;entrée en vigueur.",
        ),
        (
            {"valeur": "5", "valide_du": "2026/12/01"},
            "valide_du",
            "Saisissez une date au format jj/mm/aaaa",
        ),
        ({"valeur": "5", "valide_du": "31/02/2027"}, "valide_du", "Cette date n&#x27;existe pas."),
        (
            {"valeur": "5", "valide_du": "31/12/9999"},
            "valide_du",
            "Année hors limites : saisissez une année comprise entre 1900 et 2100.",
        ),
        (
            {"valeur": "5", "valide_du": "24/11/2026"},
            "valide_du",
            "La date d&#x27;entrée en vigueur ne peut pas être passée.",
        ),
    ],
)
def test_les_erreurs_du_formulaire_sont_en_francais_a_cote_des_champs(
    monde, donnees, champ, message
):
    reponse = monde.client(TypeRole.ADMINISTRATEUR).post(surcharger(), donnees)
    assert reponse.status_code == 400
    contenu = reponse.content.decode()
    erreur = contenu.split(f'id="id_{champ}_erreur"')[1][:200]
    assert message in erreur
    assert contenu.count("<h1") == 1
    # Rien n'est perdu : la saisie revient dans le formulaire.
    for valeur in donnees.values():
        if valeur:
            assert f'value="{valeur}"' in contenu
    assert not Delai.objects.filter(collectivite__isnull=False).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("saisie", ["1/12/2026", "01.12.2026", "01-12-2026", "2026-12-01"])
def test_la_date_d_entree_en_vigueur_accepte_les_formats_de_l_analyseur_commun(monde, saisie):
    reponse = monde.client(TypeRole.ADMINISTRATEUR).post(
        surcharger(), {"valeur": "4", "valide_du": saisie}
    )
    assert reponse.status_code == 302
    assert Delai.objects.get(collectivite=monde.collectivite).valide_du == date(2026, 12, 1)


@pytest.mark.django_db
def test_aucun_commentaire_de_gabarit_n_apparait(monde):
    contenu = monde.client(TypeRole.ADMINISTRATEUR).get(URL).content.decode()
    assert "{#" not in contenu
    assert "Variables :" not in contenu
