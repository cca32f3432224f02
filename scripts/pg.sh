#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on a free loopback port, for tests, benchmarks and CI.
#
#   eval "$(scripts/pg.sh start)"   # prints DATABASE_URL=... and ECHO_PG_DIR=... exports
#   scripts/pg.sh stop "$ECHO_PG_DIR"
#   scripts/pg.sh run CMD ARGS...   # start, run CMD with DATABASE_URL set, always stop
#
# As root, initdb and postgres refuse to run, so the cluster belongs to the postgres OS user.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

ensure_binaries() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "PostgreSQL 15 server binaries missing; installing from Debian's packages..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql-15 >&2 \
      || apt-get install -y -qq postgresql >&2
  fi
}

as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

start() {
  ensure_binaries
  local dir port
  dir=$(mktemp -d /tmp/echo-pg.XXXXXX)
  chmod 755 "$dir"
  if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    chown postgres "$dir"
  fi
  port=$(free_port)
  as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
    "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
     -c full_page_writes=off -c max_connections=300 -c shared_buffers=512MB" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  as_pg psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE echo LOGIN CREATEDB PASSWORD 'echo';" \
    -c "CREATE DATABASE echo OWNER echo;" >/dev/null
  echo "$port" >"$dir/port"
  echo "export ECHO_PG_DIR=$dir"
  echo "export ECHO_PG_PORT=$port"
  echo "export DATABASE_URL=postgres://echo:echo@127.0.0.1:$port/echo"
}

stop() {
  local dir=${1:-${ECHO_PG_DIR:-}}
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "${1:-}" ;;
  run)
    shift
    eval "$(start)"
    trap 'stop "$ECHO_PG_DIR"' EXIT
    "$@"
    ;;
  *) echo "usage: $0 start | stop DIR | run CMD..." >&2; exit 2 ;;
esac
