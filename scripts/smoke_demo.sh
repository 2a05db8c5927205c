#!/usr/bin/env bash
# Le parcours `make demo` sans serveur : migrate, charger_demo (deux fois), pages principales.
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export DJANGO_SETTINGS_MODULE=config.settings.demo
export DATABASE_URL="sqlite:///$dir/demo.sqlite3"
export MEDIA_ROOT="$dir/media"
unset REDIS_URL
.venv/bin/python manage.py migrate --noinput >/dev/null
.venv/bin/python manage.py charger_demo >/dev/null
.venv/bin/python manage.py charger_demo >/dev/null
.venv/bin/python scripts/smoke_pages.py
