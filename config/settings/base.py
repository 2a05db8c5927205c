"""Settings communs à tous les environnements.

Chaque valeur qui change d'un déploiement à l'autre se lit dans l'environnement
(django-environ) ; `.env.example` les liste toutes.
"""

from datetime import timedelta

from config.env import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "core",
    "electeurs",
    "convocations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ServiceIndisponibleMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.middleware.MethodeRefuseeMiddleware",
]
# Jeton CSRF refusé (formulaire trop ancien, session expirée) : page en français qui dit quoi faire.
CSRF_FAILURE_VIEW = "core.pages.erreurs.erreur_csrf"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.echarpe",
            ],
        },
    }
]

AUTH_USER_MODEL = "core.Utilisateur"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Celui de Django, qui lit aussi les rôles actifs avec le compte (une requête par page).
    "core.comptes.backends.ComptesBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pages:accueil"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # 24 h : un lien de réinitialisation expire le lendemain

# django-axes : verrouillage après des échecs répétés (par identifiant et adresse IP)
# Adresses que les serveurs de courriel saisis par les agents ne peuvent pas désigner (machine
# locale, liens locaux, métadonnées du nuage) : « Tester la connexion » ne doit pas servir à
# sonder le réseau de la plateforme. Ajoutez vos réseaux internes (10.0.0.0/8…) si aucun
# serveur de messagerie des collectivités ne s'y trouve.
ECHARPE_RESEAUX_INTERDITS = env.list(
    "ECHARPE_RESEAUX_INTERDITS",
    default=["127.0.0.0/8", "::1/128", "0.0.0.0/8", "169.254.0.0/16", "fe80::/10", "::/128"],
)
# « Mot de passe oublié » : courriels au plus par adresse et par heure.
ECHARPE_REINITIALISATIONS_PAR_HEURE = env.int("ECHARPE_REINITIALISATIONS_PAR_HEURE", default=3)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/verrouille.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Derrière le proxy TLS, tous les clients arrivent de son adresse : axes lit l'adresse du client
# dans X-Forwarded-For, mais seulement ce qu'y ont écrit les proxies de confiance (nombre de
# proxies entre Internet et gunicorn ; 0 : l'en-tête est ignoré, il se falsifie).
ECHARPE_PROXIES_DE_CONFIANCE = env.int("ECHARPE_PROXIES_DE_CONFIANCE", default=0)
AXES_CLIENT_IP_CALLABLE = "config.proxy.adresse_client"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Pas de MEDIA_URL public : les fichiers (pièces, documents générés) passent par des vues
# qui vérifient les droits.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Sessions lues dans le cache (Redis en production, partagé par tous les processus web) et
# écrites aussi en base : une requête SQL de moins par page, rien de perdu au redémarrage du
# cache. Un cache propre à chaque processus (mémoire locale) ne va qu'avec un seul processus
# web (runserver de la démo et du développement, tests).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Limites d'envoi de fichiers (réglables ici) ; au-delà de 5 Mo en mémoire, Django écrit sur disque.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ECHARPE_LIMITE_EXTRAIT_LISTE = env.int("ECHARPE_LIMITE_EXTRAIT_LISTE", default=500 * 1024 * 1024)
ECHARPE_LIMITE_PIECE = env.int("ECHARPE_LIMITE_PIECE", default=20 * 1024 * 1024)
ECHARPE_LIMITE_LOT = env.int("ECHARPE_LIMITE_LOT", default=100 * 1024 * 1024)
# Carnet d'adresses des convocations : taille maximale d'un CSV importé (octets).
ECHARPE_CONTACTS_IMPORT_MAX = env.int("ECHARPE_CONTACTS_IMPORT_MAX", default=5 * 1024 * 1024)
# Rendu d'un modèle Word (code écrit par un agent) : durée, caractères produits, taille de range.
ECHARPE_DOCX_DUREE_MAX = env.int("ECHARPE_DOCX_DUREE_MAX", default=20)
ECHARPE_DOCX_SORTIE_MAX = env.int("ECHARPE_DOCX_SORTIE_MAX", default=50_000_000)
ECHARPE_DOCX_RANGE_MAX = env.int("ECHARPE_DOCX_RANGE_MAX", default=10_000)

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Nos lignes de statut font foi : pas de result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_DEFAULT_QUEUE = "documents"
# Les tâches des travaux suivis déclarent leur file (`@tache_travail(queue=...)`), que
# `router_travaux` applique (vérifié au démarrage par le check echarpe.E105) ; les motifs ne
# servent qu'aux autres tâches d'envoi ; le reste va dans la file par défaut.
CELERY_TASK_ROUTES = (
    "core.travaux.services.router_travaux",
    {
        "core.tasks.mail_*": {"queue": "mail"},
        "core.tasks.boites_*": {"queue": "mail"},
        "*.tasks.*envoyer*": {"queue": "mail"},
    },
)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # La base est la file de référence : les travaux oubliés sont remis en file, ceux dont le
    # worker s'est tu sont déclarés interrompus.
    "travaux-balayer": {
        "task": "core.tasks.travaux_balayer_task",
        "schedule": timedelta(minutes=1),
    },
    # Boîtes de réception des comptes SMTP : rebonds et courrier entrant (core.mail.boite).
    "boites-relever": {
        "task": "core.tasks.mail_boites_balayer_task",
        "schedule": timedelta(minutes=5),
    },
    # Envois en nombre du socle (liens d'activation, invitations) : lignes oubliées, envois
    # interrompus.
    "activations-balayer": {
        "task": "core.tasks.mail_activations_balayer_task",
        "schedule": timedelta(minutes=1),
    },
    "invitations-balayer": {
        "task": "core.tasks.mail_invitations_balayer_task",
        "schedule": timedelta(minutes=1),
    },
    # Courriels de l'espace élu (nouveau lien, adresse personnelle, note à la collectivité).
    "convocations-elus-courriels-balayer": {
        "task": "convocations.elus.tasks.elus_courriels_balayer_task",
        "schedule": timedelta(minutes=1),
    },
}
# Travaux suivis (core.travaux), en secondes. Une exécution bat toutes les INTERVALLE secondes
# (et à chaque avancement) ; sans battement depuis DELAI secondes, le balayage la déclare
# interrompue. Un travail en attente depuis REMISE_EN_FILE secondes est remis en file, puis
# après un délai doublé à chaque nouvelle remise (une file encombrée ne s'encombre pas plus).
ECHARPE_TRAVAIL_BATTEMENT_INTERVALLE = env.int("ECHARPE_TRAVAIL_BATTEMENT_INTERVALLE", default=30)
ECHARPE_TRAVAIL_BATTEMENT_DELAI = env.int("ECHARPE_TRAVAIL_BATTEMENT_DELAI", default=150)
ECHARPE_TRAVAIL_REMISE_EN_FILE = env.int("ECHARPE_TRAVAIL_REMISE_EN_FILE", default=10 * 60)

# --- Courriel -------------------------------------------------------------------------------
# Les courriels de Django (réinitialisation de mot de passe, erreurs aux ADMINS) passent aussi
# par core.mail.envoyer, avec le compte par défaut de la plateforme (ECHARPE_SMTP_DEFAUT
# ci-dessous) : une seule configuration SMTP. Un fournisseur (Anymail) reste possible en
# donnant explicitement EMAIL_BACKEND.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="core.mail.backends.EnvoyerBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Écharpe <ne-pas-repondre@echarpe.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Compte SMTP par défaut de la plateforme : dernier recours de core.mail.envoyer et compte des
# courriels de Django (EnvoyerBackend). Sans hôte, aucun compte à ce niveau.
ECHARPE_SMTP_DEFAUT = {
    "hote": env("ECHARPE_SMTP_HOTE", default=""),
    "port": env.int("ECHARPE_SMTP_PORT", default=587),
    "securite": env("ECHARPE_SMTP_SECURITE", default="starttls"),
    "identifiant": env("ECHARPE_SMTP_IDENTIFIANT", default=""),
    "mot_de_passe": env("ECHARPE_SMTP_MOT_DE_PASSE", default=""),
    "expediteur": env("ECHARPE_SMTP_EXPEDITEUR", default=""),
    "nom_affiche": env("ECHARPE_SMTP_NOM_AFFICHE", default="Écharpe"),
}
ECHARPE_SMTP_TIMEOUT = env.int("ECHARPE_SMTP_TIMEOUT", default=10)
# Durée maximale d'un envoi entier (connexion comprise), et de « Tester la connexion » : le
# délai ci-dessus vaut pour chaque lecture, qu'un serveur lent renouvelle octet par octet.
ECHARPE_SMTP_DELAI_GLOBAL = env.int("ECHARPE_SMTP_DELAI_GLOBAL", default=120)
ECHARPE_SMTP_DELAI_TEST = env.int("ECHARPE_SMTP_DELAI_TEST", default=15)
ECHARPE_SMTP_VERIFIER_CERTIFICAT = env.bool("ECHARPE_SMTP_VERIFIER_CERTIFICAT", default=True)
# Envoi en nombre (core.mail.lots, docs/envoi-en-nombre.md). Un échec temporaire (4xx, délai,
# serveur injoignable) remet la ligne en attente : nouvel essai après DELAIS[n - 1] secondes
# (le dernier se répète), « échec » après ESSAIS_MAX tentatives. Une ligne « en cours » depuis
# EN_COURS_DELAI secondes devient « incertaine » (jamais renvoyée) ; une ligne « en attente »
# due depuis REMISE_EN_FILE secondes est remise en file par le balayage. TAILLE_LOT lignes
# par tâche (une connexion SMTP par compte et par lot).
ECHARPE_ENVOI_ESSAIS_MAX = env.int("ECHARPE_ENVOI_ESSAIS_MAX", default=5)
ECHARPE_ENVOI_DELAIS = [
    int(d) for d in env.list("ECHARPE_ENVOI_DELAIS", default=[60, 300, 900, 3600])
]
ECHARPE_ENVOI_EN_COURS_DELAI = env.int("ECHARPE_ENVOI_EN_COURS_DELAI", default=15 * 60)
ECHARPE_ENVOI_REMISE_EN_FILE = env.int("ECHARPE_ENVOI_REMISE_EN_FILE", default=5 * 60)
ECHARPE_ENVOI_TAILLE_LOT = env.int("ECHARPE_ENVOI_TAILLE_LOT", default=100)
# Adresse publique du site, pour les liens envoyés par courriel.
ECHARPE_URL_BASE = env("ECHARPE_URL_BASE", default="http://127.0.0.1:8000")
# Clé(s) Fernet qui chiffrent les mots de passe SMTP ; la première chiffre, toutes déchiffrent
# (rotation).
ECHARPE_CLES_CHIFFREMENT = env.list("ECHARPE_CLES_CHIFFREMENT")
# Clé(s) HMAC qui scellent les entrées du journal ; la première scelle, toutes vérifient
# (rotation). Exigées par les réglages de production ; fixes en test et en démonstration.
ECHARPE_CLES_JOURNAL: list[str] = env.list("ECHARPE_CLES_JOURNAL", default=[])
# Fichier d'ancrage (ajout seul, hors de la base) : têtes de chaîne vérifiées par journal_verifier.
ECHARPE_JOURNAL_ANCRE = env.path(
    "ECHARPE_JOURNAL_ANCRE", default=str(BASE_DIR / "data" / "journal-ancres.jsonl")
)
# `charger_demo` crée des comptes aux mots de passe publiés : réservé à la démo et aux tests.
ECHARPE_DEMO_AUTORISEE = False
# En démonstration, tous les envois finissent dans une boîte locale lisible sur /outbox/.
ECHARPE_BOITE_DEMO: str | None = None

# --- Documents ------------------------------------------------------------------------------
ECHARPE_SOFFICE = env("ECHARPE_SOFFICE", default="soffice")
ECHARPE_SOFFICE_TIMEOUT = env.int("ECHARPE_SOFFICE_TIMEOUT", default=300)

# --- Délais du Code électoral ---------------------------------------------------------------
# Cass. 2e civ. 26/08/2020 : jours calendaires ; la prorogation d'un délai qui finit un samedi,
# un dimanche ou un jour férié n'est pas confirmée (à vérifier sur Légifrance) : c'est un réglage.
ECHARPE_DELAIS_PROROGATION_JOUR_NON_OUVRE = env.bool(
    "ECHARPE_DELAIS_PROROGATION_JOUR_NON_OUVRE", default=False
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"simple": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"sans_jeton": {"()": "core.logs.FiltreJetonLog"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "simple",
            "filters": ["sans_jeton"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Filtre au niveau des loggers : tout handler (courriel aux admins compris) reçoit des
        # enregistrements déjà expurgés des jetons.
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["sans_jeton"],
        },
        "django.request": {"filters": ["sans_jeton"]},
        # Ce dictConfig retire les handlers que gunicorn avait posés : le journal d'accès
        # (gunicorn --access-logfile) passe par notre console, filtrée.
        "gunicorn.access": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["sans_jeton"],
        },
        "axes": {"level": "WARNING"},
    },
}

# Électeurs : domaines d'expéditeur des avis du REU relevés dans la boîte du compte d'envoi de la
# collectivité (le domaine et ses sous-domaines).
ECHARPE_REU_DOMAINES_EXPEDITEURS = tuple(
    env.list("ECHARPE_REU_DOMAINES_EXPEDITEURS", default=["insee.fr"])
)

# Séances des convocations : taille maximale d'un document joint (octets).
ECHARPE_CONVOCATIONS_LIMITE_DOCUMENT = env.int(
    "ECHARPE_CONVOCATIONS_LIMITE_DOCUMENT", default=20 * 1024 * 1024
)

# --- Convocations : envoi et suivi (convocations/envoi) ---
from celery.schedules import crontab  # noqa: E402

# Le lien personnel d'une convocation expire ce nombre de semaines après la séance.
ECHARPE_CONVOCATIONS_LIEN_SEMAINES = env.int("ECHARPE_CONVOCATIONS_LIEN_SEMAINES", default=8)
# Durée de la séance dans l'invitation .ics (minutes).
ECHARPE_CONVOCATIONS_DUREE_MINUTES = env.int("ECHARPE_CONVOCATIONS_DUREE_MINUTES", default=120)
CELERY_BEAT_SCHEDULE["convocations-envois-balayer"] = {
    "task": "convocations.envoi.tasks.convocations_balayer_task",
    "schedule": timedelta(minutes=1),
}
CELERY_BEAT_SCHEDULE["convocations-resumes-envoyer"] = {
    "task": "convocations.envoi.tasks.convocations_resumes_envoyer_task",
    "schedule": crontab(hour=7, minute=0),
}
# Espace élu : demandes « lien ou mot de passe perdu » par adresse et par IP, et par heure.
ECHARPE_CONVOCATIONS_LIENS_PERDUS_PAR_HEURE = env.int(
    "ECHARPE_CONVOCATIONS_LIENS_PERDUS_PAR_HEURE", default=3
)
