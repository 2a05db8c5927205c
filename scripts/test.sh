#!/usr/bin/env bash
# `make test` : contrôles, toute la suite contre des services jetables (PostgreSQL, Redis),
# puis le smoke SQLite du parcours démo. Les services sont arrêtés même en cas d'échec.
set -uo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/services.sh run bash scripts/suite.sh "$@"
