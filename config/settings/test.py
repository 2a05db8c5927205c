"""Tests : PostgreSQL et Redis jetables démarrés par `make test` (voir scripts/services.sh)."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-seulement-" + "y" * 40)
os.environ.setdefault("ECHARPE_CLES_CHIFFREMENT", "dGVzdHMtc2V1bGVtZW50LWNsZS1mZXJuZXQtMzJvY3Q=")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/echarpe")
os.environ.setdefault("ECHARPE_CLES_JOURNAL", "tests-seulement-cle-du-journal")

from config.env import env  # noqa: E402

from .base import *  # noqa: E402,F403
from .base import CELERY_BROKER_TRANSPORT_OPTIONS, PASSWORD_HASHERS  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Un hachage rapide accélère la suite ; Argon2 reste le premier en production.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Les tâches s'exécutent sur place dans les tests. Le vrai worker de tests/core/test_worker.py
# est lancé avec ECHARPE_TEST_CELERY_EAGER=False : il se comporte comme en production (une tâche
# qu'il met en file passe par Redis). Variable propre aux tests : un CELERY_TASK_ALWAYS_EAGER
# du .env de développement ne change pas le mode de la suite.
CELERY_TASK_ALWAYS_EAGER = env.bool("ECHARPE_TEST_CELERY_EAGER", default=True)
# Des clés Redis par processus : deux suites sur le même Redis jetable ne se prennent pas leurs
# tâches (leurs bases de test réutilisent les mêmes identifiants). Le worker de test reçoit le
# préfixe de la suite qui l'a lancé par ECHARPE_CELERY_PREFIXE.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": env("ECHARPE_CELERY_PREFIXE", default=f"echarpe-test-{os.getpid()}:"),
}
MEDIA_ROOT = tempfile.mkdtemp(prefix="echarpe-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="echarpe-static-")
# Chaque import des réglages crée ces dossiers : ils disparaissent avec le processus.
atexit.register(shutil.rmtree, MEDIA_ROOT, True)
atexit.register(shutil.rmtree, STATIC_ROOT, True)
# Jamais le fichier d'ancrage du clone : un dossier jetable par processus.
_DOSSIER_ANCRE = tempfile.mkdtemp(prefix="echarpe-ancre-")
atexit.register(shutil.rmtree, _DOSSIER_ANCRE, True)
ECHARPE_JOURNAL_ANCRE = os.path.join(_DOSSIER_ANCRE, "journal-ancres.jsonl")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True

# Un nom de base de test par processus : plusieurs suites peuvent tourner en même temps sur
# le même serveur PostgreSQL jetable sans se marcher dessus.
DATABASES["default"]["TEST"] = {"NAME": f"test_echarpe_{os.getpid()}"}  # noqa: F405

ECHARPE_DEMO_AUTORISEE = True

# Application métier d'exemple (tests/exemple, modèle de docs/ajouter-une-application.md) :
# installée seulement ici, ses URL passent par l'URLconf des tests.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.exemple"]  # noqa: F405
ROOT_URLCONF = "tests.urls"
# Les serveurs de courriel des essais et de la démo écoutent sur 127.0.0.1.
ECHARPE_RESEAUX_INTERDITS = []
