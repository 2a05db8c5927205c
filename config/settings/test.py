"""Tests : PostgreSQL et Redis jetables démarrés par `make test` (voir scripts/services.sh)."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-seulement-" + "y" * 40)
os.environ.setdefault("ECHARPE_CLES_CHIFFREMENT", "dGVzdHMtc2V1bGVtZW50LWNsZS1mZXJuZXQtMzJvY3Q=")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/echarpe")

from .base import *  # noqa: E402,F403
from .base import PASSWORD_HASHERS  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Un hachage rapide accélère la suite ; Argon2 reste le premier en production.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = tempfile.mkdtemp(prefix="echarpe-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="echarpe-static-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True

# Un nom de base de test par processus : plusieurs suites peuvent tourner en même temps sur
# le même serveur PostgreSQL jetable sans se marcher dessus.
DATABASES["default"]["TEST"] = {"NAME": f"test_echarpe_{os.getpid()}"}  # noqa: F405
