#!/usr/bin/env bash
# `make bench` : mêmes services jetables que scripts/test.sh (PostgreSQL, Redis), puis les
# bancs de bench/. Les services sont arrêtés même si un banc échoue.
#   bash scripts/bench.sh                       # valeurs par défaut
#   bash scripts/bench.sh --requetes 500 --tours 7
set -uo pipefail
cd "$(dirname "$0")/.."
export ECHARPE_SERVICES_DIR
ECHARPE_SERVICES_DIR=$(mktemp -d /tmp/echarpe-bench-XXXXXX)
trap 'bash scripts/services.sh stop' EXIT
env_file=$(bash scripts/services.sh start) || exit 1
# shellcheck disable=SC1090
source "$env_file"
export DJANGO_SETTINGS_MODULE=config.settings.test

echo "== Banc : liste du back-office contre vue triviale"
.venv/bin/python -m bench.liste_vs_trivial "$@"
