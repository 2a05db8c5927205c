"""Lecture de l'environnement : un seul objet `env`, un seul BASE_DIR."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# Un fichier .env local est pratique en développement ; en production les variables viennent
# de l'orchestrateur et ce fichier n'existe pas.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(str(BASE_DIR / ".env"))
