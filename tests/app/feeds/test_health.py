"""Feed health through the service and ``flask --app app feeds check SHOW``."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import StoredFile
from app.services.errors import InvalidInput
from app.services.shows import create_show
from tests.app.conftest import row_counts, stored_keys


def test_healthy_show_passes_the_check(runner, two_episodes):
    result = runner.invoke(args=["feeds", "check", two_episodes])
    assert result.exit_code == 0, result.output
    assert "healthy" in result.output


def test_check_finds_a_size_mismatch(app, runner, two_episodes):
    with app.app_context():
        for stored in db.session.scalars(
            select(StoredFile).where(StoredFile.mime_type == "audio/mpeg")
        ):
            stored.size += 1
        db.session.commit()
    result = runner.invoke(args=["feeds", "check", two_episodes])
    assert result.exit_code == 1
    assert result.output.count("stored file has") == 2
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
