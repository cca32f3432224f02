#!/usr/bin/env bash
# make run: the development server and, beside it, one task worker (e-mails, expiry), as one
# command. Stopping it (Ctrl+C, or a TERM to this script) stops both; if the server exits on its
# own, the worker stops with it.
#
#   scripts/run.sh PORT
set -euo pipefail
PORT=${1:-8084}
PY=${PY:-.venv/bin/python}
SERVER=""
WORKER=""

# Each in its own process group (setsid), so that stopping one also stops its autoreloader's
# child process.
stop() {
  trap - EXIT INT TERM
  for pid in $SERVER $WORKER; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The periodic jobs (expiry) get their next run queued; idempotent, so every start may do it.
"$PY" manage.py schedule_periodic
setsid "$PY" manage.py db_worker --interval 1 &
WORKER=$!
setsid "$PY" manage.py runserver "127.0.0.1:$PORT" &
SERVER=$!
# Returns when the server exits (or a signal arrives); the EXIT trap then stops the worker.
wait "$SERVER"
