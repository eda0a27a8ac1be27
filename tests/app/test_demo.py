"""The README's promise: migrate, seed the demo and serve it with the Procfile's gunicorn.

The feed is fetched over real HTTP and read by podcastparser and feedparser,
and every enclosure is downloaded to check its advertised length.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import feedparser
import podcastparser
import pytest

from app.demo import DEMO_EPISODES, DEMO_SLUG

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_command(kind: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {kind} process in the Procfile")


def demo_env(backend: str, app_config: dict, instance: Path, port: int) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "STORAGE_", "S3_"))
    }
    env.update(
        PODHOST_INSTANCE_PATH=str(instance),
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        PORT=str(port),
        WEB_CONCURRENCY="2",
        WEBSUB_HUB_URL="",  # no pings from the tests to the public hub
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    if backend == "production":
        options = app_config["STORAGE_OPTIONS"]
        env.update(
            DATABASE_URL=app_config["SQLALCHEMY_DATABASE_URI"],
            SECRET_KEY="demo-test-secret",
            STORAGE_URL=app_config["STORAGE_URL"],
            S3_ENDPOINT_URL=options["endpoint_url"],
            S3_REGION=options["region"],
            S3_ADDRESSING_STYLE="path",
            S3_ACCESS_KEY_ID=options["access_key_id"],
            S3_SECRET_ACCESS_KEY=options["secret_access_key"],
        )
    return env


def run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def wait_until_up(url: str, server: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


@pytest.fixture
def served_demo(app, backend, app_config, tmp_path):
    """Migrate and seed through the CLI, then serve with the Procfile's web command."""
    port = free_port()
    env = demo_env(backend, app_config, tmp_path / "instance", port)
    run(env, "db", "upgrade")
    seeded = run(env, "demo", "--seconds", "3")
    assert "Studio login at /studio: demo@example.org / " in seeded
    again = run(env, "demo")
    assert "already exists" in again
    # A restart prints no password, but how to get a login back.
    assert "users reset-link demo@example.org" in again and seeded.split(" / ")[-1] not in again
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        ["bash", "-c", f"exec {procfile_command('web')}"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", server, tmp_path / "gunicorn.log")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def test_demo_feed_over_http_is_accepted_by_podcast_parsers(served_demo):
    feed_url = f"{served_demo}/{DEMO_SLUG}/feed.xml"
    data = fetch(feed_url)

    parsed = podcastparser.parse(feed_url, io.BytesIO(data))
    assert parsed["title"] == "Miljonprogramspodden"
    titles = [
        item.title for item in sorted(DEMO_EPISODES, key=lambda e: e.published_at, reverse=True)
    ]
    assert [e["title"] for e in parsed["episodes"]] == titles
    for episode in parsed["episodes"]:
        assert episode["total_time"] == 3
        [enclosure] = episode["enclosures"]
        assert enclosure["mime_type"] == "audio/mpeg"
        assert enclosure["file_size"] == len(fetch(enclosure["url"]))

    feed = feedparser.parse(data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.language == "sv"
    assert len(fetch(feed.feed.image.href)) > 0
    for entry in feed.entries:
        assert entry.itunes_duration == "3"


def test_demo_pages_play_the_episodes(served_demo):
    show_page = fetch(f"{served_demo}/{DEMO_SLUG}/").decode()
    assert "Miljonprogramspodden" in show_page
    episode_page = fetch(
        f"{served_demo}/{DEMO_SLUG}/episodes/rosengard-framtidens-stadsdel"
    ).decode()
    assert '<audio controls preload="none"' in episode_page


def test_demo_episode_page_shows_its_chapters_and_transcript(served_demo):
    page = fetch(f"{served_demo}/{DEMO_SLUG}/episodes/lindangen-att-bo-i-miljonprogrammet")
    html = page.decode()
    assert "Husen och upprustningen" in html  # a chapter
    assert "Husen byggdes i slutet av sextiotalet och ska nu rustas upp." in html
    search = fetch(f"{served_demo}/search?q=hyrorna").decode()
    assert "Lindängen: att bo i miljonprogrammet" in search
