#!/usr/bin/env bash
# `check --deploy` avec les réglages de production et un environnement d'exemple : aucun
# avertissement toléré.
set -euo pipefail
out=$(env -i PATH="$PATH" HOME="${HOME:-/tmp}" \
  DJANGO_SETTINGS_MODULE=config.settings.production \
  DJANGO_SECRET_KEY="exemple-$(python3 -c 'import secrets;print(secrets.token_urlsafe(50))')" \
  DJANGO_ALLOWED_HOSTS=echarpe.exemple.fr \
  DATABASE_URL=postgres://echarpe@127.0.0.1:1/echarpe \
  REDIS_URL=redis://127.0.0.1:1/0 \
  ECHARPE_CLES_JOURNAL="$(python3 -c 'import secrets;print(secrets.token_urlsafe(32))')" \
  ECHARPE_CLES_CHIFFREMENT="$(python3 -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
  .venv/bin/python manage.py check --deploy --fail-level WARNING 2>&1) || { echo "$out"; exit 1; }
if echo "$out" | grep -qE "WARNINGS|ERRORS"; then echo "$out"; exit 1; fi
echo "check --deploy : aucun avertissement"
