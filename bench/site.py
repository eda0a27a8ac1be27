"""Time to first byte and transfer size of the embed page and the episode page.

A show of 1,000 episodes, each stored through the services with five chapters
and a Swedish transcript of a half-hour episode (360 cues, about 28,000
characters of words drawn at random, which compress about as well as speech;
the measured episode also has an English one of an hour), served by gunicorn
on loopback. Cold: the first request for the page to a fresh server process
(booted and answering, but with no page template compiled and no query run),
with nothing cached in the "browser" (the page and every static file it loads).
Warm: the median of further requests, where a browser already holds the
year-cached static files. Sizes are given as sent with ``Accept-Encoding: gzip``
(what browsers send) and uncompressed.

    .venv/bin/python bench/site.py                 # embedded: SQLite + local disk
    .venv/bin/python bench/site.py --database-url postgresql://127.0.0.1:5432/DB

Loopback only; it runs for well under a minute.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import random
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
CUES = 360  # five seconds each: a half-hour episode
# The words of the Swedish privacy page, drawn at random: text that compresses about
# as well as speech does (one line repeated would make gzip look far better than it is).
VOCABULARY = sorted(
    set(
        re.findall(
            r"\w+",
            re.sub(
                r"<[^>]+>|{[^}]*}",
                " ",
                (ROOT / "app" / "templates" / "analytics" / "privacy_sv.html").read_text(),
            ),
        )
    )
)
PLACES = "Lindängen, Holma, Kroksbäck och Rosengård"
NOTES = "Boende och forskare om upprustningen av miljonprogrammets hus i Malmö."
CHAPTERS = [{"start": n * 360, "title": f"Del {n + 1}"} for n in range(5)]
MEASURED = "avsnitt-500"


def transcript(language: str, seed: int = 0, cues: int = CUES) -> bytes:
    """A WebVTT file of ``CUES`` five-second cues of about 75 characters, a speaker
    now and then, and the places the search benchmark looks for in every tenth cue."""
    pick = random.Random(f"{language}{seed}")
    blocks = ["WEBVTT"]
    for n in range(cues):
        start, end = n * 5, n * 5 + 5
        voice = "<v Programledare>" if n % 10 == 0 else ""
        words = " ".join(pick.choices(VOCABULARY, k=11))
        line = f"{words} {PLACES}" if n % 10 == 5 else words
        blocks.append(f"{_stamp(start)} --> {_stamp(end)}\n{voice}{line.capitalize()}.")
    return "\n\n".join(blocks).encode()


def _stamp(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.000"


def seed(env: dict[str, str]) -> tuple[str, str]:
    """Migrate, create the show and 1,000 published episodes; return show and episode slugs."""
    import io

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Episode
    from app.services.feed_extras import add_transcript, set_chapters
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
        db.session.add_all(
            Episode(
                show_id=first.show_id,
                guid=str(uuid.uuid4()),
                slug=f"avsnitt-{n}",
                title=f"Avsnitt {n}",
                description=NOTES,
                audio_id=first.audio_id,
                published_at=start + timedelta(days=n),
            )
            for n in range(1, EPISODES)
        )
        db.session.commit()
        for n in range(EPISODES):
            slug = f"avsnitt-{n}"
            set_chapters("bench", slug, CHAPTERS)
            add_transcript("bench", slug, "sv", io.BytesIO(transcript("sv", n)), "avsnitt.vtt")
        hour = transcript("en", cues=2 * CUES)  # the measured episode's English one is an hour
        add_transcript("bench", MEASURED, "en", io.BytesIO(hour), "episode.vtt")
        db.engine.dispose()
    return "bench", MEASURED


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


def fetch(port: int, path: str, gzip_ok: bool = True) -> tuple[float, bytes, bytes]:
    """Seconds to the first byte of the response, the bytes sent and the body they make."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    first_byte = time.perf_counter() - started
    sent = response.read()
    packed = response.getheader("Content-Encoding") == "gzip"
    connection.close()
    return first_byte, sent, gzip.decompress(sent) if packed else sent


def measure(port: int, path: str) -> dict[str, float]:
    cold_ttfb, sent, html = fetch(port, path)
    assets = [fetch(port, a.decode()) for a in re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)]
    warm = [fetch(port, path)[0] for _ in range(WARM_RUNS)]
    plain = fetch(port, path, gzip_ok=False)[1]
    return {
        "cold_ttfb_ms": cold_ttfb * 1000,
        "cold_kb": (len(sent) + sum(len(a[1]) for a in assets)) / 1024,
        "warm_ttfb_ms": statistics.median(warm) * 1000,
        "warm_kb": len(sent) / 1024,
        "plain_kb": (len(plain) + sum(len(a[2]) for a in assets)) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL of an empty database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        # No hub: nothing is announced to the public one from a benchmark.
        env = {"PODHOST_INSTANCE_PATH": instance, "SECRET_KEY": "bench", "WEBSUB_HUB_URL": ""}
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        started = time.monotonic()
        show, episode = seed(env)
        print(f"seeded {EPISODES} episodes in {time.monotonic() - started:.0f} s")
        pages = {
            "embed": f"/embed/{show}/{episode}",
            "embed, compact": f"/embed/{show}/{episode}?compact=1",
            "embed, 1 h (en)": f"/embed/{show}/{episode}?transcript=en",
            "episode page": f"/{show}/episodes/{episode}",
            "show page": f"/{show}/",
            "search": "/search?q=kroksb%C3%A4ck+lind",
        }
        print(
            f"{'page':<16} {'cold TTFB':>10} {'cold KB':>8} {'warm TTFB':>10} {'warm KB':>8}"
            f" {'cold KB unzipped':>17}"
        )
        for name, path in pages.items():
            port = free_port()
            server = start_server(env, port)
            try:
                result = measure(port, path)
            finally:
                server.terminate()
                server.wait(timeout=10)
            print(
                f"{name:<16} {result['cold_ttfb_ms']:>8.1f}ms {result['cold_kb']:>8.1f}"
                f" {result['warm_ttfb_ms']:>8.1f}ms {result['warm_kb']:>8.1f}"
                f" {result['plain_kb']:>17.1f}"
            )


if __name__ == "__main__":
    main()
