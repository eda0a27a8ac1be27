"""Export a show as one archive, import it into an empty instance: the same feed comes back."""

from __future__ import annotations

import hashlib
import json
import zipfile

from sqlalchemy import select, update

from app.extensions import db
from app.models import Episode, StoredFile
from tests.app.conftest import row_counts, stored_keys
from tests.app.imports.helpers import published_feed, run_import
from tests.app.imports.source import buzzsprout_feed, episodes, serve_audio
from tests.app.imports.test_hosts import CHAPTERS, VTT
from tests.support.audio import tiny_png


def rich_show(app, source, artwork, audio_dir) -> str:
    """An imported show with chapters, transcripts and persons, plus fields set by hand."""
    from app.services import directories, feed_extras

    items = episodes(audio_dir / "tone.mp3", 3, prefix="Buzzsprout")
    serve_audio(source, items)
    for number, item in enumerate(items, start=1):
        source.file(f"/{number}/chapters.json", CHAPTERS, "application/json")
        source.file(f"/{number}/t.vtt", VTT, "text/vtt")
        item.extra = (
            f'<podcast:transcript url="{source.url(f"/{number}/t.vtt")}" type="text/vtt" />'
            f'<podcast:chapters url="{source.url(f"/{number}/chapters.json")}" />'
        )
    anna = source.file("/people/anna.png", tiny_png(), "image/png")
    feed = buzzsprout_feed(source, items, artwork, locked=False, person_img=anna)
    slug, _ = run_import(app, source.file("/rss", feed, "application/rss+xml"))
    with app.app_context():
        feed_extras.update_show_feed(slug, locked=True, locked_owner="kultur@malmo.se")
        directories.set_directory_link(slug, "apple", "https://podcasts.apple.com/se/podcast/id1")
        episode = published_episode_slug(slug)
        feed_extras.update_episode_feed(
            slug, episode, soundbites=[{"start": 1, "duration": 1.5, "title": "Bästa biten"}]
        )
    return slug


def published_episode_slug(slug: str) -> str:
    from app.services.episodes import published_episodes
    from app.services.shows import get_show

    return published_episodes(get_show(slug))[0].slug


def export(app, slug: str, path) -> dict:
    from app.services.exports import export_show

    with app.test_request_context(), path.open("wb") as out:
        return export_show(slug, out)


def test_export_then_import_into_an_empty_instance_gives_the_same_feed(
    app, fresh_app, source, artwork, audio_dir, tmp_path
):
    slug = rich_show(app, source, artwork, audio_dir)
    original = published_feed(app, slug)
    archive = tmp_path / "show.zip"
    manifest = export(app, slug, archive)

    with zipfile.ZipFile(archive) as opened:
        names = set(opened.namelist())
        assert opened.read("feed.xml") == original
        assert json.loads(opened.read("manifest.json")) == manifest
    # Every object of the instance belongs to this show, so every one is in the archive.
    assert {f"files/{key}" for key in stored_keys(app)} == {
        entry["archive_path"] for entry in manifest["stored_files"]
    }
    assert {entry["archive_path"] for entry in manifest["stored_files"]} <= names
    for table in ("shows", "episodes", "chapters", "transcripts", "persons", "directory_links"):
        assert manifest["tables"][table], table
    assert any(person["img_file_id"] for person in manifest["tables"]["persons"])

    runner = fresh_app.test_cli_runner()
    result = runner.invoke(args=["shows", "import", str(archive)])
    assert result.exit_code == 0, result.output

    restored = published_feed(fresh_app, slug)
    normalized = restored.replace(b"https://pod.malmo.se", b"http://podcasts.test")
    assert normalized.decode().splitlines() == original.decode().splitlines()
    assert restored != original  # the URLs did change to the new host
    assert len(stored_keys(fresh_app)) == len(manifest["stored_files"])
    assert row_counts(fresh_app)["episodes"] == 3


def test_cli_export_writes_the_archive_and_a_damaged_one_imports_nothing(
    app, fresh_app, source, artwork, audio_dir, tmp_path
):
    slug = rich_show(app, source, artwork, audio_dir)
    target = tmp_path / "out.zip"
    result = app.test_cli_runner().invoke(args=["shows", "export", slug, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "3 episodes" in result.output

    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(target) as good, zipfile.ZipFile(damaged, "w") as bad:
        audio = next(n for n in good.namelist() if n.endswith(".mp3"))
        for name in good.namelist():
            data = good.read(name)
            bad.writestr(name, data[:-100] + b"x" * 100 if name == audio else data)
    result = fresh_app.test_cli_runner().invoke(args=["shows", "import", str(damaged)])
    assert result.exit_code == 1
    assert "damaged" in result.output
    assert stored_keys(fresh_app) == []
    assert row_counts(fresh_app) == {key: 0 for key in row_counts(fresh_app)}


def test_an_export_never_carries_an_empty_hash(
    app, fresh_app, source, artwork, audio_dir, tmp_path
):
    """Audio uploaded straight to S3 waits for the worker's hash; an export computes it."""
    slug = rich_show(app, source, artwork, audio_dir)
    with app.app_context():
        pending = db.session.scalar(select(Episode.audio_id).order_by(Episode.id).limit(1))
        db.session.execute(update(StoredFile).where(StoredFile.id == pending).values(sha256=""))
        db.session.commit()
    archive = tmp_path / "show.zip"
    manifest = export(app, slug, archive)

    [entry] = [e for e in manifest["stored_files"] if e["id"] == pending]
    with zipfile.ZipFile(archive) as opened:
        assert entry["sha256"] == hashlib.sha256(opened.read(entry["archive_path"])).hexdigest()
    assert all(len(e["sha256"]) == 64 for e in manifest["stored_files"])
    with app.app_context():
        assert db.session.get(StoredFile, pending).sha256 == entry["sha256"]
    result = fresh_app.test_cli_runner().invoke(args=["shows", "import", str(archive)])
    assert result.exit_code == 0, result.output
    assert row_counts(fresh_app)["episodes"] == 3
