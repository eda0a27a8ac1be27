"""One machine as deploy/ describes it: SQLite, local disk, MEDIA_DELIVERY=accel behind nginx.

The app counts each request for audio and names the file; nginx sends it from
disk with the range asked for. Static files come from nginx, not from Flask.
"""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bench.cluster import (
    BIN,
    GUNICORN_CONF,
    ROOT,
    SECRET,
    SITE,
    free_port,
    render_site,
    start,
    wait_for,
    write_nginx_conf,
)
from tests.conftest import missing_service

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def one_machine(tmp_path_factory, audio_dir):
    """gunicorn on the embedded default and nginx in front, seeded with one episode."""
    if shutil.which("nginx") is None:
        missing_service("nginx not found (apt-get install nginx-light; make test installs it)")
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services.episodes import add_episode
    from app.services.shows import create_show

    tmp_path = tmp_path_factory.mktemp("one-machine")
    instance = tmp_path / "instance"
    instance.mkdir()
    public, node = free_port(), free_port()
    env = {
        **os.environ,
        "PODHOST_INSTANCE_PATH": str(instance),
        "SECRET_KEY": SECRET,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{public}",
        "MEDIA_DELIVERY": "accel",
        "TRUSTED_PROXIES": "127.0.0.1",
        "WEBSUB_HUB_URL": "",
        "ANNOUNCE_ON_COMMIT": "0",
        "ANALYTICS_BUFFER_SECONDS": "0",
        "PODHOST_BIND": f"127.0.0.1:{node}",
        "WEB_CONCURRENCY": "1",
    }
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET})
    with app.app_context():
        upgrade()
        create_show("enmaskin", title="En maskin", language="sv", owner_email="p@example.org")
        with (audio_dir / "tone.mp3").open("rb") as audio:
            episode = add_episode(
                "enmaskin", audio, title="Ett", published_at=datetime(2026, 11, 1, tzinfo=UTC)
            )
        key = episode.audio.storage_key
        db.engine.dispose()
    web = start(
        "web", [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "app:create_app()"], env, tmp_path
    )
    site = render_site(
        SITE.read_text(),
        listen=public,
        upstreams=[node],
        static_root=ROOT / "app" / "static",
        media_root=instance / "media",
        cache_dir=tmp_path / "cache",
    )
    conf = write_nginx_conf(tmp_path / "nginx", site)
    nginx = start(
        "nginx",
        ["nginx", "-c", str(conf), "-p", str(conf.parent), "-e", str(conf.parent / "error.log")],
        env,
        tmp_path,
    )
    try:
        wait_for(f"http://127.0.0.1:{node}/readyz", service=web)
        wait_for(f"http://127.0.0.1:{public}/healthz", service=nginx)
        media = (instance / "media" / key).read_bytes()
        yield app, f"http://127.0.0.1:{public}", key, media, web
    finally:
        nginx.stop()
        web.stop()


def test_nginx_sends_the_range_the_app_counted(one_machine):
    app, base, key, audio, _web = one_machine
    request = urllib.request.Request(
        f"{base}/media/{key}", headers={"Range": "bytes=100-1099", "User-Agent": "Overcast/3.0"}
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 206
        assert answer.headers["Content-Range"] == f"bytes 100-1099/{len(audio)}"
        assert answer.headers["Content-Type"] == "audio/mpeg"
        assert "X-Accel-Redirect" not in answer.headers
        assert answer.read() == audio[100:1100]
    from app.extensions import db

    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM download_hits")).scalar_one() == 1
        db.engine.dispose()


def test_the_internal_location_is_not_reachable_from_outside(one_machine):
    _app, base, key, _audio, _web = one_machine
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/_media/{key}")
    assert refused.value.code == 404
    refused.value.close()


def test_static_files_come_from_nginx(one_machine):
    """Last in this module: it stops the app."""
    _app, base, _key, _audio, web = one_machine
    web.stop()  # with the app gone, nginx still has them
    with urllib.request.urlopen(f"{base}/static/site.css") as answer:
        assert answer.read() == (ROOT / "app" / "static" / "site.css").read_bytes()
        assert "immutable" in answer.headers["Cache-Control"]
