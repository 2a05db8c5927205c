#!/usr/bin/env bash
# `make bench` : mêmes services jetables que `make test`, puis les bancs de bench/.
#   bash scripts/bench.sh                       # valeurs par défaut
#   bash scripts/bench.sh --requetes 500 --tours 7
set -uo pipefail
cd "$(dirname "$0")/.."
echo "== Banc : liste du back-office contre vue triviale"
exec bash scripts/services.sh run env DJANGO_SETTINGS_MODULE=config.settings.test \
  .venv/bin/python -m bench.liste_vs_trivial "$@"
