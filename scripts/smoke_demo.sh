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
# L'import de l'extrait REU sur SQLite (le chemin Python et le SQL portable du moteur) : un
# extrait de la commune de démonstration appliqué, puis le même une seconde fois (inchangé).
.venv/bin/python -c "
from pathlib import Path
from bench.import_reu import generer
generer(Path('$dir/ListesElecteursActifs-com99001-demo.csv'), lignes=3000, code_ugle='99001', bureaux=2)
"
.venv/bin/python manage.py importer_reu "$dir/ListesElecteursActifs-com99001-demo.csv" --collectivite saint-exemple
.venv/bin/python manage.py importer_reu "$dir/ListesElecteursActifs-com99001-demo.csv" --collectivite saint-exemple
