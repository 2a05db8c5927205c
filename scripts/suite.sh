#!/usr/bin/env bash
# Lancé par scripts/test.sh, services démarrés et variables (DATABASE_URL, REDIS_URL) posées.
set -uo pipefail
export DJANGO_SETTINGS_MODULE=config.settings.test

echo "== Contrôles : ruff, mypy, migrations, check --deploy"
.venv/bin/ruff check . || exit 1
.venv/bin/ruff format --check . || exit 1
.venv/bin/mypy . || exit 1
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null || { echo "Migrations manquantes"; exit 1; }
bash scripts/check_deploy.sh || exit 1

echo "== Suite de tests (PostgreSQL, Redis, Chromium, LibreOffice)"
.venv/bin/pytest -p no:cacheprovider "$@" || exit $?

echo "== Smoke SQLite du parcours démo"
bash scripts/smoke_demo.sh || exit 1

echo "== Import de l'extrait REU sur SQLite (la base de make demo)"
# Les tests du moteur d'import, sauf ceux propres à PostgreSQL, sur une base SQLite jetable :
# la suite tourne sur PostgreSQL et laissait passer le SQL que SQLite refuse.
dossier_sqlite=$(mktemp -d)
DATABASE_URL="sqlite:///$dossier_sqlite/imports.sqlite3" .venv/bin/pytest -p no:cacheprovider -q \
  -m "not postgresql" tests/electeurs/imports
statut=$?
rm -rf "$dossier_sqlite"
exit $statut
