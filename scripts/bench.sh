#!/usr/bin/env bash
# `make bench` : mêmes services jetables que `make test`, puis les bancs de bench/.
#   bash scripts/bench.sh                       # valeurs par défaut
#   bash scripts/bench.sh --requetes 500 --tours 7
set -uo pipefail
cd "$(dirname "$0")/.."
statut=0
echo "== Banc : liste du back-office contre vue triviale"
bash scripts/services.sh run env DJANGO_SETTINGS_MODULE=config.settings.test \
  .venv/bin/python -m bench.liste_vs_trivial "$@" || statut=1
echo "== Banc : import d'un extrait REU de 1 000 000 de lignes contre COPY"
bash scripts/services.sh run env DJANGO_SETTINGS_MODULE=config.settings.test \
  .venv/bin/python -m bench.import_reu || statut=1
exit $statut
