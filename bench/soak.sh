#!/usr/bin/env bash
# make soak: a throwaway PostgreSQL, gunicorn (4 workers, echo_disputes/gunicorn_conf.py,
# bench.soak_settings: production throttles, DEBUG off), a baseline of honest traffic alone, then
# the soak (honest + login attacker + message flooder); then the Soak block of docs/benchmarks.md.
#
#   bench/soak.sh [--duration 10m] [--baseline 3m] [--honest 20] [--out docs/benchmarks.md]
#                 [--no-report]
#
# Everything listens on 127.0.0.1 only. Raw results stay in bench/results/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=10m
BASELINE=3m
HONEST=20
OUT=docs/benchmarks.md
REPORT=1
COMMAND="make soak SOAK_ARGS=\"$*\""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --baseline) BASELINE=$2; shift 2 ;;
    --honest) HONEST=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-report) REPORT=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "${SOAK_COMMAND:-}" ] && COMMAND=$SOAK_COMMAND

PY=${PY:-.venv/bin/python}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=bench/results/soak-$STAMP
mkdir -p "$RESULTS"
export DJANGO_SETTINGS_MODULE=bench.soak_settings DJANGO_DEBUG=0
GUNICORN_PID=""
ECHO_PG_DIR=""
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

eval "$(scripts/pg.sh start)"
EVIDENCE_ROOT=$(mktemp -d -t echo-soak-evidence-XXXXXX)
export EVIDENCE_ROOT
$PY manage.py migrate --noinput -v 0
$PY bench/soak_prepare.py --honest "$HONEST" --files-dir "$RESULTS" >"$RESULTS/params.json"
PGVERSION=$(psql "$DATABASE_URL" -Atc "SHOW server_version" 2>/dev/null || echo unknown)

PORT=$(free_port)
GUNICORN_ACCESS_LOG="" .venv/bin/gunicorn -c echo_disputes/gunicorn_conf.py \
  --bind "127.0.0.1:$PORT" --workers 4 --log-level warning >"$RESULTS/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  sleep 0.5
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz"

BASE="http://127.0.0.1:$PORT"
echo "== baseline: honest traffic alone for $BASELINE" >&2
$PY bench/soak.py --base "$BASE" --params "$RESULTS/params.json" --duration "$BASELINE" \
  --classes honest --honest "$HONEST" --phase 0 --out "$RESULTS/baseline.json"
echo "== soak: honest, attacker and flooder for $DURATION" >&2
# The honest users are measured by a load generator of their own, and the attacker and the
# flooder run in another one at a lower CPU priority: on one machine their generator would
# otherwise starve the honest users' event loop (its latencies would be the client's, not the
# desk's) and take the server's cores, which a real attacker's machine does not.
$PY bench/soak.py --base "$BASE" --params "$RESULTS/params.json" --duration "$DURATION" \
  --classes honest --honest "$HONEST" --phase 1 --out "$RESULTS/soak-honest.json" &
HONEST_PID=$!
nice -n 10 $PY bench/soak.py --base "$BASE" --params "$RESULTS/params.json" \
  --duration "$DURATION" --classes attacker,flooder --phase 1 --out "$RESULTS/soak-abuse.json"
wait "$HONEST_PID"
$PY - "$RESULTS" <<'PY'
import json, sys
from pathlib import Path
results = Path(sys.argv[1])
parts = [json.loads((results / name).read_text()) for name in ("soak-honest.json", "soak-abuse.json")]
merged = {
    "duration_s": parts[0]["duration_s"],
    "classes": sorted({c for part in parts for c in part["classes"]}),
    "by_class": {k: v for part in parts for k, v in part["by_class"].items()},
}
(results / "soak.json").write_text(json.dumps(merged, indent=1))
PY
cleanup

if [ "$REPORT" = 1 ]; then
  $PY bench/soak_report.py --baseline "$RESULTS/baseline.json" --soak "$RESULTS/soak.json" \
    --command "$COMMAND" --honest "$HONEST" --pg-version "$PGVERSION" --out "$OUT"
  echo "soak results written to $OUT (raw results in $RESULTS)" >&2
fi
