"""Feed health through the service and ``flask --app app feeds check SHOW``."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
from lxml import etree
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import StoredFile
from app.services.episodes import add_episode
from app.services.errors import InvalidInput
from app.services.feed_health import feed_health
from app.services.shows import create_show, get_show, replace_artwork
from tests.app.conftest import row_counts, stored_keys
from tests.app.feeds.conftest import add


def artwork_png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (1400, 1400), (200, 40, 40)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


@pytest.fixture
def finished(app, audio_dir) -> str:
    """A show with everything a producer gives: its own description, author, category
    and artwork, and two episodes with show notes."""
    with app.app_context():
        create_show(
            "fardig",
            title="Färdigpodden",
            language="sv",
            description="Om hur staden byggs.",
            author="Malmö stad",
            owner_email="podd@example.org",
            category="Government",
            artwork=artwork_png(),
        )
    for day in (1, 2):
        add(app, "fardig", audio_dir, f"Avsnitt {day}", datetime(2025, 1, day, 7, tzinfo=UTC))
    return "fardig"


@pytest.fixture
def bare(app) -> str:
    """A new show with only what the smallest form asks for: everything else stands in."""
    with app.app_context():
        create_show("ny", title="Nypodden", language="sv", owner_email="podd@example.org")
    return "ny"


def codes(app, slug: str) -> list[str]:
    with app.app_context(), app.test_request_context():
        return [finding.code for finding in feed_health(slug)]


def test_healthy_show_passes_the_check(runner, finished):
    result = runner.invoke(args=["feeds", "check", finished])
    assert result.exit_code == 0, result.output
    assert "healthy" in result.output


def test_a_bare_show_lists_every_stand_in(app, bare):
    assert codes(app, bare) == [
        "description-is-title",
        "author-is-title",
        "default-category",
        "placeholder-artwork",
        "no-episodes",
    ]


def test_a_bare_show_fails_the_check_in_english_and_swedish(runner, bare):
    english = runner.invoke(args=["feeds", "check", bare])
    assert english.exit_code == 1
    assert english.output.startswith(
        "ny is not ready for Apple Podcasts and Spotify: 3 things are missing.\n"
    )
    assert "no description of its own" in english.output
    assert "placeholder image" in english.output
    assert "“Government” was filled in because none was chosen" in english.output
    swedish = runner.invoke(args=["feeds", "check", bare, "--language", "sv"])
    assert swedish.exit_code == 1
    assert swedish.output.startswith(
        "ny är inte klar för Apple Podcasts och Spotify: 3 saker saknas.\n"
    )
    assert "saknar en egen beskrivning" in swedish.output


def test_the_stand_ins_go_once_the_producer_replaces_them(app, bare, audio_dir):
    with app.app_context():
        show = get_show(bare)
        show.description = "Om Malmö."
        show.author = "Malmö stad"
        show.category_chosen = True
        db.session.commit()
        replace_artwork(bare, artwork_png(), "bild.png")
    add(app, bare, audio_dir, "Första", datetime(2025, 1, 1, 7, tzinfo=UTC))
    assert codes(app, bare) == []


def test_an_episode_without_notes_is_named(app, finished, audio_dir):
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as audio:
        add_episode(
            finished, audio, title="Utan text", published_at=datetime(2025, 2, 1, tzinfo=UTC)
        )
    assert codes(app, finished) == ["episode-description-is-title"]


def test_an_empty_feed_has_a_real_last_build_date(app, client, bare):
    body = client.get(f"/{bare}/feed.xml").data
    when = parsedate_to_datetime(etree.fromstring(body).findtext("channel/lastBuildDate"))
    with app.app_context():
        created = get_show(bare).created_at
    assert abs((when - created).total_seconds()) < 2


def test_check_finds_a_size_mismatch(app, runner, two_episodes):
    with app.app_context():
        for stored in db.session.scalars(
            select(StoredFile).where(StoredFile.mime_type == "audio/mpeg")
        ):
            stored.size += 1
        db.session.commit()
    result = runner.invoke(args=["feeds", "check", two_episodes])
    assert result.exit_code == 1
    assert result.output.count("the stored file is") == 2
    assert "ERROR    item 1: Avsnitt 2:" in result.output


def test_check_of_unknown_show(runner, show):
    result = runner.invoke(args=["feeds", "check", "finns-inte"])
    assert result.exit_code == 1
    assert "There is no show" in result.output


@pytest.mark.parametrize(
    ("mode", "size", "fmt", "needle"),
    [
        ("RGB", (1000, 1000), "PNG", "1400 to 3000"),
        ("RGB", (1400, 1600), "JPEG", "square"),
        ("CMYK", (1400, 1400), "JPEG", "RGB"),
    ],
)
def test_bad_artwork_is_refused_and_nothing_kept(app, mode, size, fmt, needle):
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, fmt)
    buffer.seek(0)
    before = row_counts(app), stored_keys(app)
    with app.app_context(), pytest.raises(InvalidInput, match=needle):
        create_show("bildpodden", title="B", language="sv", owner_email="a@b.se", artwork=buffer)
    assert (row_counts(app), stored_keys(app)) == before


def test_feeds_set_changes_the_feed(runner, client, show):
    result = runner.invoke(
        args=["feeds", "set", show, "--type", "serial", "--locked", "--page-size", "5"]
    )
    assert result.exit_code == 0, result.output
    data = client.get(f"/{show}/feed.xml").data
    assert b"<itunes:type>serial</itunes:type>" in data
    assert b">yes</podcast:locked>" in data
    bad = runner.invoke(args=["feeds", "set", show, "--category", "Kommunalt"])
    assert bad.exit_code == 1
    assert "not in Apple's category list" in bad.output
