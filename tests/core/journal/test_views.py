"""Page du journal : qui voit quoi, filtres, pagination à nombre de requêtes constant, export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.journal.services import ElementJournal, journal_entrees, journaliser, journaliser_lot
from core.models import EntreeJournal, StatutTravail, Travail, TypeRole
from core.travaux.services import enregistrer_types_travaux
from tests.factories import RoleFactory

A = TypeRole.ADMINISTRATEUR
E = TypeRole.AGENT_ELECTIONS
S = TypeRole.SECRETARIAT
L = TypeRole.LECTURE
URL = reverse("journal:liste")


@pytest.fixture(autouse=True)
def _types_travaux():
    enregistrer_types_travaux()


def _entree(monde, profil=None, *, action="compte_smtp_enregistre", collectivite=None, **kwargs):
    return journaliser(
        action=action,
        collectivite=collectivite or monde.collectivite,
        par=monde.personnes[profil] if profil else None,
        **kwargs,
    )


def _corps(reponse):
    return re.search(r"<tbody>(.*?)</tbody>", reponse.content.decode(), flags=re.S).group(1)


def _numeros(reponse):
    return {entree.numero for entree in reponse.context["entrees"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("profil", "attendu"),
    [("anonyme", 302), (A, 200), (E, 200), (S, 200), (L, 403), ("sans_role", 403), ("elu", 403)],
)
def test_acces_a_la_page_du_journal(monde, profil, attendu):
    reponse = monde.client(profil).get(URL)
    assert reponse.status_code == attendu
    if profil == "anonyme":
        assert reponse["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_l_administrateur_voit_toute_sa_collectivite_et_rien_d_autre(monde):
    de_agent = _entree(monde, E)
    de_admin = _entree(monde, A)
    ailleurs = _entree(monde, "autre_collectivite", collectivite=monde.autre)
    plateforme = journaliser(action="connexion", collectivite=None)

    reponse = monde.client(A).get(URL)

    numeros_vus = {entree.pk for entree in reponse.context["entrees"]}
    assert {de_agent.pk, de_admin.pk} <= numeros_vus
    assert ailleurs.pk not in numeros_vus
    assert plateforme.pk not in numeros_vus
    assert all(
        entree.collectivite_id == monde.collectivite.pk for entree in reponse.context["entrees"]
    )


@pytest.mark.django_db
def test_l_autre_collectivite_ne_voit_pas_nos_entrees(monde):
    notre = _entree(monde, A, objet=monde.collectivite)
    reponse = monde.client("autre_collectivite").get(URL)
    assert reponse.status_code == 200
    assert notre.pk not in {entree.pk for entree in reponse.context["entrees"]}
    assert "Saint-Test" not in reponse.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("profil", [E, S])
def test_un_agent_ne_voit_que_ses_propres_actions(monde, profil):
    sienne = _entree(monde, profil)
    _entree(monde, A)
    _entree(monde, E if profil == S else S)

    reponse = monde.client(profil).get(URL)

    assert [entree.pk for entree in reponse.context["entrees"]] == [sienne.pk]
    assert 'name="acteur"' not in reponse.content.decode()
    assert "vos actions" in reponse.content.decode()


@pytest.mark.django_db
def test_un_agent_ne_peut_pas_lire_les_actions_d_un_autre_par_l_url(monde):
    _entree(monde, A)
    administrateur = monde.personnes[A]
    reponse = monde.client(E).get(URL, {"acteur": administrateur.pk})
    assert reponse.context["entrees"] == []


@pytest.mark.django_db
def test_la_page_montre_libelles_dates_francaises_et_auteur(monde):
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 25, 18, 30)), tick=False):
        _entree(monde, A, objet=monde.collectivite, details={"port": [25, 587]})

    contenu = monde.client(A).get(URL).content.decode()

    assert "Compte d&#x27;envoi enregistré" in contenu
    assert "25/11/2026 à 18 h 30" in contenu
    assert str(monde.personnes[A]) in contenu
    assert "port SMTP : 25 → 587" in contenu
    assert contenu.count("<h1") == 1


@pytest.mark.django_db
def test_filtre_par_personne_pour_l_administrateur(monde):
    de_agent = _entree(monde, E)
    _entree(monde, A)
    reponse = monde.client(A).get(URL, {"acteur": monde.personnes[E].pk})
    assert [entree.pk for entree in reponse.context["entrees"]] == [de_agent.pk]


@pytest.mark.django_db
def test_filtre_par_personne_refuse_une_personne_d_une_autre_collectivite(monde):
    reponse = monde.client(A).get(URL, {"acteur": monde.personnes["autre_collectivite"].pk})
    assert reponse.status_code == 400
    assert "Choisissez une personne de la liste." in reponse.content.decode()


@pytest.mark.django_db
def test_filtre_par_action_et_par_texte(monde):
    role = RoleFactory(collectivite=monde.collectivite, utilisateur__last_name="Dupré")
    voulu = _entree(monde, A, action="lien_cree", objet=role, sujet=role.utilisateur)
    _entree(monde, A, action="lien_cree", objet=monde.collectivite)

    par_action = monde.client(A).get(URL, {"action": "lien_cree", "texte": "dupré"})

    assert [entree.pk for entree in par_action.context["entrees"]] == [voulu.pk]


@pytest.mark.django_db
def test_filtre_par_objet_retient_aussi_le_sujet(monde):
    role = RoleFactory(collectivite=monde.collectivite)
    comme_objet = _entree(monde, A, objet=role.utilisateur)
    comme_sujet = _entree(monde, A, objet=monde.collectivite, sujet=role.utilisateur)
    _entree(monde, A, objet=monde.collectivite)

    reponse = monde.client(A).get(
        URL,
        {
            "objet_type": "core.utilisateur",
            "objet_id": role.utilisateur.pk,
            "action": "compte_smtp_enregistre",
        },
    )

    assert {entree.pk for entree in reponse.context["entrees"]} == {
        comme_objet.pk,
        comme_sujet.pk,
    }
    assert "Entrées limitées à un objet précis" in reponse.content.decode()


@pytest.mark.django_db
def test_filtre_par_periode_inclusive(monde):
    for jour in (24, 25, 26):
        moment = timezone.make_aware(datetime(2026, 11, jour, 23, 59))
        with time_machine.travel(moment, tick=False):
            _entree(monde, A, details={"jour": jour})

    reponse = monde.client(A).get(URL, {"du": "25/11/2026", "au": "26/11/2026"})

    jours = [entree.details.get("jour") for entree in reponse.context["entrees"]]
    assert sorted(j for j in jours if j) == [25, 26]


@pytest.mark.django_db
@pytest.mark.parametrize("valeur", ["2026/11/25", "31/02/2026", "demain", "25/11"])
def test_une_date_mal_formee_donne_une_erreur_en_francais(monde, valeur):
    reponse = monde.client(A).get(URL, {"du": valeur})
    assert reponse.status_code == 400
    contenu = reponse.content.decode()
    assert "Saisissez une date au format jj/mm/aaaa, par exemple 25/11/2026." in contenu
    assert 'class="erreurs-resume"' in contenu


@pytest.mark.django_db
@pytest.mark.parametrize(
    "filtres",
    [
        {"au": "31/12/9999"},
        {"du": "01/01/0001"},
        {"du": "01/01/0001", "au": "31/12/9999"},
        {"au": "9999-12-31"},
    ],
)
def test_une_annee_hors_limites_est_refusee_sans_erreur_serveur(monde, filtres):
    _entree(monde, A)
    reponse = monde.client(A).get(URL, filtres)
    assert reponse.status_code == 400
    contenu = reponse.content.decode()
    assert "Année hors limites : saisissez une année comprise entre 1900 et 2100." in contenu
    assert 'class="erreurs-resume"' in contenu
    for champ in filtres:
        assert f'id="id_{champ}_erreur"' in contenu
    # Le filtre refusé est ignoré : les entrées restent affichées.
    assert reponse.context["entrees"]


@pytest.mark.django_db
def test_l_export_refuse_une_annee_hors_limites(monde):
    reponse = monde.client(A).post(reverse("journal:exporter"), {"au": "31/12/9999"})
    assert reponse.status_code == 400
    assert "Année hors limites" in reponse.content.decode()
    assert not Travail.objects.exists()


@pytest.mark.django_db
def test_les_formats_de_l_analyseur_commun_sont_acceptes(monde):
    moment = timezone.make_aware(datetime(2026, 11, 25, 12, 0))
    with time_machine.travel(moment, tick=False):
        voulue = _entree(monde, A)
    for du, au in (("25.11.2026", "2026-11-25"), ("25-11-2026", "25/11/2026")):
        reponse = monde.client(A).get(URL, {"du": du, "au": au})
        assert reponse.status_code == 200
        assert voulue.numero in _numeros(reponse)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("du", "au"),
    [
        (date.min, date.max),
        (date(1, 1, 2), date.max - timedelta(days=1)),
        (None, date.max),
        (date.min, None),
    ],
)
def test_journal_entrees_ne_deborde_pas_aux_extremes(monde, du, au):
    voulue = _entree(monde, A)
    entrees = journal_entrees(collectivite=monde.collectivite, du=du, au=au)
    assert voulue.pk in set(entrees.values_list("pk", flat=True))


@pytest.mark.django_db
def test_une_periode_a_l_envers_est_refusee(monde):
    reponse = monde.client(A).get(URL, {"du": "26/11/2026", "au": "25/11/2026"})
    assert reponse.status_code == 400
    assert "postérieure ou égale à la date de début" in reponse.content.decode()


@pytest.mark.django_db
def test_pagination_par_25_avec_le_total(monde):
    deja = EntreeJournal.objects.filter(collectivite=monde.collectivite).count()
    for _ in range(30 - deja):
        _entree(monde, A)
    client = monde.client(A)

    premiere = client.get(URL)
    seconde = client.get(URL, {"page": 2})

    assert len(premiere.context["entrees"]) == 25
    assert len(seconde.context["entrees"]) == 5
    assert "30 résultats — page 1 sur 2" in premiere.content.decode()
    assert not _numeros(premiere) & _numeros(seconde)


@pytest.mark.django_db
@pytest.mark.parametrize("profil", [A, E])
def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_d_entrees(monde, profil):
    client = monde.client(profil)
    client.get(URL)  # session et rôles déjà en cache de connexion

    def requetes() -> int:
        with CaptureQueriesContext(connection) as capture:
            assert client.get(URL, {"du": "01/01/2020"}).status_code == 200
        return len(capture)

    for _ in range(5):
        _entree(monde, profil, objet=monde.collectivite)
    avec_5 = requetes()
    for _ in range(45):
        _entree(monde, profil, objet=monde.collectivite)
    avec_50 = requetes()

    assert avec_5 == avec_50
    assert avec_50 <= 12


@pytest.mark.django_db
@pytest.mark.parametrize(("profil", "premiere"), [(A, 3), (E, 2)])
def test_la_page_du_journal_en_deux_requetes_tant_que_la_tete_ne_bouge_pas(monde, profil, premiere):
    """Session et compte en cache (`ComptesBackend`) ; la tête de la chaîne ; au premier
    affichage pour cette tête, la page et son total en une requête (`ListeMixin`) et les
    personnes du filtre (administrateur seulement) ; ensuite, la page gardée pour cette
    tête."""
    for _ in range(30):
        _entree(monde, profil, objet=monde.collectivite)
    client = monde.client(profil)
    client.get(reverse("pages:accueil"))
    with CaptureQueriesContext(connection) as capture:
        reponse = client.get(URL)
    assert reponse.status_code == 200
    assert len(capture.captured_queries) == premiere
    with CaptureQueriesContext(connection) as capture:
        reponse = client.get(URL)
    assert reponse.status_code == 200
    assert "résultats — page 1 sur 2" in reponse.content.decode()
    assert len(capture.captured_queries) == 1
    assert "core_chainejournal" in capture.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_une_page_gardee_montre_l_entree_ecrite_depuis(monde):
    _entree(monde, A, objet=monde.collectivite)
    client = monde.client(A)
    avant = _corps(client.get(URL))
    assert _corps(client.get(URL)) == avant
    nouvelle = journaliser(
        action="agent_ajoute",
        collectivite=monde.collectivite,
        par=monde.personnes[A],
        objet=monde.personnes[E],
    )
    apres = client.get(URL)
    assert nouvelle.pk in {entree.pk for entree in apres.context["entrees"]}
    assert f">{nouvelle.numero}<" in _corps(apres)
    assert _corps(apres) != avant


@pytest.mark.django_db
def test_une_page_gardee_pour_l_administrateur_n_est_pas_servie_a_un_agent(monde):
    """La page d'un administrateur (toute la collectivité) et celle d'un agent (ses seules
    actions) ont des clés différentes, même adresse et même tête."""
    _entree(monde, A)
    sienne = _entree(monde, E)
    assert len(monde.client(A).get(URL).context["entrees"]) >= 2
    reponse = monde.client(E).get(URL)
    assert [entree.pk for entree in reponse.context["entrees"]] == [sienne.pk]
    assert 'name="acteur"' not in reponse.content.decode()


@pytest.mark.django_db
def test_des_filtres_refuses_le_restent_sur_la_page_gardee(monde):
    _entree(monde, A)
    client = monde.client(A)
    for _ in range(2):
        reponse = client.get(URL, {"du": "31/02/2026"})
        assert reponse.status_code == 400
        assert "Cette date n&#x27;existe pas" in reponse.content.decode()


# --- Export ---------------------------------------------------------------------------------


def _lire_csv(travail):
    with travail.fichier.open("rb") as fichier:
        contenu = fichier.read()
    assert contenu.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.django_db
def test_l_export_cree_un_travail_avec_les_filtres_et_produit_le_csv(
    monde, django_capture_on_commit_callbacks
):
    voulue = _entree(monde, E, objet=monde.personnes[E])
    _entree(monde, A)
    client = monde.client(A, csrf=True)
    page = client.get(URL, {"acteur": monde.personnes[E].pk, "du": "01/01/2020"})
    assert "Exporter (CSV)" in page.content.decode()
    jeton = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else None
    jeton = jeton or client.cookies["csrftoken"].value

    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(
            reverse("journal:exporter"),
            {"acteur": monde.personnes[E].pk, "du": "01/01/2020", "csrfmiddlewaretoken": jeton},
        )

    travail = Travail.objects.get(type="journal_export")
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("travaux:detail", args=[travail.pk])
    assert travail.parametres["acteur"] == monde.personnes[E].pk
    assert travail.parametres["du"] == "2020-01-01"
    assert travail.demandeur == monde.personnes[A]
    travail.refresh_from_db()
    assert travail.statut == StatutTravail.TERMINE
    lignes = _lire_csv(travail)
    assert lignes[0][:4] == ["N°", "Date", "Auteur", "Action"]
    assert [ligne[0] for ligne in lignes[1:]] == [str(voulue.numero)]
    assert lignes[1][3] == "Compte d'envoi enregistré"
    journal = EntreeJournal.objects.filter(action="journal_exporte").get()
    assert journal.acteur == monde.personnes[A]
    assert journal.details["entrees"] == 1


@pytest.mark.django_db
def test_l_export_neutralise_les_formules(monde, django_capture_on_commit_callbacks):
    role = RoleFactory(collectivite=monde.collectivite, utilisateur__last_name="=HYPERLINK(1)")
    journaliser(
        action="compte_smtp_enregistre",
        collectivite=monde.collectivite,
        par=role.utilisateur,
        objet=monde.collectivite,
    )
    with django_capture_on_commit_callbacks(execute=True):
        monde.client(A).post(
            reverse("journal:exporter"),
            {"acteur": role.utilisateur.pk, "action": "compte_smtp_enregistre"},
        )
    lignes = _lire_csv(Travail.objects.get())
    assert lignes[1][2].startswith("'=")


@pytest.mark.django_db
@pytest.mark.parametrize("profil", [E, S, L])
def test_seul_l_administrateur_exporte(monde, profil):
    reponse = monde.client(profil).post(reverse("journal:exporter"), {})
    assert reponse.status_code == 403
    assert not Travail.objects.exists()
    assert "Exporter (CSV)" not in monde.client(profil).get(URL).content.decode()


@pytest.mark.django_db
def test_l_export_demande_le_jeton_csrf(monde):
    reponse = monde.client(A, csrf=True).post(reverse("journal:exporter"), {})
    assert reponse.status_code == 403
    assert not Travail.objects.exists()


@pytest.mark.django_db
def test_l_export_avec_des_filtres_invalides_ne_cree_rien(monde):
    reponse = monde.client(A).post(reverse("journal:exporter"), {"au": "hier"})
    assert reponse.status_code == 400
    assert "Corrigez les filtres" in reponse.content.decode()
    assert not Travail.objects.exists()


@pytest.mark.django_db
def test_l_export_en_get_n_est_pas_permis(monde):
    assert monde.client(A).get(reverse("journal:exporter")).status_code == 405


def test_details_lisibles_en_francais():
    from core.journal.lecture import details_en_francais

    texte = details_en_francais(
        {"role": [None, "agent_elections"], "actif": [True, False], "code": 1250}
    )
    assert texte == "rôle : — → agent élections ; accès actif : oui → non ; code : 1\u202f250"


def test_details_dates_et_cles_en_francais():
    from core.journal.lecture import details_en_francais

    texte = details_en_francais(
        {
            "expire_le": "2026-11-25T13:03:00.123456+00:00",
            "verification_identite": True,
            "valide_du": "2026-12-01",
            "champs_modifies": ["hote", "port"],
        }
    )
    assert "expire le : 25/11/2026 à 14 h 03" in texte
    assert "vérification d'identité : oui" in texte
    assert "en vigueur du : 01/12/2026" in texte
    assert "→" not in texte
    assert "T13:03" not in texte and "_" not in texte


@pytest.mark.django_db
def test_objet_et_sujet_decrits_en_francais_dans_la_page_et_l_export(
    monde, django_capture_on_commit_callbacks
):
    from core.liens.services import OBJECTIF_ACTIVATION, lien_creer

    claire = RoleFactory(
        collectivite=monde.collectivite,
        utilisateur__first_name="Claire",
        utilisateur__last_name="Martin",
    ).utilisateur
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 25, 14, 3)), tick=False):
        lien_creer(
            collectivite=monde.collectivite,
            objectif=OBJECTIF_ACTIVATION,
            cible=claire,
            duree=timedelta(days=7),
            par=monde.personnes[A],
        )
    contenu = monde.client(A).get(URL, {"action": "lien_cree"}).content.decode()
    assert "le lien d&#x27;activation pour le compte de Claire Martin" in contenu
    assert "le compte de Claire Martin" in contenu
    assert "core.utilisateur" not in contenu
    assert "verification identite" not in contenu
    assert "25/11/2026 à 14 h 03" in contenu

    with django_capture_on_commit_callbacks(execute=True):
        monde.client(A).post(reverse("journal:exporter"), {"action": "lien_cree"})
    (ligne,) = _lire_csv(Travail.objects.get())[1:]
    assert ligne[1] == "25/11/2026 à 14 h 03"
    assert ligne[4] == "le lien d'activation pour le compte de Claire Martin"
    assert ligne[5] == "le compte de Claire Martin"
    assert "{" not in ligne[6] and "vérification d'identité : non" in ligne[6]
    assert "core." not in ";".join(ligne)


# --- Libellés des actions -------------------------------------------------------------------


def _actions_journalisees() -> list[tuple[str, int, object]]:
    """Chaque argument `action=` d'un appel à `journaliser` ou `ElementJournal` dans le code.

    Une fonction qui ne fait que transmettre son paramètre (`def _journal(m, action): …
    ElementJournal(action=action)`) est un relais : ce sont alors les appels du relais, dans
    le même fichier, qui donnent les codes."""
    import ast
    from pathlib import Path

    racine = Path(__file__).resolve().parents[3]
    trouvees = []
    for fichier in racine.rglob("*.py"):
        relatif = fichier.relative_to(racine)
        if relatif.parts[0] in {".venv", "tests", "bench", "node_modules"}:
            continue
        arbre = ast.parse(fichier.read_text(encoding="utf-8"))
        relais: dict[str, int] = {}  # nom du relais -> position de son paramètre `action`
        fonctions = [
            f for f in ast.walk(arbre) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        # Point fixe : un relais peut en appeler un autre (`_tracer(…, action)` → `_journal`).
        nouveau = True
        while nouveau:
            nouveau = False
            for fonction in fonctions:
                if fonction.name in relais:
                    continue
                parametres = [a.arg for a in fonction.args.args + fonction.args.kwonlyargs]
                for noeud in ast.walk(fonction):
                    if not isinstance(noeud, ast.Call):
                        continue
                    appele = getattr(noeud.func, "id", getattr(noeud.func, "attr", ""))
                    if appele not in relais and appele not in {"journaliser", "ElementJournal"}:
                        continue
                    for valeur in _arguments_action(noeud, relais.get(appele)):
                        if isinstance(valeur, ast.Name) and valeur.id in parametres:
                            relais[fonction.name] = parametres.index(valeur.id)
                            nouveau = True
        for noeud in ast.walk(arbre):
            if not isinstance(noeud, ast.Call):
                continue
            nom = getattr(noeud.func, "id", getattr(noeud.func, "attr", ""))
            if nom in relais:
                for valeur in _arguments_action(noeud, relais[nom]):
                    if isinstance(valeur, ast.Name) and _dans_un_relais(arbre, noeud, relais):
                        continue  # relais d'un relais : ses propres appels sont vérifiés
                    trouvees.append((str(relatif), noeud.lineno, valeur))
                continue
            if nom not in {"journaliser", "ElementJournal"}:
                continue
            for argument in noeud.keywords:
                if argument.arg != "action":
                    continue
                if isinstance(argument.value, ast.Name) and _dans_un_relais(arbre, noeud, relais):
                    continue  # dans un relais : ses appels sont vérifiés ci-dessus
                trouvees.append((str(relatif), noeud.lineno, argument.value))
    return trouvees


def _arguments_action(appel: object, position: int | None) -> list[object]:
    """L'argument `action` d'un appel : nommé, ou à la position du relais."""
    valeurs = [a.value for a in appel.keywords if a.arg == "action"]  # type: ignore[attr-defined]
    if not valeurs and position is not None and len(appel.args) > position:  # type: ignore[attr-defined]
        valeurs = [appel.args[position]]  # type: ignore[attr-defined]
    return valeurs


def _dans_un_relais(arbre: object, appel: object, relais: dict[str, int]) -> bool:
    import ast

    for fonction in ast.walk(arbre):  # type: ignore[arg-type]
        if (
            isinstance(fonction, ast.FunctionDef | ast.AsyncFunctionDef)
            and fonction.name in relais
            and any(noeud is appel for noeud in ast.walk(fonction))
        ):
            return True
    return False


def _valeurs(expression: object) -> list[str]:
    import ast

    from core.registry import registre

    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return [expression.value]
    if isinstance(expression, ast.IfExp):
        return _valeurs(expression.body) + _valeurs(expression.orelse)
    if isinstance(expression, ast.Attribute) and isinstance(expression.value, ast.Name):
        # ActionCore.CONNEXION : un membre d'une énumération enregistrée au registre.
        enumeration = registre.enumerations_actions.get(expression.value.id)
        membre = getattr(enumeration, expression.attr, None) if enumeration else None
        if membre is None:
            return [f"<{expression.value.id}.{expression.attr} : énumération non enregistrée>"]
        return [str(membre.value)]
    return [f"<expression non lisible : {ast.dump(expression)[:60]}>"]  # type: ignore[arg-type]


def test_chaque_action_journalisee_a_un_libelle_francais():
    from core.registry import registre

    trouvees = _actions_journalisees()
    assert len(trouvees) >= 15  # le parcours voit bien les appels du socle
    sans_libelle = [
        (fichier, ligne, code)
        for fichier, ligne, expression in trouvees
        for code in _valeurs(expression)
        if code not in registre.libelles_chronologie
    ]
    assert sans_libelle == []
    assert registre.libelle_action("journal_scelle") == "Journal scellé par une clé"


# --- Chronologie ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_chronologie_d_un_compte_en_une_requete_indexee(monde, django_assert_num_queries):
    from core.journal.services import journal_chronologie

    role = RoleFactory(collectivite=monde.collectivite)
    personne = role.utilisateur
    comme_sujet = _entree(monde, A, objet=role, sujet=personne)
    comme_objet = _entree(monde, E, action="agent_ajoute", objet=personne)
    _entree(monde, A, objet=monde.collectivite)
    _entree(monde, "autre_collectivite", collectivite=monde.autre, sujet=personne)

    with django_assert_num_queries(1):
        entrees = list(journal_chronologie(sujet=personne, collectivite=monde.collectivite))
        acteurs = [e.acteur for e in entrees]

    assert entrees[:2] == [comme_objet, comme_sujet]
    assert all(e.collectivite_id == monde.collectivite.pk for e in entrees)
    assert acteurs[0] == monde.personnes[E]
    # Un journal de collectivité bien rempli : la requête passe par les index du sujet et de
    # l'objet, jamais par un parcours de tout le journal de la collectivité.
    journaliser_lot(
        collectivite=monde.collectivite,
        elements=[ElementJournal(action="connexion", objet=monde.collectivite)] * 3000,
    )
    with connection.cursor() as curseur:
        curseur.execute(f"ANALYZE {EntreeJournal._meta.db_table}")
    plan = journal_chronologie(sujet=personne, collectivite=monde.collectivite).explain()
    assert "journal_sujet" in plan and "journal_objet" in plan


@pytest.mark.django_db
def test_chronologie_d_une_collectivite_et_composant(monde):
    from django.template.loader import render_to_string

    from core.journal.services import journal_chronologie

    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 25, 14, 3)), tick=False):
        _entree(
            monde,
            A,
            action="collectivite_modifiee",
            objet=monde.collectivite,
            details={"telephone": ["", "01 02 03 04 05"]},
        )

    html = render_to_string(
        "components/chronologie.html",
        {"entrees": journal_chronologie(sujet=monde.collectivite)[:50], "titre": "Historique"},
    )
    assert "Fiche de la collectivité modifiée" in html
    assert "25/11/2026 à 14 h 03" in html
    assert f"la collectivité {monde.collectivite.nom}" in html
    assert "téléphone : — → 01 02 03 04 05" in html
    assert f"Par {monde.personnes[A]}" in html
    vide = render_to_string("components/chronologie.html", {"entrees": []})
    assert "Aucune action enregistrée pour l'instant." in vide


def test_chronologie_d_une_personne_exige_la_collectivite():
    from core.journal.services import journal_chronologie
    from core.models import Utilisateur

    with pytest.raises(ValueError, match="précisez la collectivité"):
        journal_chronologie(sujet=Utilisateur(pk=1))


@pytest.mark.django_db
def test_une_ligne_au_dela_de_la_tete_n_apparait_ni_dans_la_page_ni_dans_la_chronologie(monde):
    from core.journal.services import journal_chronologie
    from core.models import ChaineJournal

    vraie = _entree(monde, A, objet=monde.collectivite)
    chaine = ChaineJournal.objects.get(collectivite=monde.collectivite)
    EntreeJournal.objects.bulk_create(
        [
            EntreeJournal(
                chaine=chaine,
                collectivite=monde.collectivite,
                numero=chaine.dernier_numero + 1,
                action="compte_smtp_enregistre",
                objet_type="core.collectivite",
                objet_id=str(monde.collectivite.pk),
                objet_libelle="Entrée glissée",
                hash_precedent=vraie.hash,
                hash="0" * 64,
            )
        ]
    )

    reponse = monde.client(A).get(URL)

    assert vraie.numero in _numeros(reponse)
    assert "Entrée glissée" not in reponse.content.decode()
    chronologie = journal_chronologie(sujet=monde.collectivite)
    assert [e.objet_libelle for e in chronologie if e.objet_libelle == "Entrée glissée"] == []
    assert vraie in chronologie


@pytest.mark.django_db
def test_choix_personne_une_fois_chacun_retires_compris_sans_autre_collectivite(monde):
    """Les personnes du filtre : chaque compte qui a (ou a eu) un rôle dans la collectivité,
    une seule fois, par nom ; jamais celles d'une autre collectivité."""
    retire = RoleFactory(
        collectivite=monde.collectivite,
        role=E,
        actif=False,
        utilisateur__username="u-retire",
        utilisateur__last_name="Aubert",
    ).utilisateur
    # Un rôle ailleurs en plus : la personne n'apparaît toujours qu'une fois.
    RoleFactory(collectivite=monde.autre, role=E, utilisateur=retire)
    reponse = monde.client(A).get(URL)
    liste_html = re.search(
        r'<select[^>]* name="acteur"[^>]*>(.*?)</select>', reponse.content.decode()
    )
    assert liste_html is not None
    choix = re.findall(r'<option value="(\d+)"', liste_html.group(1))
    attendus = sorted(
        {r.utilisateur for r in monde.collectivite.roles.all()} | {retire},
        key=lambda u: (u.last_name, u.first_name, u.username),
    )
    assert [int(str(v)) for v in choix] == [u.pk for u in attendus]
    assert monde.personnes["autre_collectivite"].pk not in [int(str(v)) for v in choix]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [URL, reverse("pages:accueil")])
def test_pages_en_lecture_sans_transaction_ni_curseur_serveur(monde, url):
    """Le journal et l'Accueil ne font qu'afficher : ni transaction de requête (SAVEPOINT sous
    pytest, BEGIN/COMMIT en service), ni curseur côté serveur (DECLARE) pour les choix du
    filtre : ce sont des allers-retours vers la base à chaque affichage (bench/README.md)."""
    client = monde.client(A)
    with CaptureQueriesContext(connection) as capture:
        assert client.get(url).status_code == 200
    sql = " ".join(requete["sql"] for requete in capture.captured_queries).upper()
    assert "SAVEPOINT" not in sql
    assert "DECLARE" not in sql


@pytest.mark.django_db
def test_le_cache_du_journal_ne_garde_aucun_compte(monde):
    """La personne du filtre est gardée par sa clé : ni compte ni mot de passe haché en cache."""
    _entree(monde, E)
    client = monde.client(A)
    reponse = client.get(URL, {"acteur": monde.personnes[E].pk})
    assert reponse.status_code == 200
    cles = [cle for cle in cache._cache if ":journal:" in cle]  # type: ignore[attr-defined]
    assert cles
    for cle in cles:
        contenu = cache._cache[cle]  # type: ignore[attr-defined]
        assert b"pbkdf2" not in contenu and b"md5$" not in contenu
        assert b"core.comptes" not in contenu and b"Utilisateur" not in contenu
    again = client.get(URL, {"acteur": monde.personnes[E].pk})
    assert [e.pk for e in again.context["entrees"]] == [e.pk for e in reponse.context["entrees"]]
