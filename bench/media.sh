#!/usr/bin/env bash
# Load /media/<key> (counting on, redirect mode) and /bare/<key> (a redirect and
# nothing else) in the same app, on loopback, with wrk; then compare what wrk
# got answered with the hits the database stored. Not part of CI.
#
#   bench/media.sh                       # embedded shape: SQLite, local disk
#   DATABASE_URL=postgresql://127.0.0.1/bench bench/media.sh   # production database
#
# Settings: DURATION (60s), CONNECTIONS (200), THREADS (2), WORKERS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-60s}
CONNECTIONS=${CONNECTIONS:-200}
THREADS=${THREADS:-2}
WORKERS=${WORKERS:-2}
PORT=${PORT:-5099}
BIN=.venv/bin
UA='AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; sv_se)'

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -x "$BIN/gunicorn" ] || { python3 -m venv .venv && "$BIN/pip" install -q -e '.[test]'; }

WORK=$(mktemp -d)
trap 'kill "${GUNICORN:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
export PODHOST_INSTANCE_PATH="$WORK/instance" SECRET_KEY=bench MEDIA_DELIVERY=redirect
export STORAGE_PUBLIC_BASE_URL=https://cdn.example.invalid/media
if [ -n "${DATABASE_URL:-}" ]; then
  "$BIN/python" - <<'PY'
import os, psycopg
url = os.environ["DATABASE_URL"]
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
PY
fi

mkdir -p "$PODHOST_INSTANCE_PATH"
"$BIN/flask" --app app db upgrade >/dev/null
"$BIN/python" -c "from media.synth import synthesize; synthesize('$WORK/episode.mp3', 'mp3', seconds=120)"
"$BIN/flask" --app app shows create benchpodden --title Benchpodden --owner-email b@example.org >/dev/null
"$BIN/flask" --app app episodes add benchpodden "$WORK/episode.mp3" --title Bench --publish >/dev/null
KEY=$("$BIN/python" - <<'PY'
from app import create_app
from app.models import Episode
from app.extensions import db
with create_app().app_context():
    print(db.session.query(Episode).one().audio.storage_key)
PY
)

hits() {
  "$BIN/python" - <<'PY'
from sqlalchemy import func, select
from app import create_app
from app.extensions import db
from app.models import DownloadHit
with create_app().app_context():
    print(db.session.scalar(select(func.count()).select_from(DownloadHit)))
PY
}

"$BIN/gunicorn" --bind "127.0.0.1:$PORT" --workers "$WORKERS" --backlog 2048 \
  --access-logfile /dev/null 'bench.app:create_bench_app()' 2>"$WORK/gunicorn.log" &
GUNICORN=$!
for _ in $(seq 50); do curl -fso /dev/null "http://127.0.0.1:$PORT/privacy" && break; sleep 0.2; done

DATABASE=SQLite; [ -n "${DATABASE_URL:-}" ] && DATABASE=PostgreSQL
echo "machine: $(nproc) cores; database: $DATABASE; workers: $WORKERS; $CONNECTIONS connections, $DURATION each"
for route in media bare; do
  before=$(hits)
  line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -H "User-Agent: $UA" \
    -s bench/count.lua "http://127.0.0.1:$PORT/$route/$KEY" | grep '^RESULT')
  sleep 1  # the workers write their last batch within ANALYTICS_BUFFER_SECONDS
  after=$(hits)
  echo "$route: ${line#RESULT } hits_stored=$((after - before))"
done
