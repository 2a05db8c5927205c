"""Production : tout secret vient de l'environnement, sans valeur par défaut."""

from django.core.exceptions import ImproperlyConfigured

from core.checks import cles_chiffrement_problemes

from .base import *  # noqa: F403
from .base import ECHARPE_CLES_CHIFFREMENT, env

# Une clé vide ou mal formée ferait échouer le premier enregistrement d'un mot de passe SMTP :
# l'application refuse de démarrer plutôt que de répondre par une erreur 500.
if _problemes := cles_chiffrement_problemes(ECHARPE_CLES_CHIFFREMENT):
    raise ImproperlyConfigured(" ".join(_problemes))

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# Sans clé, le journal ne serait qu'une chaîne SHA-256 que quiconque écrit en base refait.
ECHARPE_CLES_JOURNAL = env.list("ECHARPE_CLES_JOURNAL")
ECHARPE_JOURNAL_ANCRE = env.path("ECHARPE_JOURNAL_ANCRE", default="/app/data/journal-ancres.jsonl")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_AGE = 60 * 60 * 8

# Courriels de la plateforme : par core.mail.envoyer et le compte ECHARPE_SMTP_* (une seule
# configuration SMTP), ou par un fournisseur via Anymail (EMAIL_BACKEND et ANYMAIL explicites).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="core.mail.backends.EnvoyerBackend")
ANYMAIL = env.dict("ANYMAIL", default={})

STATIC_ROOT = env.path("STATIC_ROOT", default="/app/staticfiles")
# Noms hachés (echarpe.3f2a….css) : WhiteNoise les sert avec un Cache-Control d'un an et plus,
# une nouvelle version change le nom, aucun navigateur ne garde l'ancienne feuille de style.
# Exige `collectstatic` avant le démarrage (Dockerfile, README « Sans Docker »).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/app/media")

# Cache partagé par tous les processus web (limites de « Mot de passe oublié ») : Redis.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL", default="redis://localhost:6379/0"),
        "KEY_PREFIX": "echarpe",
    }
}
