#!/usr/bin/env bash
# The demo: serve the bundled sample portals, crawl them all, index them, serve the search page.
# Usage: scripts/demo.sh [WEB_PORT] [SAMPLES_PORT]   (run through `make demo`)
set -euo pipefail
cd "$(dirname "$0")/.."
WEB_PORT=${1:-8000}
SAMPLES_PORT=${2:-8765}
export VNARCHIVE_SAMPLES_URL="http://127.0.0.1:${SAMPLES_PORT}"
BIN=.venv/bin
DATA=${VNARCHIVE_DATA:-data}
mkdir -p "$DATA/logs"

echo "==> serving the sample portals on ${VNARCHIVE_SAMPLES_URL}"
"$BIN/vnarchive" samples serve --port "$SAMPLES_PORT" >"$DATA/logs/samples-server.log" 2>&1 &
SAMPLES_PID=$!
trap 'kill $SAMPLES_PID 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 50); do
  curl -fsS "${VNARCHIVE_SAMPLES_URL}/" >/dev/null 2>&1 && break
  sleep 0.2
done

echo "==> crawling every sample portal into the archive"
"$BIN/vnarchive" crawl --all --samples

echo "==> indexing the archive"
"$BIN/vnarchive" index

echo "==> a search from the command line: vnarchive search 'tuyen hoa'"
"$BIN/vnarchive" search "tuyen hoa" --per-page 3 || true

echo "==> the search page: http://127.0.0.1:${WEB_PORT}/  (Ctrl-C to stop)"
"$BIN/vnarchive" serve --port "$WEB_PORT"
