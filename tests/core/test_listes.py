"""Les quatre pages de liste (journal, agents, comptes d'envoi, boîte d'envoi) : un composant,
une déclaration (`core.listes.ListeMixin`). Recherche, tri, pagination, état vide, requêtes."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.db import connection
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.journal.services import journaliser
from core.listes import Colonne, EnTete, Liste, ListeMixin
from core.models import Role, TypeRole, Utilisateur
from tests.factories import CompteSMTPFactory, RoleFactory, UtilisateurFactory

A = TypeRole.ADMINISTRATEUR


@pytest.fixture
def boite(settings, tmp_path):
    settings.ECHARPE_BOITE_DEMO = str(tmp_path / "outbox")
    settings.EMAIL_BACKEND = "core.mail.backends.BoiteDemoBackend"


@pytest.fixture
def staff(monde):
    personne = monde.personnes[A]
    personne.is_staff = personne.is_superuser = True
    personne.save(update_fields=["is_staff", "is_superuser"])
    return personne


_SUITE = itertools.count()


def _agents(monde, n: int) -> list[str]:
    noms = []
    for _ in range(n):
        i = next(_SUITE)
        noms.append(f"zagent{i:03d}")
        RoleFactory(
            collectivite=monde.collectivite,
            role=TypeRole.LECTURE,
            utilisateur=UtilisateurFactory(last_name=f"Zagent{i:03d}", username=f"zagent{i:03d}"),
        )
    return noms


def _journal(monde, n: int) -> None:
    for i in range(n):
        journaliser(
            action="compte_smtp_enregistre",
            collectivite=monde.collectivite,
            par=monde.personnes[A],
            details={"i": i},
        )


def _comptes(monde, n: int) -> None:
    for _ in range(n):
        i = next(_SUITE)
        CompteSMTPFactory(
            collectivite=monde.collectivite,
            utilisateur=UtilisateurFactory(last_name=f"Zcompte{i:03d}"),
            hote=f"smtp{i}.exemple.test",
        )


def _courriels(monde, n: int) -> None:
    for i in range(n):
        send_mail(f"Courriel {i:03d}", "Texte", "mairie@exemple.test", [f"p{i}@exemple.test"])


LISTES: dict[str, tuple[str, Callable[..., None]]] = {
    "journal": ("journal:liste", _journal),
    "agents": ("comptes:agents", _agents),
    "smtp": ("mail:comptes", _comptes),
    "outbox": ("mail:outbox", _courriels),
}


def _texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


def _lignes(reponse) -> list[str]:
    return re.findall(r"<tr><td.*?</tr>", reponse.content.decode(), flags=re.S)


@pytest.mark.parametrize("nom", sorted(LISTES))
def test_nombre_de_requetes_constant_5_puis_50_lignes(monde, boite, staff, nom):
    url_name, creer = LISTES[nom]
    client = monde.client(A)
    creer(monde, 5)
    client.get(reverse(url_name))
    # Une page gardée en cache (journal) ne relit pas ses lignes : on compte le calcul.
    cache.clear()
    with CaptureQueriesContext(connection) as peu:
        assert client.get(reverse(url_name)).status_code == 200
    creer(monde, 45)
    cache.clear()
    with CaptureQueriesContext(connection) as beaucoup:
        reponse = client.get(reverse(url_name))
    assert reponse.status_code == 200
    assert len(beaucoup.captured_queries) == len(peu.captured_queries)


@pytest.mark.parametrize("nom", sorted(LISTES))
def test_structure_commune_du_tableau(monde, boite, staff, nom):
    url_name, creer = LISTES[nom]
    creer(monde, 3)
    reponse = monde.client(A).get(reverse(url_name))
    contenu = reponse.content.decode()
    assert "<caption>" in contenu
    entetes = re.findall(r"<th [^>]*>", contenu)
    assert entetes and all('scope="col"' in th for th in entetes)
    # Chaque cellule porte son libellé : les lignes s'empilent à 360 px.
    cellules = re.findall(r"<td[^>]*>", contenu)
    assert cellules and all("data-label=" in td for td in cellules)
    # Le tri courant est annoncé.
    assert contenu.count("aria-sort=") == 1


def test_pagination_avec_le_total_en_francais(monde):
    deja = Role.objects.filter(collectivite=monde.collectivite).count()
    personnes = Utilisateur.objects.bulk_create(
        Utilisateur(username=f"zpage{i:04d}", last_name=f"Zpage{i:04d}")
        for i in range(1_250 - deja)
    )
    Role.objects.bulk_create(
        Role(utilisateur=p, collectivite=monde.collectivite, role=TypeRole.LECTURE)
        for p in personnes
    )
    reponse = monde.client(A).get(reverse("comptes:agents"))
    texte = _texte(reponse)
    assert "1\u202f250 résultats" in texte
    assert "page 1 sur 50" in texte
    assert len(_lignes(reponse)) == 25
    suivante = monde.client(A).get(reverse("comptes:agents"), {"page": "50"})
    assert len(_lignes(suivante)) == 25
    # Une page hors limites ou illisible : la dernière ou la première, jamais d'erreur.
    assert monde.client(A).get(reverse("comptes:agents"), {"page": "9999"}).status_code == 200
    assert monde.client(A).get(reverse("comptes:agents"), {"page": "x"}).status_code == 200


def test_recherche_garde_le_tri_et_filtre(monde):
    un, _, trois = _agents(monde, 3)
    reponse = monde.client(A).get(reverse("comptes:agents"), {"q": un, "tri": "-nom"})
    texte = _texte(reponse)
    assert un in texte
    assert trois not in texte
    assert len(_lignes(reponse)) == 1
    assert '<input type="hidden" name="tri" value="-nom">' in reponse.content.decode()


def test_recherche_sans_resultat_dit_quoi_faire(monde):
    reponse = monde.client(A).get(reverse("comptes:agents"), {"q": "personne-de-ce-nom"})
    assert reponse.status_code == 200
    texte = _texte(reponse)
    assert "Aucun agent ne correspond. Essayez une autre recherche." in texte
    assert "Effacer la recherche" in texte


def test_tri_croissant_puis_decroissant(monde):
    un, _, trois = _agents(monde, 3)
    client = monde.client(A)
    croissant = _texte(client.get(reverse("comptes:agents"), {"tri": "identifiant"}))
    decroissant = _texte(client.get(reverse("comptes:agents"), {"tri": "-identifiant"}))
    assert croissant.index(un) < croissant.index(trois)
    assert decroissant.index(trois) < decroissant.index(un)
    assert 'aria-sort="ascending"' in croissant
    assert 'aria-sort="descending"' in decroissant
    # Le lien de la colonne triée inverse l'ordre.
    assert "?tri=-identifiant" in croissant


@pytest.mark.parametrize("tri", ["inconnu", "-", "utilisateur__password", "\x00", "-courriel"])
def test_une_cle_de_tri_inconnue_revient_a_l_ordre_par_defaut(monde, tri):
    _agents(monde, 3)
    client = monde.client(A)
    defaut = client.get(reverse("comptes:agents"))
    reponse = client.get(reverse("comptes:agents"), {"tri": tri})
    assert reponse.status_code == 200
    assert _lignes(reponse) == _lignes(defaut)


def test_le_journal_se_trie_par_date_croissante(monde):
    _journal(monde, 3)
    client = monde.client(A)
    recent = client.get(reverse("journal:liste")).context["entrees"]
    ancien = client.get(reverse("journal:liste"), {"tri": "-date"}).context["entrees"]
    assert [e.numero for e in ancien] == sorted(e.numero for e in recent)
    assert [e.numero for e in recent] == sorted((e.numero for e in recent), reverse=True)


def test_etat_vide_des_comptes_d_envoi_dit_quoi_faire(monde):
    texte = _texte(monde.client(A).get(reverse("mail:comptes")))
    assert "Aucun agent n'a encore enregistré son compte d'envoi" in texte
    assert "Mon compte d'envoi" in texte


def test_recherche_et_tri_de_la_boite_d_envoi(monde, boite, staff):
    _courriels(monde, 3)
    client = monde.client(A)
    reponse = client.get(reverse("mail:outbox"), {"q": "courriel 001"})
    assert len(_lignes(reponse)) == 1
    par_objet = _texte(client.get(reverse("mail:outbox"), {"tri": "objet"}))
    assert par_objet.index("Courriel 000") < par_objet.index("Courriel 002")
    vide = _texte(client.get(reverse("mail:outbox"), {"q": "rien"}))
    assert "Aucun courriel ne correspond" in vide


def test_l_export_n_apparait_que_si_la_vue_en_declare_un(monde):
    _journal(monde, 1)
    journal = monde.client(A).get(reverse("journal:liste")).content.decode()
    assert f'action="{reverse("journal:exporter")}"' in journal
    agents = monde.client(A).get(reverse("comptes:agents")).content.decode()
    assert "Exporter (CSV)" not in agents


def test_sans_colonne_triable_l_ordre_du_selecteur_est_garde_et_le_paginateur_se_remplace(
    rf,
):
    """Une liste aux lignes déjà ordonnées par son sélecteur (recherche d'électeurs) n'a pas
    de colonne triable ; `paginateur()` lui donne un compte plafonné (« Plus de … »)."""

    class Plafonne(Paginator):
        plafond = 2

        @property
        def plafond_atteint(self) -> bool:
            return self.count > self.plafond

    class Vue(ListeMixin):
        colonnes = (Colonne("nom", "Nom"),)

        def lignes(self):
            return ["c", "a", "b"]

        def cellules(self, objet):
            return {"nom": objet}

        def paginateur(self, lignes):
            return Plafonne(lignes, self.par_page)

    vue = Vue()
    vue.request = rf.get("/")
    liste = vue.liste()
    page = render_to_string("components/liste.html", {"liste": liste, "request": vue.request})

    assert [ligne[0][1] for ligne in liste.lignes] == ["c", "a", "b"]
    assert "aria-sort" not in page
    assert "Plus de 2 résultats" in page


# --- La page et son total en une requête ------------------------------------------------------


class _VueComptes(ListeMixin):
    colonnes = (
        Colonne("nom", "Nom", tri=("username",)),
        Colonne("connexion", "Dernière connexion", tri=("last_login",)),
    )
    tri_defaut = "nom"
    par_page = 2

    def lignes(self):
        return Utilisateur.objects.filter(username__startswith="zliste")

    def cellules(self, objet):
        return {"nom": objet.username}


def _liste_comptes(rf, **parametres):
    vue = _VueComptes()
    vue.request = rf.get("/", parametres)
    return vue.liste()


def _noms(liste) -> list[str]:
    return [ligne[0][1] for ligne in liste.lignes]


@pytest.mark.django_db
def test_la_page_et_son_total_viennent_d_une_seule_requete(rf):
    for i in range(5):
        UtilisateurFactory(username=f"zliste{i}")
    with CaptureQueriesContext(connection) as requetes:
        liste = _liste_comptes(rf, page="2")
    assert len(requetes.captured_queries) == 1
    assert liste.paginator.count == 5
    assert liste.paginator.num_pages == 3
    assert liste.page_obj.number == 2
    assert _noms(liste) == ["zliste2", "zliste3"]
    assert liste.page_obj.has_previous() and liste.page_obj.has_next()


@pytest.mark.django_db
def test_une_liste_vide_se_lit_en_une_requete(rf):
    with CaptureQueriesContext(connection) as requetes:
        liste = _liste_comptes(rf)
    assert len(requetes.captured_queries) == 1
    assert liste.paginator.count == 0
    assert liste.lignes == []


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["9", "0", "-1", "x", "2.0", ""])
def test_une_page_hors_limites_ou_illisible_comme_django(rf, page):
    for i in range(5):
        UtilisateurFactory(username=f"zliste{i}")
    liste = _liste_comptes(rf, page=page)
    attendu = Paginator(
        Utilisateur.objects.filter(username__startswith="zliste").order_by("username"), 2
    ).get_page(page)
    assert liste.page_obj.number == attendu.number
    assert _noms(liste) == [u.username for u in attendu.object_list]
    assert liste.paginator.count == 5


@pytest.mark.django_db
def test_nulls_last_seulement_sur_un_champ_qui_peut_etre_vide(rf):
    """`NULLS LAST` sur une colonne NOT NULL empêche PostgreSQL de suivre l'ordre d'un index :
    la page du journal triait toutes ses entrées pour en montrer 25."""
    UtilisateurFactory(username="zliste0")
    with CaptureQueriesContext(connection) as par_nom:
        _liste_comptes(rf, tri="-nom")
    with CaptureQueriesContext(connection) as par_connexion:
        _liste_comptes(rf, tri="-connexion")
    assert "NULLS LAST" not in par_nom.captured_queries[0]["sql"]
    assert "NULLS LAST" in par_connexion.captured_queries[0]["sql"]


# L'en-tête tel que `components/liste.html` l'écrivait avec des boucles de gabarit : le HTML
# assemblé en Python (`Liste.entete_html`) doit rester le même, au caractère près.
_ENTETE_GABARIT = (
    '{% for entete in liste.entetes %}<th scope="col"{% if entete.aria_sort %} '
    'aria-sort="{{ entete.aria_sort }}"{% endif %}>{% if entete.colonne.masque %}'
    '<span class="sr-only">{{ entete.colonne.libelle }}</span>{% elif entete.url_tri %}'
    '<a href="{{ entete.url_tri }}">{{ entete.colonne.libelle }}<span class="sr-only">'
    '{% if entete.aria_sort == "ascending" %} (tri croissant, cliquer pour inverser)'
    "{% elif entete.aria_sort %} (tri décroissant, cliquer pour inverser){% else %} (trier)"
    "{% endif %}</span></a>{% else %}{{ entete.colonne.libelle }}{% endif %}</th>{% endfor %}"
)


def test_l_entete_assemble_en_python_est_celui_du_gabarit():

    from core.listes import Colonne

    entetes = [
        EnTete(
            Colonne("nom", "Nom <&> d'usage", tri=("nom",)),
            url_tri='?tri=-nom&q=a"b',
            aria_sort="ascending",
        ),
        EnTete(Colonne("date", "Date", tri=("date",)), url_tri="?tri=date", aria_sort="descending"),
        EnTete(Colonne("bureau", "Bureau", tri=("bureau",)), url_tri="?tri=bureau"),
        EnTete(Colonne("details", "Détails")),
        EnTete(Colonne("actions", "Actions", masque=True)),
    ]
    liste = Liste(
        legende="",
        entetes=entetes,
        lignes=[],
        corps="",
        page_obj=None,  # type: ignore[arg-type]
        paginator=None,  # type: ignore[arg-type]
    )
    attendu = Template(_ENTETE_GABARIT).render(Context({"liste": liste}))
    assert liste.entete_html == attendu
    assert "&amp;q=a&quot;b" in attendu
