#!/usr/bin/env bash
# Vérifie (et installe en root) PostgreSQL, Redis, Dovecot, Chromium et LibreOffice pour `make test`.
set -euo pipefail
manquants=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || manquants+=(postgresql)
command -v redis-server >/dev/null 2>&1 || manquants+=(redis-server)
[ -x /usr/bin/chromium ] || manquants+=(chromium)
command -v soffice >/dev/null 2>&1 || manquants+=(libreoffice-writer-nogui)
fc-list 2>/dev/null | grep -qi dejavu || manquants+=(fonts-dejavu-core)
# Dovecot jetable des tests de la boîte de réception (rebonds), IMAP et POP3.
[ -x /usr/sbin/dovecot ] || manquants+=(dovecot-imapd dovecot-pop3d)
[ ${#manquants[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ]; then
  echo "Installation des paquets manquants : ${manquants[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${manquants[@]}" >/dev/null
else
  echo "Paquets manquants : ${manquants[*]}" >&2
  echo "Installez-les avec : sudo apt-get install -y ${manquants[*]}" >&2
  exit 1
fi
