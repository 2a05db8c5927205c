#!/usr/bin/env bash
# Lance toute la suite contre des services jetables, puis le smoke SQLite du parcours démo.
# Les services sont arrêtés même si les tests échouent.
set -uo pipefail
cd "$(dirname "$0")/.."
export ECHARPE_SERVICES_DIR
ECHARPE_SERVICES_DIR=$(mktemp -d /tmp/echarpe-test-XXXXXX)
trap 'bash scripts/services.sh stop' EXIT
env_file=$(bash scripts/services.sh start) || exit 1
# shellcheck disable=SC1090
source "$env_file"
export DJANGO_SETTINGS_MODULE=config.settings.test

echo "== Contrôles : ruff, mypy, migrations, check --deploy"
.venv/bin/ruff check . || exit 1
.venv/bin/ruff format --check . || exit 1
.venv/bin/mypy . || exit 1
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null || { echo "Migrations manquantes"; exit 1; }
bash scripts/check_deploy.sh || exit 1

echo "== Suite de tests (PostgreSQL, Redis, Chromium, LibreOffice)"
.venv/bin/pytest -p no:cacheprovider "$@"
rc=$?
[ $rc -ne 0 ] && exit $rc

echo "== Smoke SQLite du parcours démo"
bash scripts/smoke_demo.sh
