#!/usr/bin/env bash
# make bench: for each size, a throwaway PostgreSQL, seed_scale, gunicorn (one worker per core) and
# wrk driving every scenario next to its floor (and its peer, bench/peer.py, where it has one);
# then docs/benchmarks.md from the results.
#
#   bench/run.sh [--sizes 10000,1000000] [--duration 15s] [--rounds 3] [--connections 4]
#                [--only detail,...]
#                [--out docs/benchmarks.md] [--no-report]
#
# Everything listens on 127.0.0.1 only. Raw results stay in bench/results/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=10000,1000000
DURATION=15s
ROUNDS=3
CONNECTIONS=4
ONLY=""
OUT=docs/benchmarks.md
REPORT=1
COMMAND="bench/run.sh $*"
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-report) REPORT=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

PY=${PY:-.venv/bin/python}
# "Open a dispute" needs a fresh order per request; past its slice a side's requests would fail
# (409 on the API, an IntegrityError on the floor) and distort both. Enough for 2,500 requests per
# second per side, about twice the fastest rate seen on this machine.
case "$DURATION" in
  *m) SECONDS_PER_ROUND=$(( ${DURATION%m} * 60 )) ;;
  *s) SECONDS_PER_ROUND=${DURATION%s} ;;
  *) SECONDS_PER_ROUND=$DURATION ;;
esac
FRESH_ORDERS=$(( ROUNDS * SECONDS_PER_ROUND * 2500 ))
WORKERS=$(nproc)
if ! command -v wrk >/dev/null; then
  echo "wrk missing; installing it from Debian's packages..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq wrk >&2 || { apt-get update -qq >&2 && apt-get install -y -qq wrk >&2; }
fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=bench/results/$STAMP
mkdir -p "$RESULTS"
export DJANGO_SETTINGS_MODULE=bench.settings
GUNICORN_PID=""
ECHO_PG_DIR=""
# The upload scenario writes megabytes per request: into a folder of this run, removed after.
EVIDENCE_ROOT=""

cleanup() {
  if [ -n "$GUNICORN_PID" ]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi
  GUNICORN_PID=""
  if [ -n "$ECHO_PG_DIR" ]; then scripts/pg.sh stop "$ECHO_PG_DIR"; fi
  ECHO_PG_DIR=""
  if [ -n "$EVIDENCE_ROOT" ]; then rm -rf "$EVIDENCE_ROOT"; fi
  EVIDENCE_ROOT=""
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

IFS=, read -r -a SIZE_LIST <<<"$SIZES"
for SIZE in "${SIZE_LIST[@]}"; do
  echo "== $SIZE disputes" >&2
  eval "$(scripts/pg.sh start)"
  EVIDENCE_ROOT=$(mktemp -d -t echo-bench-evidence-XXXXXX)
  export EVIDENCE_ROOT
  $PY manage.py migrate --noinput -v 0
  started=$(date +%s)
  $PY manage.py seed_scale --disputes "$SIZE" -v 0
  echo "seeded in $(( $(date +%s) - started )) s" >&2
  $PY bench/prepare.py --fresh-orders "$FRESH_ORDERS" --files-dir "$RESULTS" \
    >"$RESULTS/params-$SIZE.json"
  PGVERSION=$(psql "$DATABASE_URL" -Atc "SHOW server_version" 2>/dev/null || echo unknown)

  PORT=$(free_port)
  GUNICORN_ACCESS_LOG="" .venv/bin/gunicorn -c echo_disputes/gunicorn_conf.py --bind "127.0.0.1:$PORT" \
    --workers "$WORKERS" ${GUNICORN_ARGS:-} --log-level warning \
    >"$RESULTS/gunicorn-$SIZE.log" 2>&1 &
  GUNICORN_PID=$!
  for _ in $(seq 1 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
    sleep 0.5
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz"

  $PY bench/drive.py --base "http://127.0.0.1:$PORT" --params "$RESULTS/params-$SIZE.json" \
    --size "$SIZE" --duration "$DURATION" --rounds "$ROUNDS" --connections "$CONNECTIONS" --only "$ONLY" \
    --out "$RESULTS/results-$SIZE.json"
  echo "$PGVERSION" >"$RESULTS/pg-version"
  cleanup
done

if [ "$REPORT" = 1 ]; then
  $PY bench/report.py --results "$RESULTS" --command "make bench BENCH_ARGS=\"${COMMAND#bench/run.sh }\"" \
    --workers "$WORKERS" --gunicorn-args "${GUNICORN_ARGS:-}" --out "$OUT"
  echo "report written to $OUT (raw results in $RESULTS)" >&2
fi
