"""``analytics SHOW [--csv]``, ``analytics-aggregate`` and ``user-agents refresh``."""

from __future__ import annotations

import shutil
import threading
from datetime import timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.analytics.agents import FILES, SHIPPED_DATA
from app.models import utcnow
from app.services.episodes import add_episode

APPLE = "AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; sv_se)"


@pytest.fixture
def downloaded(app, show, audio_dir):
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as audio:
        episode = add_episode(
            show, audio, title="Första", published_at=utcnow() - timedelta(hours=1)
        )
        key = episode.audio.storage_key
    app.test_client().get(f"/media/{key}", headers={"User-Agent": APPLE})


def test_report(runner, show, downloaded):
    result = runner.invoke(args=["analytics", show])
    assert result.exit_code == 0, result.output
    assert "Testpodden: 1 downloads" in result.output
    assert "Första" in result.output
    assert "AppleCoreMedia" in result.output


def test_csv(runner, show, downloaded):
    result = runner.invoke(args=["analytics", show, "--csv"])
    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()
    assert header == "date,episode_guid,episode_slug,episode_title,app,platform,downloads"
    assert row.endswith(",Första,AppleCoreMedia,Apple iPhone,1")


def test_unknown_show(runner):
    result = runner.invoke(args=["analytics", "nope"])
    assert result.exit_code == 1
    assert "There is no show called “nope”" in result.output


def test_aggregate(runner, downloaded):
    result = runner.invoke(args=["analytics-aggregate"])
    assert result.exit_code == 0, result.output
    assert "0 hits older than 30 days removed" in result.output


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def lists_server(tmp_path):
    """A loopback HTTP server publishing the lists the way the upstream build folder does."""
    folder = tmp_path / "upstream"
    folder.mkdir()
    for name in FILES:
        shutil.copy(SHIPPED_DATA / f"{name}.json", folder / f"{name}.runtime.json")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_refresh_downloads_every_list(app, runner, tmp_path, lists_server):
    upstream, url = lists_server
    (upstream / "bots.runtime.json").write_text(
        '{"entries": [{"name": "Only bot", "pattern": "^OnlyBot/"}]}'
    )
    app.config["USER_AGENTS_DIR"] = str(tmp_path / "lists")
    result = runner.invoke(args=["user-agents", "refresh", "--url", url])
    assert result.exit_code == 0, result.output
    assert "1 bots" in result.output
    assert (tmp_path / "lists" / "bots.json").read_text().count("Only bot") == 1
    assert sorted(p.name for p in (tmp_path / "lists").iterdir()) == sorted(
        f"{name}.json" for name in FILES
    )


def test_refresh_refuses_a_broken_list_and_keeps_the_old(app, runner, tmp_path, lists_server):
    upstream, url = lists_server
    (upstream / "apps.runtime.json").write_text("<html>rate limited</html>")
    dest = tmp_path / "lists"
    dest.mkdir()
    (dest / "apps.json").write_text("old")
    app.config["USER_AGENTS_DIR"] = str(dest)
    result = runner.invoke(args=["user-agents", "refresh", "--url", url])
    assert result.exit_code == 1
    assert "apps.runtime.json: not an OPAWG pattern file" in result.output
    assert "unchanged" in result.output
    assert [p.name for p in dest.iterdir()] == ["apps.json"]
    assert (dest / "apps.json").read_text() == "old"


def test_refresh_without_network_says_so(app, runner, tmp_path, lists_server):
    upstream, url = lists_server
    (upstream / "devices.runtime.json").unlink()
    app.config["USER_AGENTS_DIR"] = str(tmp_path / "lists")
    result = runner.invoke(args=["user-agents", "refresh", "--url", url])
    assert result.exit_code == 1
    assert "devices.runtime.json answered 404" in result.output
    closed = runner.invoke(args=["user-agents", "refresh", "--url", "http://127.0.0.1:9"])
    assert closed.exit_code == 1
    assert "cannot download http://127.0.0.1:9/bots.runtime.json" in closed.output
    assert not (tmp_path / "lists").exists()
