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

# One article changes on its portal (the sample server's control API appends a paragraph),
# and a re-crawl that revalidates every archived article captures it again: the archive
# then holds two versions of it, and its page shows the diff.
DEMO_PORTAL=sample-sp2010
DEMO_ARTICLE=1513   # "Liên hoan văn nghệ quần chúng mừng Đảng, mừng Xuân 2024"
DEMO_URL="${VNARCHIVE_SAMPLES_URL}/${DEMO_PORTAL}/lien-hoan-van-nghe-quan-chung-mung-dang-mung-xuan-2024/"
echo "==> editing one sample article through the sample server's control API, then re-crawling"
curl -fsS -X POST -d "edit=${DEMO_ARTICLE}" "${VNARCHIVE_SAMPLES_URL}/_control/${DEMO_PORTAL}" >/dev/null
"$BIN/vnarchive" crawl "$DEMO_PORTAL" --full --no-health

echo "==> indexing the archive"
"$BIN/vnarchive" index

echo "==> a search from the command line: vnarchive search 'tuyen hoa'"
"$BIN/vnarchive" search "tuyen hoa" --per-page 3 || true

DEMO_ID=$("$BIN/python" -c "import sys; from indexer.store.archive import ArchiveStore
a = ArchiveStore().find_article_by_url(sys.argv[1]); print(a['id'] if a else '')" "$DEMO_URL")
echo "==> an article with two versions and their diff:"
echo "    http://127.0.0.1:${WEB_PORT}/articles/${DEMO_ID}#versions"

if [ "${VNARCHIVE_DEMO_SERVE:-1}" = "0" ]; then
  exit 0  # (tests: stop before serving)
fi
echo "==> the search page: http://127.0.0.1:${WEB_PORT}/  (Ctrl-C to stop)"
"$BIN/vnarchive" serve --port "$WEB_PORT"
