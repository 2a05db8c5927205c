#!/usr/bin/env bash
# Services jetables pour les tests : PostgreSQL (sous l'utilisateur postgres, hors du clone)
# et Redis, sur des ports libres de 127.0.0.1.
#   scripts/services.sh start  → écrit les variables dans $ECHARPE_SERVICES_ENV
#   scripts/services.sh stop
#   scripts/services.sh run COMMANDE…
set -euo pipefail
ETAT=${ECHARPE_SERVICES_DIR:-/tmp/echarpe-services-$$}
cmd=${1:-}

port_libre() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

pg_bin() {
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  echo ""; return 1
}

case "$cmd" in
start)
  # PostgreSQL tourne sous l'utilisateur postgres : depuis un clone qu'il ne peut pas lire,
  # initdb et pg_ctl se plaignent de ne pas pouvoir y entrer.
  cd /
  mkdir -p "$ETAT"
  chmod 755 "$ETAT"
  BIN=$(pg_bin) || { echo "PostgreSQL introuvable : apt-get install -y postgresql" >&2; exit 1; }
  PGPORT=$(port_libre)
  REDISPORT=$(port_libre)
  PGDATA="$ETAT/pg"
  if [ "$(id -u)" = "0" ]; then
    install -d -o postgres -g postgres "$PGDATA"
    RUN="runuser -u postgres --"
  else
    mkdir -p "$PGDATA"
    RUN=""
  fi
  $RUN "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$ETAT/initdb.log" 2>&1
  $RUN "$BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/serveur.log" -w \
    -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" start >/dev/null
  # La base de DATABASE_URL existe : makemigrations --check y vérifie l'historique.
  $RUN "$BIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres echarpe
  redis-server --port "$REDISPORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$ETAT/redis.pid" --logfile "$ETAT/redis.log" --dir "$ETAT"
  for _ in $(seq 50); do redis-cli -p "$REDISPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  cat >"$ETAT/env" <<ENV
export DATABASE_URL=postgres://postgres@127.0.0.1:$PGPORT/echarpe
export REDIS_URL=redis://127.0.0.1:$REDISPORT/0
export ECHARPE_PG_BIN=$BIN
export ECHARPE_SERVICES_DIR=$ETAT
ENV
  echo "$ETAT/env"
  ;;
stop)
  [ -d "$ETAT" ] || exit 0
  cd /
  BIN=$(pg_bin || true)
  if [ -f "$ETAT/pg/postmaster.pid" ]; then
    if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$BIN/pg_ctl" -D "$ETAT/pg" -m fast stop >/dev/null || true
    else "$BIN/pg_ctl" -D "$ETAT/pg" -m fast stop >/dev/null || true; fi
  fi
  [ -f "$ETAT/redis.pid" ] && kill "$(cat "$ETAT/redis.pid")" 2>/dev/null || true
  rm -rf "$ETAT"
  ;;
run)
  # scripts/services.sh run COMMANDE… : démarre les services, lance la commande avec leurs
  # variables, arrête tout ce qui a été démarré (même en cas d'échec), rend son code retour.
  shift
  [ -n "${ECHARPE_SERVICES_DIR:-}" ] || ETAT=$(mktemp -d /tmp/echarpe-services-XXXXXX)
  export ECHARPE_SERVICES_DIR="$ETAT"
  trap 'bash "$0" stop' EXIT
  env_file=$(bash "$0" start) || exit 1
  # shellcheck disable=SC1090
  source "$env_file"
  "$@"
  ;;
*) echo "usage: $0 start|stop|run COMMANDE…" >&2; exit 2 ;;
esac
