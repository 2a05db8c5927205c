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

# --- Dovecot (boîte de réception des tests de rebonds) -------------------------------------
# Sa propre configuration (aucune configuration du système), IMAP et POP3 en clair sur
# 127.0.0.1, un utilisateur `passwd-file`, une maildir dans le dossier des services.
dovecot_demarrer() {
  [ -x /usr/sbin/dovecot ] || { echo "Dovecot introuvable : apt-get install -y dovecot-imapd dovecot-pop3d" >&2; exit 1; }
  local D="$ETAT/dovecot" IMAPPORT POP3PORT MDP utilisateur_login utilisateur_interne proprietaire
  IMAPPORT=$(port_libre)
  POP3PORT=$(port_libre)
  MDP=$(python3 -c 'import secrets; print(secrets.token_urlsafe(16))')
  mkdir -p "$D/run" "$D/etat" "$D/maildir/new" "$D/maildir/cur" "$D/maildir/tmp"
  chmod 755 "$D" "$D/run"
  if [ "$(id -u)" = "0" ] && id dovenull >/dev/null 2>&1 && id dovecot >/dev/null 2>&1; then
    utilisateur_login=dovenull; utilisateur_interne=dovecot
    # Dovecot refuse l'uid 0 pour l'accès aux boîtes : la maildir appartient à `dovecot`.
    proprietaire=dovecot
    chown -R dovecot:dovecot "$D/maildir"
  else
    utilisateur_login=$(id -un); utilisateur_interne=$(id -un); proprietaire=$(id -un)
  fi
  printf 'echarpe:{PLAIN}%s::::::\n' "$MDP" >"$D/utilisateurs"
  cat >"$D/dovecot.conf" <<CONF
instance_name = echarpe-$(basename "$ETAT")
base_dir = $D/run
state_dir = $D/etat
log_path = $D/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = $utilisateur_login
default_internal_user = $utilisateur_interne
mail_location = maildir:$D/maildir
first_valid_uid = $(id -u "$proprietaire")
first_valid_gid = $(id -g "$proprietaire")
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/utilisateurs
}
userdb {
  driver = static
  args = uid=$(id -u "$proprietaire") gid=$(id -g "$proprietaire") home=$D/maildir
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAPPORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  chroot =
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP3PORT
  }
  inet_listener pop3s {
    port = 0
  }
}
CONF
  /usr/sbin/dovecot -c "$D/dovecot.conf" >"$D/demarrage.log" 2>&1 || { cat "$D/demarrage.log" >&2; exit 1; }
  for _ in $(seq 50); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $IMAPPORT), 1).close()" 2>/dev/null && break
    sleep 0.1
  done
  cat >"$ETAT/dovecot.env" <<ENV
export ECHARPE_TEST_IMAP_PORT=$IMAPPORT
export ECHARPE_TEST_POP3_PORT=$POP3PORT
export ECHARPE_TEST_BOITE_UTILISATEUR=echarpe
export ECHARPE_TEST_BOITE_MOT_DE_PASSE=$MDP
export ECHARPE_TEST_BOITE_MAILDIR=$D/maildir
ENV
}

dovecot_arreter() {
  [ -f "$ETAT/dovecot/dovecot.conf" ] || return 0
  /usr/sbin/dovecot -c "$ETAT/dovecot/dovecot.conf" stop >/dev/null 2>&1 || true
  # `stop` rend la main avant la fin des processus : on attend leur départ avant rm -rf.
  for _ in $(seq 50); do [ -f "$ETAT/dovecot/run/master.pid" ] || break; sleep 0.1; done
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
  dovecot_demarrer
  cat >"$ETAT/env" <<ENV
export DATABASE_URL=postgres://postgres@127.0.0.1:$PGPORT/echarpe
export REDIS_URL=redis://127.0.0.1:$REDISPORT/0
export ECHARPE_PG_BIN=$BIN
export ECHARPE_SERVICES_DIR=$ETAT
ENV
  cat "$ETAT/dovecot.env" >>"$ETAT/env"
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
  dovecot_arreter
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
