"""Clé de chiffrement des mots de passe SMTP : vide ou mal formée, `check --deploy` échoue et
la production refuse de démarrer."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core import checks

RACINE = Path(__file__).resolve().parents[2]
VALIDE = Fernet.generate_key().decode()


def _erreurs(settings, cles: list[str]) -> list[checks.CheckMessage]:
    settings.ECHARPE_CLES_CHIFFREMENT = cles
    messages = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    return [m for m in messages if m.id == "echarpe.E001"]


@pytest.mark.parametrize("cles", [[], [""], ["  "], ["", ""]])
def test_cle_vide_fait_echouer_check_deploy(settings, cles):
    (erreur,) = _erreurs(settings, cles)
    assert erreur.level == checks.ERROR
    assert "ECHARPE_CLES_CHIFFREMENT est vide" in erreur.msg
    assert "Fernet.generate_key" in erreur.hint


@pytest.mark.parametrize("mauvaise", ["x", "pas-une-cle-fernet", VALIDE[:-4], "é" * 44])
def test_cle_mal_formee_fait_echouer_check_deploy(settings, mauvaise):
    (erreur,) = _erreurs(settings, [VALIDE, mauvaise])
    assert "la clé n° 2 n'est pas une clé Fernet" in erreur.msg
    assert mauvaise not in erreur.msg  # un secret ne s'affiche pas, même faux


def test_cles_valides_sans_erreur(settings):
    assert _erreurs(settings, [VALIDE, Fernet.generate_key().decode()]) == []


def test_check_deploy_sort_en_erreur(settings):
    """La commande elle-même échoue, comme dans scripts/check_deploy.sh."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.ECHARPE_CLES_CHIFFREMENT = [""]
    with pytest.raises(SystemCheckError, match="echarpe.E001"):
        call_command("check", "--deploy", "--tag", "security")


def _demarrer_production(cles: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "s" * 50,
        "DJANGO_ALLOWED_HOSTS": "x.example",
        "DATABASE_URL": "postgres://a@127.0.0.1:1/b",
        "ECHARPE_CLES_CHIFFREMENT": cles,
        "ECHARPE_CLES_JOURNAL": "cle-de-journal-de-test",
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=RACINE,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("cles", "message"),
    [
        ("", "ECHARPE_CLES_CHIFFREMENT est vide"),
        (",", "ECHARPE_CLES_CHIFFREMENT est vide"),
        ("pas-une-cle", "la clé n° 1 n'est pas une clé Fernet"),
    ],
)
def test_production_refuse_de_demarrer_sans_cle_valide(cles, message):
    resultat = _demarrer_production(cles)
    assert resultat.returncode != 0
    assert "ImproperlyConfigured" in resultat.stderr
    assert message in resultat.stderr


def test_production_demarre_avec_une_cle_valide():
    resultat = _demarrer_production(VALIDE)
    assert resultat.returncode == 0, resultat.stderr
