"""Forme de déploiement : .env.example lisible partout, fichiers statiques de production."""

import os
import re
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

RACINE = Path(__file__).resolve().parents[2]
EXEMPLE = RACINE / ".env.example"
# Lues seulement par les tests ou le développement : absentes de .env.example à dessein.
HORS_EXEMPLE = {"ECHARPE_TEST_CELERY_EAGER", "ECHARPE_CELERY_PREFIXE", "CELERY_TASK_ALWAYS_EAGER"}


def _affectations() -> dict[str, str]:
    """NOM → valeur attendue, guillemets doubles retirés (lecture de docker compose)."""
    valeurs = {}
    for ligne in EXEMPLE.read_text().splitlines():
        if ligne.startswith("#") or not ligne.strip():
            continue
        nom, _, valeur = ligne.partition("=")
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", nom), ligne
        if valeur.startswith('"'):
            assert valeur.endswith('"') and '"' not in valeur[1:-1] and "$" not in valeur, ligne
            valeur = valeur[1:-1]
        else:
            # Sans guillemets, un shell interprète espaces, < > et compagnie.
            assert re.fullmatch(r"[^\s\"'<>&;|$`\\()]*", valeur), f"guillemets : {ligne}"
        valeurs[nom] = valeur
    return valeurs


def test_env_example_se_lit_par_un_shell_posix():
    script = 'set -eu; set -a; . "$1"; set +a; env -0'
    resultat = subprocess.run(
        ["sh", "-c", script, "sh", str(EXEMPLE)],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        timeout=30,
    )
    assert resultat.returncode == 0, resultat.stderr.decode()
    lu = dict(
        entree.split("=", 1) for entree in resultat.stdout.decode().split("\0") if "=" in entree
    )
    attendu = _affectations()
    assert attendu["DEFAULT_FROM_EMAIL"] == "Écharpe <ne-pas-repondre@mairie.example>"
    for nom, valeur in attendu.items():
        assert lu.get(nom) == valeur, nom


def test_env_example_liste_toutes_les_variables_des_reglages():
    lues = set()
    for fichier in (RACINE / "config").rglob("*.py"):
        lues |= set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", fichier.read_text()))
    assert "DJANGO_SECRET_KEY" in lues and "ECHARPE_PROXIES_DE_CONFIANCE" in lues
    assert sorted(lues - HORS_EXEMPLE - set(_affectations())) == []


SONDE_STATIQUE = """
import sys
import django
from django.core.management import call_command
django.setup()
from django.conf import settings
from whitenoise.compress import Compressor
# Seulement pour ménager la machine de test : les polices ne sont pas compressées ici.
settings.WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "ttf")
from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client
call_command("collectstatic", "--noinput", verbosity=0)
client = Client(HTTP_HOST="echarpe.exemple.fr")
url = staticfiles_storage.url("css/echarpe.css")
for chemin in [url, "/static/css/echarpe.css"]:
    reponse = client.get(chemin, secure=True)
    print(chemin, reponse.status_code, reponse.get("Cache-Control", ""))
"""


def test_production_sert_les_statiques_haches_avec_un_cache_d_un_an(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "s" * 50,
        "DJANGO_ALLOWED_HOSTS": "echarpe.exemple.fr",
        "DATABASE_URL": "postgres://a@127.0.0.1:1/b",
        "ECHARPE_CLES_CHIFFREMENT": Fernet.generate_key().decode(),
        "ECHARPE_CLES_JOURNAL": "cle-de-journal-de-test",
        "STATIC_ROOT": str(tmp_path / "staticfiles"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    resultat = subprocess.run(
        [sys.executable, "-c", SONDE_STATIQUE],
        env=env,
        cwd=RACINE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resultat.returncode == 0, resultat.stderr
    hache, simple = (ligne.split(" ", 2) for ligne in resultat.stdout.splitlines())
    # Nom haché : /static/css/echarpe.<hash>.css, en cache au moins un an, immuable.
    assert re.fullmatch(r"/static/css/echarpe\.[0-9a-f]{12}\.css", hache[0])
    assert hache[1] == "200"
    duree = int(re.search(r"max-age=(\d+)", hache[2]).group(1))
    assert duree >= 365 * 24 * 3600 and "immutable" in hache[2]
    # Le nom non haché reste servi (anciens liens) mais sans cache long.
    assert simple[1] == "200"
    assert int(re.search(r"max-age=(\d+)", simple[2]).group(1)) < 3600


def _unites() -> dict[str, dict[str, list[str]]]:
    unites: dict[str, dict[str, list[str]]] = {}
    for fichier in sorted((RACINE / "deploy" / "systemd").glob("*.service")):
        cles: dict[str, list[str]] = {}
        for ligne in fichier.read_text().splitlines():
            if "=" in ligne and not ligne.startswith("#"):
                cle, _, valeur = ligne.partition("=")
                cles.setdefault(cle, []).append(valeur)
        unites[fichier.stem] = cles
    return unites


def test_unites_systemd_en_reglages_de_production():
    unites = _unites()
    assert set(unites) == {
        "echarpe-web",
        "echarpe-worker-mail",
        "echarpe-worker-documents",
        "echarpe-beat",
    }
    files = []
    for nom, cles in unites.items():
        assert cles["EnvironmentFile"] == ["/etc/echarpe/echarpe.env"], nom
        assert "DJANGO_SETTINGS_MODULE=config.settings.production" in cles["Environment"], nom
        (commande,) = cles["ExecStart"]
        programme, *arguments = commande.split()
        # Le programme est celui du venv créé par `uv sync`, présent ici aussi.
        assert programme.startswith("/srv/echarpe/.venv/bin/"), nom
        assert (RACINE / ".venv" / "bin" / programme.rsplit("/", 1)[1]).exists(), nom
        if "-Q" in arguments:
            files.append(arguments[arguments.index("-Q") + 1])
        # Un « % » seul serait un spécificateur systemd, pas le %h de celery.
        assert re.search(r"(?<!%)%[a-z]", commande) is None, nom
    assert sorted(files) == ["documents", "mail"]
    assert "127.0.0.1:8000" in unites["echarpe-web"]["ExecStart"][0]


def test_proxy_nginx_transmet_le_protocole_et_l_adresse_du_client():
    conf = (RACINE / "deploy" / "nginx" / "echarpe.conf").read_text()
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_pass http://127.0.0.1:8000;" in conf


def test_pdf_trouve_feuille_et_polices_aux_noms_haches(settings, tmp_path):
    """Avec le stockage de production, le gabarit PDF demande /static/css/pdf.<hash>.css et
    cette feuille des polices hachées : WeasyPrint doit les recevoir (sinon PDF sans style)."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command

    from core.documents.pdf import fichier_statique

    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        # Même hachage que la production, sans la compression (coûteuse et sans effet ici).
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    url = staticfiles_storage.url("css/pdf.css")
    assert re.fullmatch(r"/static/css/pdf\.[0-9a-f]{12}\.css", url)
    feuille = fichier_statique(f"file://{url}")
    assert feuille is not None and feuille.is_relative_to(tmp_path)
    (police,) = re.findall(r"\.\./fonts/(DejaVuSans\.[0-9a-f]{12}\.ttf)", feuille.read_text())
    assert fichier_statique(f"file:///static/fonts/{police}") == tmp_path / "fonts" / police
    assert fichier_statique("file:///static/../etc/passwd") is None
