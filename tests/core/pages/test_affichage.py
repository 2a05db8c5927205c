"""Formats français de l'interface et en-têtes de sécurité de chaque page."""

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.templatetags.echarpe import date_fr, echeance, nombre


def test_nombre_avec_espaces_fines():
    assert nombre(1000000) == "1\u202f000\u202f000"
    assert nombre(999) == "999"
    assert nombre(None) == ""
    assert nombre("abc") == "abc"


def test_date_et_heure_a_la_francaise():
    assert date_fr(date(2026, 11, 25)) == "25/11/2026"
    # 17 h 30 UTC = 18 h 30 à Paris en hiver.
    assert date_fr(datetime(2026, 11, 25, 17, 30, tzinfo=ZoneInfo("UTC"))) == "25/11/2026 à 18 h 30"
    assert date_fr(None) == ""


@time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False)
def test_echeance_en_mots():
    assert echeance(date(2026, 11, 25)) == "aujourd'hui"
    assert echeance(date(2026, 11, 26)) == "dans 1 jour"
    assert echeance(date(2026, 11, 27)) == "dans 2 jours"
    assert echeance(date(2026, 11, 22)) == "en retard de 3 jours"
    assert echeance(date(2026, 11, 24)) == "en retard de 1 jour"


@pytest.mark.django_db
def test_en_tetes_de_securite(monde):
    reponse = monde.client("administrateur").get(reverse("pages:accueil"))
    assert reponse["X-Frame-Options"] == "DENY"
    assert reponse["Referrer-Policy"] == "same-origin"
    assert reponse["X-Content-Type-Options"] == "nosniff"
    csp = reponse["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_pluriel_accorde_et_separe_les_milliers():
    from core.templatetags.echarpe import pluriel

    assert pluriel(0, "entrée exportée", "entrées exportées") == "0\u00a0entrée exportée"
    assert pluriel(1, "entrée exportée", "entrées exportées") == "1\u00a0entrée exportée"
    assert pluriel(2, "entrée exportée", "entrées exportées") == "2\u00a0entrées exportées"
    assert pluriel(300005, "entrée") == "300\u202f005\u00a0entrées"
    assert pluriel(1000, "travail", "travaux") == "1\u202f000\u00a0travaux"


# --- Pages d'erreur en français (DEBUG=False, comme la démo) --------------------------------


@pytest.fixture
def sans_debug(settings):
    settings.DEBUG = False
    return settings


@pytest.mark.django_db
def test_get_sur_une_adresse_d_action_donne_une_page_405_en_francais(monde, sans_debug):
    reponse = monde.client("administrateur").get(reverse("logout"))

    assert reponse.status_code == 405
    assert "POST" in reponse["Allow"]
    page = reponse.content.decode()
    assert "<h1>Action impossible depuis cette adresse</h1>" in page
    assert 'lang="fr"' in page
    assert "Method Not Allowed" not in page
    # La page garde l'en-tête du site : on peut en repartir.
    assert reverse("pages:accueil") in page


@pytest.mark.django_db
def test_page_405_aussi_pour_une_personne_non_connectee(monde, sans_debug):
    reponse = monde.client("anonyme").get(reverse("pages:collectivite_choisir"))

    # login_required passe avant require_POST : l'anonyme va d'abord à la connexion.
    assert reponse.status_code == 302
    reponse = monde.client("anonyme").get(reverse("logout"))
    assert reponse.status_code == 405
    assert "Se connecter" in reponse.content.decode()


@pytest.mark.django_db
def test_echec_csrf_page_en_francais_qui_dit_quoi_faire(monde, sans_debug):
    client = monde.client("anonyme", csrf=True)

    reponse = client.post(reverse("login"), {"username": "x", "password": "y"})

    assert reponse.status_code == 403
    page = reponse.content.decode()
    assert "<h1>Formulaire expiré</h1>" in page
    assert "Rechargez la page" in page
    assert "reconnectez-vous" in page
    assert "CSRF" not in page and "Forbidden" not in page


@pytest.mark.django_db
def test_echec_csrf_d_une_personne_connectee(monde, sans_debug):
    client = monde.client("administrateur", csrf=True)

    reponse = client.post(reverse("pages:collectivite_choisir"), {"collectivite": "1"})

    assert reponse.status_code == 403
    assert "Formulaire expiré" in reponse.content.decode()


@pytest.mark.django_db
def test_page_404_en_francais_avec_une_sortie(monde, sans_debug):
    reponse = monde.client("administrateur").get("/nulle-part/")

    assert reponse.status_code == 404
    page = reponse.content.decode()
    assert "<h1>Page introuvable</h1>" in page
    assert 'href="/"' in page


# --- Bandeau de démonstration ----------------------------------------------------------------


@pytest.fixture
def demo(settings, tmp_path):
    settings.ECHARPE_DEMO_AUTORISEE = True
    settings.ECHARPE_BOITE_DEMO = str(tmp_path / "outbox")
    return settings


def _bandeau(contenu: str) -> bool:
    return 'class="bandeau-demo"' in contenu


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("profil", "adresse"),
    [
        ("anonyme", "/compte/connexion/"),
        ("anonyme", "/compte/mot-de-passe/oubli/"),
        ("anonyme", "/l/" + "x" * 43 + "/"),
        ("anonyme", "/nulle-part/"),
        ("administrateur", "/"),
        ("administrateur", "/journal/"),
        ("lecture", "/parametres/"),
    ],
)
def test_bandeau_de_demo_sur_chaque_page(monde, demo, profil, adresse):
    reponse = monde.client(profil).get(adresse)

    contenu = reponse.content.decode()
    assert _bandeau(contenu), f"{adresse} ({reponse.status_code}) sans bandeau"
    assert "Démonstration" in contenu
    assert f'href="{reverse("mail:outbox")}"' in contenu


@pytest.mark.django_db
def test_bandeau_de_demo_sur_la_page_500(demo, rf):
    from core.pages.erreurs import erreur_500

    reponse = erreur_500(rf.get("/"))

    assert reponse.status_code == 500
    assert _bandeau(reponse.content.decode())


@pytest.mark.django_db
def test_pas_de_bandeau_hors_demo(monde, settings):
    settings.ECHARPE_DEMO_AUTORISEE = False

    for profil, adresse in [("anonyme", "/compte/connexion/"), ("administrateur", "/")]:
        assert not _bandeau(monde.client(profil).get(adresse).content.decode())


@pytest.mark.django_db
def test_bandeau_sans_lien_quand_la_boite_n_existe_pas(monde, settings):
    settings.ECHARPE_DEMO_AUTORISEE = True
    settings.ECHARPE_BOITE_DEMO = None

    contenu = monde.client("anonyme").get("/compte/connexion/").content.decode()

    assert _bandeau(contenu)
    assert f'href="{reverse("mail:outbox")}"' not in contenu


# --- Démonstration : les liens des courriels suivent le port servi ---------------------------

RACINE = Path(__file__).resolve().parents[3]


def _url_base_demo(env: dict[str, str]) -> str:
    resultat = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            " print(settings.ECHARPE_URL_BASE)",
        ],
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings.demo", **env},
        cwd=RACINE,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resultat.returncode == 0, resultat.stderr
    return resultat.stdout.strip()


def test_la_demo_envoie_des_liens_vers_le_port_qu_elle_sert():
    assert _url_base_demo({"PORT": "18801"}) == "http://127.0.0.1:18801"
    assert _url_base_demo({}) == "http://127.0.0.1:8000"
    # Une adresse donnée explicitement l'emporte.
    assert (
        _url_base_demo({"PORT": "18801", "ECHARPE_URL_BASE": "https://demo.exemple.fr"})
        == "https://demo.exemple.fr"
    )


def test_make_demo_transmet_le_port_a_django():
    resultat = subprocess.run(
        ["make", "-n", "demo", "PORT=18801"],
        cwd=RACINE,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resultat.returncode == 0, resultat.stderr
    [serveur] = [ligne for ligne in resultat.stdout.splitlines() if "runserver" in ligne]
    assert "PORT=18801" in serveur
    assert "127.0.0.1:18801" in serveur
    [chargement] = [ligne for ligne in resultat.stdout.splitlines() if "charger_demo" in ligne]
    assert "PORT=18801" in chargement


# --- Boîte d'envoi de la démo : heures de Paris, liens cliquables -----------------------------


@pytest.fixture
def boite(demo):
    demo.EMAIL_BACKEND = "core.mail.backends.BoiteDemoBackend"
    return demo


@pytest.fixture
def staff(monde):
    personne = monde.personnes["administrateur"]
    personne.is_staff = True
    personne.save(update_fields=["is_staff"])
    return personne


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 11, 25, 17, 30, tzinfo=ZoneInfo("UTC")), tick=False)
def test_boite_d_envoi_heures_de_paris_au_format_francais(monde, boite, staff):
    from django.core.mail import send_mail

    from core.mail.outbox import boite_demo_noms

    # Django date ses courriels en UTC (« -0000 ») : l'heure lue n'a pas de fuseau.
    send_mail("Réinitialisation", "Texte", "ne-pas-repondre@x.test", [staff.email])
    [nom] = boite_demo_noms()
    client = monde.client("administrateur")

    liste = client.get(reverse("mail:outbox")).content.decode()
    detail = client.get(reverse("mail:outbox_message", kwargs={"nom": nom})).content.decode()

    assert "25/11/2026 à 18 h 30" in liste
    assert "17 h 30" not in liste
    assert "25/11/2026 à 18 h 30" in detail
    assert "Wed, 25 Nov 2026" not in detail and "-0000" not in detail


@pytest.mark.django_db
def test_boite_d_envoi_liens_cliquables_et_texte_echappe(monde, boite, staff):
    from django.core.mail import send_mail

    from core.mail.outbox import boite_demo_noms

    texte = (
        "Bonjour,\nActivez votre compte : http://127.0.0.1:18801/l/AbC-123_xyz/\n"
        '<script>alert("x")</script>\n<a href="http://piege.test">ici</a>'
    )
    send_mail("Activation", texte, "ne-pas-repondre@x.test", [staff.email])
    [nom] = boite_demo_noms()

    page = (
        monde.client("administrateur")
        .get(reverse("mail:outbox_message", kwargs={"nom": nom}))
        .content.decode()
    )

    assert '<a href="http://127.0.0.1:18801/l/AbC-123_xyz/"' in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert '<a href="http://piege.test">' not in page


@pytest.mark.django_db
def test_bandeau_de_demo_dans_l_administration(monde, demo):
    personne = monde.personnes["administrateur"]
    personne.is_staff = True
    personne.save(update_fields=["is_staff"])

    contenu = monde.client("administrateur").get(reverse("admin:index")).content.decode()

    assert _bandeau(contenu)
    assert f'href="{reverse("mail:outbox")}"' in contenu
    assert "Voir le site" in contenu
