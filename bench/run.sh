#!/usr/bin/env bash
# Feed benchmark (not part of CI): installs wrk from apt if missing, then runs
# bench/feed_bench.py against SQLite, or PostgreSQL with BENCH_DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
    apt-get update -q && apt-get install -y -q wrk
fi
if ! command -v curl >/dev/null; then
    apt-get install -y -q curl
fi
exec .venv/bin/python bench/feed_bench.py "$@"
