import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

RACINE = Path(__file__).resolve().parents[2]


def _importer_production(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**base, **env},
        cwd=RACINE,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuse_de_demarrer_sans_secret():
    resultat = _importer_production(
        {
            "DJANGO_ALLOWED_HOSTS": "x.example",
            "DATABASE_URL": "postgres://a@127.0.0.1/b",
            "ECHARPE_CLES_CHIFFREMENT": "x",
        }
    )
    assert resultat.returncode != 0
    assert "DJANGO_SECRET_KEY" in resultat.stderr


def test_production_refuse_de_demarrer_sans_cle_de_chiffrement():
    resultat = _importer_production(
        {
            "DJANGO_ALLOWED_HOSTS": "x.example",
            "DATABASE_URL": "postgres://a@127.0.0.1/b",
            "DJANGO_SECRET_KEY": "s" * 50,
        }
    )
    assert resultat.returncode != 0
    assert "ECHARPE_CLES_CHIFFREMENT" in resultat.stderr


def test_reglages_communs():
    assert settings.LANGUAGE_CODE == "fr"
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is True
    assert settings.AUTH_USER_MODEL == "core.Utilisateur"
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.SECURE_REFERRER_POLICY == "same-origin"
