#!/usr/bin/env bash
# Essai des unités de deploy/systemd/ sans systemd : chaque ExecStart est lancé à la main avec
# son EnvironmentFile (.env.example complété) contre un PostgreSQL et un Redis jetables, avec
# les deux rôles du README (propriétaire pour migrate, rôle applicatif qui ne fait qu'ajouter
# au journal). Vérifie que gunicorn sert la page de connexion, que chaque worker consomme une
# tâche de sa file et que beat démarre. Tout ce qui a été démarré est arrêté à la fin.
set -euo pipefail
cd "$(dirname "$0")/.."
RACINE=$PWD
ESSAI=$(mktemp -d /tmp/echarpe-essai-systemd-XXXXXX)
chmod 755 "$ESSAI"
export ECHARPE_SERVICES_DIR="$ESSAI/services"
pids=()
arreter() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash scripts/services.sh stop
  rm -rf "$ESSAI"
}
trap arreter EXIT

# shellcheck disable=SC1090
source "$(bash scripts/services.sh start)"
PGPORT=${DATABASE_URL##*:}; PGPORT=${PGPORT%%/*}
RUN=""; [ "$(id -u)" = "0" ] && RUN="runuser -u postgres --"
psql_pg() { (cd / && $RUN "$ECHARPE_PG_BIN/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres "$@"); }

echo "== Base : propriétaire et rôle applicatif"
psql_pg -d postgres <<'SQL'
CREATE ROLE echarpe_proprietaire LOGIN;
CREATE ROLE echarpe_app LOGIN;
CREATE DATABASE echarpe_prod OWNER echarpe_proprietaire;
SQL
psql_pg -d echarpe_prod <<'SQL'
ALTER DEFAULT PRIVILEGES FOR ROLE echarpe_proprietaire IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO echarpe_app;
ALTER DEFAULT PRIVILEGES FOR ROLE echarpe_proprietaire IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO echarpe_app;
SQL

echo "== EnvironmentFile (.env.example complété)"
WEBPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ENVFILE="$ESSAI/echarpe.env"
{
  cat .env.example
  echo "DJANGO_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
  echo "ECHARPE_CLES_CHIFFREMENT=$(.venv/bin/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
  echo "ECHARPE_CLES_JOURNAL=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
  echo "DATABASE_URL=postgres://echarpe_app@127.0.0.1:$PGPORT/echarpe_prod"
  echo "REDIS_URL=$REDIS_URL"
  echo "STATIC_ROOT=$ESSAI/staticfiles"
  echo "MEDIA_ROOT=$ESSAI/media"
} >"$ENVFILE"
unset DATABASE_URL REDIS_URL

# Environnement d'une unité, dans le shell courant : EnvironmentFile, Environment=, dossier.
preparer_unite() {
  set -a
  # shellcheck disable=SC1090
  . "$ENVFILE"
  while IFS= read -r ligne; do export "${ligne#Environment=}"; done \
    < <(grep '^Environment=' "$1" | sed "s#/var/lib/echarpe#$ESSAI/etat#")
  set +a
  cd "$(grep '^WorkingDirectory=' "$1" | cut -d= -f2- | sed "s#/srv/echarpe#$RACINE#")"
}
avec_env_unite() { (preparer_unite "$1"; shift; exec "$@"); }
exec_start() {
  grep '^ExecStart=' "$1" | cut -d= -f2- | sed -e "s#/srv/echarpe#$RACINE#g" \
    -e "s#/var/lib/echarpe#$ESSAI/etat#g" -e 's/%%/%/g' -e "s/127.0.0.1:8000/127.0.0.1:$WEBPORT/"
}
mkdir -p "$ESSAI/etat" "$ESSAI/media"
WEB=deploy/systemd/echarpe-web.service

echo "== migrate (rôle propriétaire), protection du journal, collectstatic, check --deploy"
avec_env_unite $WEB env DATABASE_URL="postgres://echarpe_proprietaire@127.0.0.1:$PGPORT/echarpe_prod" \
  .venv/bin/python manage.py migrate --noinput >"$ESSAI/migrate.log"
psql_pg -d echarpe_prod -c "REVOKE UPDATE, DELETE, TRUNCATE ON core_entreejournal FROM echarpe_app;"
avec_env_unite $WEB .venv/bin/python manage.py collectstatic --noinput >/dev/null
avec_env_unite $WEB .venv/bin/python manage.py check --deploy --fail-level WARNING
avec_env_unite $WEB .venv/bin/python manage.py shell -v 0 -c \
  "from django.conf import settings; print('réglages :', settings.SETTINGS_MODULE, 'DEBUG =', settings.DEBUG)"
if avec_env_unite $WEB .venv/bin/python manage.py dbshell -- -c "DELETE FROM core_entreejournal" \
  >/dev/null 2>"$ESSAI/refus.log"; then
  echo "ÉCHEC : le rôle applicatif peut supprimer des entrées du journal"; exit 1
fi
echo "journal : $(grep -o 'permission denied[^"]*' "$ESSAI/refus.log" | head -1)"

echo "== Démarrage des unités"
for unite in deploy/systemd/echarpe-*.service; do
  nom=$(basename "$unite" .service)
  echo "$nom : $(exec_start "$unite")"
  commande=$(exec_start "$unite")
  # Sous-shell terminé par exec : $! est le processus lui-même, que arreter() termine.
  # shellcheck disable=SC2086
  (preparer_unite "$unite"; exec $commande) >"$ESSAI/$nom.log" 2>&1 &
  pids+=($!)
done

attendre() {  # attendre FICHIER MOTIF
  for _ in $(seq 360); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.5; done
  echo "ÉCHEC : « $2 » absent de $1"; tail -20 "$1"; return 1
}
attendre "$ESSAI/echarpe-worker-mail.log" "mail@.* ready"
attendre "$ESSAI/echarpe-worker-documents.log" "documents@.* ready"
attendre "$ESSAI/echarpe-beat.log" "beat: Starting"
attendre "$ESSAI/echarpe-web.log" "Booting worker"

echo "== Vérifications"
code=$(curl -s -o "$ESSAI/connexion.html" -w '%{http_code}' -H 'Host: echarpe.mairie.example' \
  -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-For: 203.0.113.5' "http://127.0.0.1:$WEBPORT/compte/connexion/")
grep -q 'lang="fr"' "$ESSAI/connexion.html" && echo "gunicorn : page de connexion, HTTP $code" \
  || { echo "ÉCHEC : page de connexion HTTP $code"; exit 1; }
css=$(grep -o '/static/css/echarpe\.[0-9a-f]*\.css' "$ESSAI/connexion.html" | head -1)
echo "gunicorn : $css → $(curl -s -o /dev/null -D - -H 'Host: echarpe.mairie.example' \
  -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$WEBPORT$css" | grep -i '^cache-control' | tr -d '\r')"
curl -s -o /dev/null -H 'Host: echarpe.mairie.example' -H 'X-Forwarded-Proto: https' \
  "http://127.0.0.1:$WEBPORT/l/$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')/"
attendre "$ESSAI/echarpe-web.log" "GET /l/\[jeton masqué\]"
echo "gunicorn : journal d'accès → $(grep 'GET /l/' "$ESSAI/echarpe-web.log" | tail -1)"

avec_env_unite $WEB .venv/bin/celery -A config call core.tasks.travaux_balayer_task >/dev/null
avec_env_unite $WEB .venv/bin/celery -A config call core.tasks.mail_activation_envoyer_task \
  --args '[[0]]' >/dev/null
attendre "$ESSAI/echarpe-worker-documents.log" "travaux_balayer_task.* succeeded"
attendre "$ESSAI/echarpe-worker-mail.log" "mail_activation_envoyer_task.* succeeded"
echo "worker documents : $(grep -o 'Task core.tasks.travaux_balayer_task.* succeeded[^ ]* in [0-9.]*s' "$ESSAI/echarpe-worker-documents.log" | head -1)"
echo "worker mail : $(grep -o 'Task core.tasks.mail_activation_envoyer_task.* succeeded[^ ]* in [0-9.]*s' "$ESSAI/echarpe-worker-mail.log" | head -1)"
echo "beat : $(grep -o 'beat: Starting.*' "$ESSAI/echarpe-beat.log" | head -1)"
echo "Essai des unités systemd : tout a répondu."
