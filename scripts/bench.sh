#!/usr/bin/env bash
# `make bench` : mêmes services jetables que `make test`, puis les bancs de bench/.
#   bash scripts/bench.sh                       # valeurs par défaut
#   bash scripts/bench.sh --requetes 500 --tours 7   # options du premier banc (liste)
set -uo pipefail
cd "$(dirname "$0")/.."
# Les bancs tournent l'un après l'autre dans les mêmes services ; le code de sortie est celui du
# premier banc en échec (un banc qui manque son objectif sort en 1).
exec bash scripts/services.sh run env DJANGO_SETTINGS_MODULE=config.settings.test bash -c '
  code=0
  echo "== Banc : liste du back-office contre vue triviale"
  .venv/bin/python -m bench.liste_vs_trivial "$@" || code=$?
  echo
  echo "== Banc : recherche d'"'"'électeurs à 1 000 000 (sélecteur)"
  .venv/bin/python -m bench.recherche_electeurs
  r=$?; [ "$code" = 0 ] && code=$r
  echo
  echo "== Banc : import d'"'"'un extrait REU de 1 000 000 de lignes contre COPY"
  .venv/bin/python -m bench.import_reu
  r=$?; [ "$code" = 0 ] && code=$r
  echo
  echo "== Banc : 1 000 convocations par le worker Celery contre une boucle smtplib"
  .venv/bin/python -m bench.convocations_envoi
  r=$?; [ "$code" = 0 ] && code=$r
  exit "$code"
' bench "$@"
