"""Démonstration : SQLite embarqué, Celery en mode eager, courriels dans une boîte locale.

Aucun service externe ; les secrets sont fixes parce que rien de réel n'y est stocké.
"""

import os

from config.env import BASE_DIR

os.environ.setdefault("DJANGO_SECRET_KEY", "demo-seulement-jamais-en-production-" + "x" * 20)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{BASE_DIR / 'demo.sqlite3'}")
# Clé Fernet de démonstration (32 octets en base64), jamais utilisée ailleurs.
os.environ.setdefault("ECHARPE_CLES_CHIFFREMENT", "ZGVtby1zZXVsZW1lbnQtY2xlLWZlcm5ldC0zMm9jdHM=")
# Clé de scellement du journal de démonstration, publiée : jamais ailleurs.
os.environ.setdefault("ECHARPE_CLES_JOURNAL", "demo-seulement-cle-du-journal-publique")
# Les liens des courriels pointent vers le port que la démo sert vraiment (`PORT=8080 make demo`).
os.environ.setdefault("ECHARPE_URL_BASE", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}")

from .base import *  # noqa: E402,F403
from .base import MEDIA_ROOT, env  # noqa: E402

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Sans DEBUG, la démo sert quand même ses fichiers statiques sans `collectstatic` : WhiteNoise
# les lit dans static/ au démarrage (finders), sous leurs noms non hachés.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # pas de collectstatic en démonstration (WhiteNoise ne cherche pas ce dossier)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
# Deux onglets qui se connectent en même temps : SQLite attend le verrou au lieu de répondre
# « base verrouillée » (page 503) ; le journal WAL laisse lire pendant une écriture.
DATABASES["default"].setdefault("OPTIONS", {}).update(  # noqa: F405
    {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
)
CELERY_TASK_ALWAYS_EAGER = True
ECHARPE_BOITE_DEMO = os.path.join(str(MEDIA_ROOT), "outbox")
EMAIL_BACKEND = "core.mail.backends.BoiteDemoBackend"

ECHARPE_DEMO_AUTORISEE = True
# Les serveurs de courriel des essais et de la démo écoutent sur 127.0.0.1.
ECHARPE_RESEAUX_INTERDITS = []
