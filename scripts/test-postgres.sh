#!/usr/bin/env bash
# Makes sure a throw-away PostgreSQL server runs on 127.0.0.1 for the tests, installing the
# server from Debian's packages when it is missing, and prints its DSN on stdout.
# Usage: scripts/test-postgres.sh [start|stop]
set -euo pipefail

port=${PASSTHROUGH_TEST_PG_PORT:-55432}
dir=${PASSTHROUGH_TEST_PG_DIR:-${TMPDIR:-/tmp}/passthrough-test-pg}
dsn="postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable"

log() { printf 'test-postgres: %s\n' "$*" >&2; }

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    log "the PostgreSQL server is missing; install it with: sudo apt-get install -y $*"
    exit 1
  fi
  log "installing $* from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "$@" >&2 || { apt-get update -q >&2 && apt-get install -y -q "$@" >&2; }
}

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

as_owner() {
  # PostgreSQL refuses to run as root; run it as the postgres user the package creates.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bin=$(bindir) || true
if [ -z "${bin:-}" ]; then
  apt_install postgresql
  bin=$(bindir)
fi

case "${1:-start}" in
stop)
  as_owner "$bin/pg_ctl" -D "$dir" -m fast stop >&2 || true
  exit 0
  ;;
esac

if as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  echo "$dsn"
  exit 0
fi

if [ ! -f "$dir/PG_VERSION" ]; then
  log "creating a throw-away cluster in $dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
log "starting PostgreSQL on 127.0.0.1:$port"
as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" start >&2
echo "$dsn"
