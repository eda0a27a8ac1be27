"""Time to first byte and transfer size of the embed page and the episode page.

A show of 1,000 episodes, each with show notes of transcript length (about
6,000 characters: the transcript model does not exist yet, so the notes stand
in for it in the pages and the search index), served by gunicorn on loopback.
Cold: the first request for the page to a fresh server process (booted and
answering, but with no page template compiled and no query run), with nothing cached in the
"browser" (the page and every static file it loads). Warm: the median of
further requests, where a browser already holds the year-cached static files.

    .venv/bin/python bench/site.py                 # embedded: SQLite + local disk
    .venv/bin/python bench/site.py --database-url postgresql://127.0.0.1:5432/DB

Loopback only; it runs for well under a minute.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EPISODES = 1000
WARM_RUNS = 20
NOTES_WORDS = "Vi pratar om Lindängen, Holma, Kroksbäck och Rosengård och om husens framtid. "


def seed(env: dict[str, str]) -> tuple[str, str]:
    """Migrate, create the show and 1,000 published episodes; return show and episode slugs."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Episode
    from app.services.shows import create_show
    from media.synth import synthesize

    os.environ.update(env)
    app = create_app()
    with app.app_context():
        upgrade()
        create_show("bench", title="Benchpodden", language="sv", owner_email="b@example.org")
        from app.services.episodes import add_episode

        with tempfile.TemporaryDirectory() as folder:
            audio = synthesize(Path(folder) / "a.mp3", "mp3", 5.0, 330.0)
            with audio.open("rb") as stream:
                first = add_episode("bench", stream, title="Avsnitt 0", description="Start.")
        start = datetime(2020, 1, 1, tzinfo=UTC)
        notes = NOTES_WORDS * 80
        db.session.add_all(
            Episode(
                show_id=first.show_id,
                guid=str(uuid.uuid4()),
                slug=f"avsnitt-{n}",
                title=f"Avsnitt {n}",
                description=notes,
                audio_id=first.audio_id,
                published_at=start + timedelta(days=n),
            )
            for n in range(1, EPISODES)
        )
        db.session.commit()
        db.engine.dispose()
    return "bench", "avsnitt-500"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "app:create_app()",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            fetch(port, "/robots.txt")  # the worker is up; no page template has been used yet
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def fetch(port: int, path: str) -> tuple[float, bytes]:
    """Seconds to the first byte of the response, and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    first_byte = time.perf_counter() - started
    body = response.read()
    connection.close()
    return first_byte, body


def measure(port: int, path: str) -> dict[str, float]:
    cold_ttfb, html = fetch(port, path)
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
    cold_bytes = len(html) + sum(len(fetch(port, a.decode())[1]) for a in assets)
    warm = [fetch(port, path)[0] for _ in range(WARM_RUNS)]
    return {
        "cold_ttfb_ms": cold_ttfb * 1000,
        "cold_kb": cold_bytes / 1024,
        "warm_ttfb_ms": statistics.median(warm) * 1000,
        "warm_kb": len(html) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL of an empty database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        env = {"PODHOST_INSTANCE_PATH": instance, "SECRET_KEY": "bench"}
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        show, episode = seed(env)
        pages = {
            "embed": f"/embed/{show}/{episode}",
            "episode page": f"/{show}/episodes/{episode}",
            "show page": f"/{show}/",
            "search": "/search?q=kroksb%C3%A4ck+lind",
        }
        print(f"{'page':<14} {'cold TTFB':>10} {'cold KB':>8} {'warm TTFB':>10} {'warm KB':>8}")
        for name, path in pages.items():
            port = free_port()
            server = start_server(env, port)
            try:
                result = measure(port, path)
            finally:
                server.terminate()
                server.wait(timeout=10)
            print(
                f"{name:<14} {result['cold_ttfb_ms']:>8.1f}ms {result['cold_kb']:>8.1f}"
                f" {result['warm_ttfb_ms']:>8.1f}ms {result['warm_kb']:>8.1f}"
            )


if __name__ == "__main__":
    main()
