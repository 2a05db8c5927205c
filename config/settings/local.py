"""Développement local sur PostgreSQL et Redis."""

import os

# Développement : une clé de journal fixe si .env n'en donne pas (rien de réel n'y est scellé).
os.environ.setdefault("ECHARPE_CLES_JOURNAL", "local-seulement-cle-du-journal")

from .base import *  # noqa: E402,F403
from .base import env  # noqa: E402

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
