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
bash scripts/smoke_demo.sh
