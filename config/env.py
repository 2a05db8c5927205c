"""Lecture de l'environnement : un seul objet `env`, un seul BASE_DIR."""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# Un fichier .env est pratique en développement et en démonstration, jamais ailleurs : en
# production un secret absent doit empêcher le démarrage (pas être repris d'un fichier
# oublié), et les tests ne doivent pas dépendre du poste du développeur.
_MODULE = os.environ.get("DJANGO_SETTINGS_MODULE", "")
if _MODULE.endswith((".local", ".demo")) and (BASE_DIR / ".env").is_file():
    environ.Env.read_env(str(BASE_DIR / ".env"))
