"""Chapters and transcripts on the episode page and in the player, from real rows."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import StoredFile, Transcript
from app.services.analytics import set_analytics_prefix
from app.services.episodes import add_episode
from app.services.feed_extras import add_transcript, remove_transcript, set_chapters
from app.storage import current_storage
from tests.app.conftest import row_counts, stored_keys

EPISODE = "/testpodden/episodes/avsnitt"
EMBED = "/embed/testpodden/avsnitt"
SV = """WEBVTT

00:00:00.000 --> 00:00:04.500
<v Programledare>Välkommen till Lindängen.

00:00:04.500 --> 00:00:09.000
Här står husen från sextiotalet.
""".encode()
EN = b"1\n00:00:00,000 --> 00:00:04,500\nWelcome to Lindangen.\n"


@pytest.fixture
def episode(app, show, audio_dir) -> str:
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as audio:
        return add_episode(
            show, audio, title="Avsnitt", published_at=datetime(2025, 1, 1, tzinfo=UTC)
        ).slug


def transcript(app, show, episode, language, data) -> None:
    with app.app_context():
        add_transcript(show, episode, language, io.BytesIO(data), f"avsnitt.{language}")


@pytest.fixture
def full(app, show, episode) -> str:
    """The episode with two chapters and transcripts in Swedish and English."""
    with app.app_context():
        set_chapters(show, episode, [{"start": 4.5, "title": "Husen"}, {"start": 0, "title": "In"}])
    transcript(app, show, episode, "sv", SV)
    transcript(app, show, episode, "en", EN)
    return episode


def page(client, path: str, language: str = "sv") -> str:
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("path", [EPISODE, EMBED])
def test_chapters_and_transcript_are_in_the_html(client, full, path):
    html = page(client, path)
    assert re.findall(r'data-start="([^"]+)"><span class="start">', html) == ["0", "4.5"]
    assert '<ol lang="sv">' in html
    assert (
        '<li data-cue data-start="0" data-end="4.5"><a class="cue-time" href="#t=0" '
        'data-seek-to="0">0:00</a> <span class="speaker">Programledare:</span> '
        "Välkommen till Lindängen.</li>"
    ) in html
    assert "Här står husen från sextiotalet." in html


@pytest.mark.parametrize("path", [EPISODE, EMBED])
def test_the_page_language_picks_the_transcript_and_links_to_the_others(client, full, path):
    english = page(client, path + "?lang=en")
    assert '<ol lang="en">' in english and "Welcome to Lindangen." in english
    assert "Välkommen till Lindängen." not in english
    link = re.search(r'<a href="([^"]+)" lang="sv" hreflang="sv">svenska</a>', english)
    assert link, "no link to the Swedish transcript"
    chosen = page(client, link.group(1).replace("&amp;", "&"))
    assert '<ol lang="sv">' in chosen
    assert "Transcript in:" in chosen  # the link kept ?lang=en
    # A page language with no transcript of its own gets the show's, then the first one.
    with_german_browser = page(client, path, language="de")
    assert '<ol lang="sv">' in with_german_browser


def test_one_transcript_needs_no_language_links(app, client, show, episode):
    transcript(app, show, episode, "sv", SV)
    html = page(client, EPISODE + "?lang=en")
    assert '<ol lang="sv">' in html  # the only one, whatever the page's language
    assert "transcript-languages" not in html


def test_no_chapters_or_transcript_leaves_the_sections_out(client, episode):
    html = page(client, EPISODE)
    assert 'class="chapters"' not in html and 'class="transcript"' not in html


def test_compact_embed_leaves_the_transcript_out(client, full):
    assert 'class="transcript"' not in page(client, EMBED + "?compact=1")


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def listener(connection, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_pages_read_no_storage_and_make_the_same_queries_however_long(app, client, full):
    """The cues come parsed from the database: with the files gone the pages still show them.

    And the number of queries does not grow with the chapters and cues: no N+1.
    """
    with app.app_context():
        keys = db.session.scalars(
            select(StoredFile.storage_key).join(Transcript, Transcript.file_id == StoredFile.id)
        ).all()
        for key in keys:
            current_storage().delete(key)
    counts = []
    for _ in range(2):
        with app.app_context(), counting_queries() as statements:
            for path in (EPISODE, EMBED):
                html = page(client, path)
                assert "Välkommen till Lindängen." in html or "Rad 59." in html
        counts.append(len(statements))
        with app.app_context():
            set_chapters(
                "testpodden",
                full,
                [{"start": n, "title": f"Kapitel {n}"} for n in range(40)],
            )
        long = "WEBVTT\n\n" + "\n\n".join(
            f"00:00:{n:02d}.000 --> 00:00:{n:02d}.900\nRad {n}." for n in range(60)
        )
        transcript(app, "testpodden", full, "sv", long.encode())
    assert counts[0] == counts[1]
    assert counts[0] <= 18  # the cover and the credits add a fixed few


def test_replacing_and_removing_transcripts_leaves_no_orphans(app, show, episode):
    before_rows, before_keys = row_counts(app), stored_keys(app)
    transcript(app, show, episode, "sv", SV)
    transcript(app, show, episode, "sv", SV.replace(b"husen", b"skolan"))
    assert len(stored_keys(app)) == len(before_keys) + 1
    with app.app_context():
        remove_transcript(show, episode, "sv")
    assert (row_counts(app), stored_keys(app)) == (before_rows, before_keys)


def test_player_and_download_links_carry_the_analytics_prefix(app, client, show, episode):
    with app.app_context():
        set_analytics_prefix(show, "https://op3.dev/e/")
    for path in (EPISODE, EMBED):
        html = page(client, path)
        audio = re.search(r'<audio controls preload="none" src="([^"]+)"', html)
        assert audio, path
        assert audio.group(1).startswith("https://op3.dev/e/podcasts.test/media/testpodden/")
        downloads = re.findall(r'<a href="([^"]+)" download>', html)
        assert downloads == [audio.group(1)]
    feed = client.get(f"/{show}/feed.xml").get_data(as_text=True)
    assert f'url="{audio.group(1)}"' in feed  # the same address the feed counts


def test_episode_page_and_embed_answer_304_when_unchanged(client, full):
    for path in (EPISODE, EMBED):
        first = client.get(path)
        assert first.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        assert again.data == b""


@pytest.mark.parametrize("path", [EPISODE, EMBED, "/", "/testpodden/", "/search?q=husen"])
def test_pages_are_gzipped_when_accepted_with_their_own_etag(client, full, path):
    import gzip

    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert plain.headers.get("Content-Encoding") is None
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) * 0.75
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = client.get(
        path, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_replaced_transcript_is_shown_at_once(app, client, show, full, language):
    """Rendered cue lists are kept in memory; a replacement must never show the old one.

    English is the newest row: SQLite may give its replacement the same id.
    """
    path = EPISODE + f"?transcript={language}"
    assert "Welcome to Lindangen." in page(client, path) or "husen" in page(client, path)
    replacement = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nOm skolan.\n"
    transcript(app, show, full, language, replacement)
    html = page(client, path)
    assert "Om skolan." in html
    assert "Welcome to Lindangen." not in html and "husen" not in html


def test_transcripts_are_hashed_when_stored_and_a_missing_hash_mixes_nothing(
    app, client, show, full, audio_dir
):
    """Cue lists are cached by the file's hash. Only audio uploaded straight to S3 waits for
    its hash (app/services/hashes.py); transcripts never do, and if one did, two
    transcripts with no hash must not share a cached list."""
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as audio:
        other = add_episode(
            show, audio, title="Andra", published_at=datetime(2025, 1, 2, tzinfo=UTC)
        ).slug
    transcript(app, show, other, "sv", b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nOm skolan.\n")
    with app.app_context():
        hashes = db.session.scalars(
            select(StoredFile.sha256).join(Transcript, Transcript.file_id == StoredFile.id)
        ).all()
        assert len(hashes) == 3 and all(len(h) == 64 for h in hashes)
        db.session.execute(
            StoredFile.__table__.update()
            .where(StoredFile.id.in_(select(Transcript.file_id)))
            .values(sha256="")
        )
        db.session.commit()
    first = page(client, EPISODE + "?transcript=sv")
    second = page(client, f"/{show}/episodes/{other}?transcript=sv")
    assert "husen" in first and "Om skolan." not in first
    assert "Om skolan." in second and "husen" not in second
