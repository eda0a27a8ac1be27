"""The episode editor: every change through the real form, on both backends.

Each refusal is checked for its status, its message beside the field, and that
nothing changed: no row, no stored object, no feed difference.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import podcastparser
import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import Chapter, DeletedGuid, Episode, Person, Transcript
from app.services import editing
from app.services.episodes import add_episode
from app.services.errors import InvalidInput
from app.services.feed import show_feed
from app.services.shows import get_show
from tests.app.conftest import csrf_token, log_in, row_counts, stored_keys
from tests.support import audio

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n<v Anna>Hej och v\xc3\xa4lkommen.\n"
SRT = (
    b"1\n00:00:00,000 --> 00:00:01,000\nHej.\n\n2\n00:00:01,000 --> 00:00:02,000\nHej d\xc3\xa5.\n"
)
TRANSCRIPT_JSON = (
    '{"version": "1.0.0", "segments": [{"speaker": "Anna", "startTime": 0, "endTime": 1.5,'
    ' "body": "Hej och välkommen."}]}'
).encode()
TRANSCRIPT_HTML = (
    "<!DOCTYPE html><html><body><cite>Anna:</cite><time>0:00</time>"
    "<p>Hej och välkommen.</p><script>alert(1)</script></body></html>"
).encode()


@pytest.fixture
def other_episode_id(app, audio_dir) -> int:
    """An episode of another show, which the producer is no member of."""
    from app.services.shows import create_show

    with app.app_context():
        create_show("andra", title="Andra", language="sv", owner_email="a@example.org")
        with (audio_dir / "tone.mp3").open("rb") as stream:
            return add_episode("andra", stream, title="Främmande").id


def edit_url(show: str, episode_id: int, tail: str = "edit") -> str:
    return f"/studio/{show}/episodes/{episode_id}/{tail}"


def episode_row(app, episode_id: int) -> Episode | None:
    with app.app_context():
        episode = db.session.get(Episode, episode_id)
        if episode is not None:
            db.session.expunge(episode)
        return episode


def version(app, episode_id: int) -> int:
    return episode_row(app, episode_id).lock_version


def form(client, app, show: str, episode_id: int, **fields) -> dict:
    """What the editor posts for an untouched draft, with ``fields`` changed."""
    data = {
        "csrf_token": csrf_token(client, edit_url(show, episode_id)),
        "lock_version": str(version(app, episode_id)),
        "title": "Avsnitt ett",
        "slug": "avsnitt-ett",
        "notes_markdown": "",
        "season_number": "",
        "episode_number": "",
        "episode_type": "full",
        "explicit": "inherit",
        "action": "save",
    }
    data.update(fields)
    return data


def save(client, app, show, episode_id, **fields):
    return client.post(
        edit_url(show, episode_id), data=form(client, app, show, episode_id, **fields)
    )


def post_file(client, app, show, episode_id, tail, field, content: bytes, name: str, **extra):
    data = {
        "csrf_token": csrf_token(client, edit_url(show, episode_id)),
        "lock_version": str(version(app, episode_id)),
        field: (io.BytesIO(content), name),
        **extra,
    }
    return client.post(
        edit_url(show, episode_id, tail), data=data, content_type="multipart/form-data"
    )


def feed_items(client, show: str) -> list[dict]:
    body = client.get(f"/{show}/feed.xml").data
    return podcastparser.parse("http://podcasts.test/", io.BytesIO(body))["episodes"]


def image_bytes(size=(1400, 1400), fmt="JPEG", mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 60, 20) if mode == "RGB" else 0).save(buffer, fmt)
    return buffer.getvalue()


def bomb_png(side: int = 30000) -> bytes:
    """A real PNG of side² one-bit pixels that compresses to a few kilobytes."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    row = b"\x00" + bytes((side + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


# --- fields ---------------------------------------------------------------------------


def test_editor_page_lists_fields_with_labels(studio, show, episode_id):
    page = studio.get(edit_url(show, episode_id)).get_data(as_text=True)
    for name in ("title", "slug", "notes_markdown", "season_number", "chapters-0-start"):
        assert f'for="{name}"' in page, name
    assert 'name="lock_version"' in page


def test_save_fields_and_markdown_notes(studio, app, show, episode_id):
    response = save(
        studio,
        app,
        show,
        episode_id,
        title="Avsnitt 1: Lindängen",
        slug="lindangen",
        notes_markdown="# Om Lindängen\n\nVi pratar om **husen**. [Läs mer](https://malmo.se)",
        season_number="2",
        episode_number="7",
        episode_type="bonus",
        explicit="no",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    episode = episode_row(app, episode_id)
    assert (episode.title, episode.slug) == ("Avsnitt 1: Lindängen", "lindangen")
    assert (episode.season_number, episode.episode_number) == (2, 7)
    assert (episode.episode_type, episode.explicit) == ("bonus", False)
    assert "<strong>husen</strong>" in episode.notes_html
    assert "<h3>Om Lindängen</h3>" in episode.notes_html
    assert 'href="https://malmo.se"' in episode.notes_html
    assert episode.description.startswith("Om Lindängen")
    assert "Vi pratar om husen." in episode.description and "**" not in episode.description
    assert episode.notes_markdown.startswith("# Om Lindängen")


def test_script_in_show_notes_does_not_survive(studio, app, show, episode_id):
    notes = (
        'Hej <script>alert("x")</script> [klick](javascript:alert(1)) <img src=x onerror=alert(1)>'
    )
    assert (
        save(studio, app, show, episode_id, notes_markdown=notes, action="publish").status_code
        == 302
    )
    episode = episode_row(app, episode_id)
    feed = studio.get(f"/{show}/feed.xml").get_data(as_text=True)
    page = studio.get(f"/{show}/episodes/avsnitt-ett").get_data(as_text=True)
    for text in (episode.notes_html, episode.description, feed, page):
        # Typed tags may show as text (escaped), never as markup.
        assert "<script>alert" not in text and "<img src=x" not in text
        assert 'href="javascript' not in text
    assert episode.notes_html.startswith("<p>Hej")


def test_description_stays_within_apple_limit(app, show, episode_id):
    with app.test_request_context():
        html, text = editing.render_notes("Åäö " * 3000)
    assert len(text.encode()) <= 4000
    assert html.startswith("<p>")


def test_colliding_slug_is_refused_beside_the_field(studio, app, show, episode_id, audio_dir):
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as stream:
        add_episode(show, stream, title="Upptaget", publish=False)
    response = save(studio, app, show, episode_id, slug="upptaget", title="Nytt namn")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="slug-error"' in page
    assert 'value="Nytt namn"' in page  # what was typed is kept
    assert episode_row(app, episode_id).slug == "avsnitt-ett"


def test_invalid_slug_and_empty_title(studio, app, show, episode_id):
    response = save(studio, app, show, episode_id, slug="Inte OK!", title="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="slug-error"' in page and 'id="title-error"' in page


def test_slug_is_fixed_once_published(studio, app, show, episode_id):
    assert save(studio, app, show, episode_id, action="publish").status_code == 302
    response = save(studio, app, show, episode_id, slug="nytt")
    assert response.status_code == 422
    assert episode_row(app, episode_id).slug == "avsnitt-ett"
    # Unpublished again, the old public URL still may not change.
    assert save(studio, app, show, episode_id, action="unpublish").status_code == 302
    assert save(studio, app, show, episode_id, slug="nytt").status_code == 422


# --- publishing -----------------------------------------------------------------------


def test_publish_and_unpublish(studio, app, show, episode_id):
    assert feed_items(studio, show) == []
    assert save(studio, app, show, episode_id, action="publish").status_code == 302
    assert [item["title"] for item in feed_items(studio, show)] == ["Avsnitt ett"]
    assert studio.get(f"/{show}/episodes/avsnitt-ett").status_code == 200
    assert save(studio, app, show, episode_id, action="unpublish").status_code == 302
    assert feed_items(studio, show) == []
    assert studio.get(f"/{show}/episodes/avsnitt-ett").status_code == 404
    assert episode_row(app, episode_id).published_at is None


def test_schedule_appears_in_feed_only_after_its_time(studio, app, show, episode_id):
    zone = ZoneInfo("Europe/Stockholm")
    local = (datetime.now(zone) + timedelta(days=2)).replace(second=0, microsecond=0)
    response = save(
        studio,
        app,
        show,
        episode_id,
        action="schedule",
        publish_date=local.date().isoformat(),
        publish_time=local.strftime("%H:%M"),
    )
    assert response.status_code == 302
    episode = episode_row(app, episode_id)
    assert episode.published_at == local.astimezone(UTC)
    assert feed_items(studio, show) == []
    with app.test_request_context():
        show_row = get_show(show)
        before = show_feed(show_row, now=episode.published_at - timedelta(seconds=1))
        after = show_feed(show_row, now=episode.published_at + timedelta(seconds=1))
    assert b"Avsnitt ett" not in before and b"Avsnitt ett" in after
    # Shown back in the show's zone, in the editor and the list.
    page = studio.get(edit_url(show, episode_id)).get_data(as_text=True)
    assert f'value="{local.strftime("%H:%M")}"' in page
    listing = studio.get(f"/studio/{show}/?lang=en").get_data(as_text=True)
    assert "Next scheduled episode" in listing and "Scheduled" in listing


def test_schedule_in_the_past_is_refused(studio, app, show, episode_id):
    yesterday = datetime.now(ZoneInfo("Europe/Stockholm")) - timedelta(days=1)
    response = save(
        studio,
        app,
        show,
        episode_id,
        action="schedule",
        publish_date=yesterday.date().isoformat(),
        publish_time="12:00",
        title="Ändrad titel",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="publish_date-error"' in page
    assert 'value="Ändrad titel"' in page
    episode = episode_row(app, episode_id)
    assert episode.published_at is None and episode.title == "Avsnitt ett"


def test_author_edits_drafts_only(client, app, show, episode_id):
    from app.services import members
    from app.services.users import create_user

    with app.app_context():
        user = create_user("author@example.org", "correct horse battery")
        members.set_role(user, get_show(show), "author")
    log_in(client, "author@example.org")
    assert save(client, app, show, episode_id, title="Av författaren").status_code == 302
    assert save(client, app, show, episode_id, action="publish").status_code == 403
    assert episode_row(app, episode_id).published_at is None
    assert client.get(edit_url(show, episode_id, "delete")).status_code == 403
    with app.app_context():
        editing.get_episode(get_show(show), episode_id).published_at = datetime.now(UTC)
        db.session.commit()
    assert save(client, app, show, episode_id, title="Igen").status_code == 403
    assert episode_row(app, episode_id).title == "Av författaren"


# --- safety -----------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused(studio, app, show, episode_id):
    data = form(studio, app, show, episode_id, title="Utan token")
    del data["csrf_token"]
    assert studio.post(edit_url(show, episode_id), data=data).status_code == 400
    assert episode_row(app, episode_id).title == "Avsnitt ett"
    before = stored_keys(app)
    response = studio.post(
        edit_url(show, episode_id, "artwork"),
        data={"lock_version": "1", "artwork": (io.BytesIO(image_bytes()), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert stored_keys(app) == before


@pytest.mark.parametrize(
    ("method", "tail"),
    [
        ("get", "edit"),
        ("post", "edit"),
        ("get", "preview"),
        ("post", "artwork"),
        ("post", "transcripts"),
        ("post", "chapters/import"),
        ("post", "alternates"),
        ("post", "audio"),
        ("get", "delete"),
        ("post", "delete"),
    ],
)
def test_another_shows_episode_is_not_found(studio, app, show, other_episode_id, method, tail):
    counts, keys = row_counts(app), stored_keys(app)
    url = edit_url(show, other_episode_id, tail)
    if method == "get":
        response = studio.get(url)
    else:
        data = {"csrf_token": csrf_token(studio, f"/studio/{show}/episodes/new"), "title": "X"}
        response = studio.post(url, data=data)
    assert response.status_code == 404
    assert (row_counts(app), stored_keys(app)) == (counts, keys)
    assert episode_row(app, other_episode_id).title == "Främmande"


def test_second_concurrent_edit_is_refused_and_first_kept(studio, app, show, episode_id):
    first = form(studio, app, show, episode_id, title="Första versionen")
    second = form(studio, app, show, episode_id, title="Andra versionen")
    assert first["lock_version"] == second["lock_version"]
    assert studio.post(edit_url(show, episode_id), data=first).status_code == 302
    response = studio.post(edit_url(show, episode_id), data=second)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'value="Andra versionen"' in page  # what the second person typed is kept
    assert 'role="alert"' in page
    assert episode_row(app, episode_id).title == "Första versionen"
    # The refused form now carries the saved version: saving again is a deliberate overwrite.
    current = re.search(r'name="lock_version" type="hidden" value="(\d+)"', page).group(1)
    assert current == str(version(app, episode_id))
    again = studio.post(edit_url(show, episode_id), data={**second, "lock_version": current})
    assert again.status_code == 302
    assert episode_row(app, episode_id).title == "Andra versionen"


# --- artwork ------------------------------------------------------------------------------


def test_artwork_goes_into_the_feed(studio, app, show, episode_id):
    save(studio, app, show, episode_id, action="publish")
    response = post_file(
        studio, app, show, episode_id, "artwork", "artwork", image_bytes(), "a.jpg"
    )
    assert response.status_code == 302
    episode = episode_row(app, episode_id)
    with app.app_context():
        key = db.session.get(Episode, episode_id).image.storage_key
    assert key.endswith(".jpg") and key in stored_keys(app)
    feed = studio.get(f"/{show}/feed.xml").get_data(as_text=True)
    assert feed.count(key) == 2  # itunes:image and podcast:image on the item
    # A new image replaces the old one, object and row.
    png = image_bytes((1500, 1500), "PNG")
    assert (
        post_file(studio, app, show, episode_id, "artwork", "artwork", png, "b.png").status_code
        == 302
    )
    assert key not in stored_keys(app)
    assert episode_row(app, episode_id).image_id != episode.image_id


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (image_bytes()[:5000], "corrupt.jpg"),
        (bomb_png(), "bomb.png"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="1400" height="1400"/>', "art.png"),
        (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "art.jpg"),
        (image_bytes((1400, 1000)), "wide.jpg"),
        (image_bytes((600, 600)), "small.jpg"),
        (image_bytes(mode="CMYK"), "cmyk.jpg"),
    ],
    ids=["corrupt", "bomb", "svg", "html", "not-square", "too-small", "cmyk"],
)
def test_bad_artwork_is_refused_and_nothing_stored(studio, app, show, episode_id, content, name):
    counts, keys = row_counts(app), stored_keys(app)
    response = post_file(studio, app, show, episode_id, "artwork", "artwork", content, name)
    assert response.status_code == 422
    assert 'id="artwork-error"' in response.get_data(as_text=True)
    assert (row_counts(app), stored_keys(app)) == (counts, keys)
    assert episode_row(app, episode_id).image_id is None


# --- transcripts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [
        (VTT, "t.vtt", "vtt"),
        (SRT, "t.srt", "srt"),
        (TRANSCRIPT_JSON, "t.json", "json"),
        (TRANSCRIPT_HTML, "t.html", "txt"),  # someone's HTML is never served as HTML by us
    ],
)
def test_transcript_is_served_in_every_format(studio, app, show, episode_id, content, name, kind):
    save(studio, app, show, episode_id, action="publish")
    response = post_file(
        studio, app, show, episode_id, "transcripts", "transcript", content, name, language="sv"
    )
    assert response.status_code == 302
    for fmt in ("vtt", "srt", "json", "html"):
        served = studio.get(f"/{show}/episodes/avsnitt-ett/transcript.sv.{fmt}")
        assert served.status_code == 200, fmt
        assert "Hej" in served.get_data(as_text=True)
        assert "alert(1)" not in served.get_data(as_text=True)
    assert studio.get(f"/{show}/feed.xml").data.count(b"podcast:transcript") == 4
    # Replacing the language's transcript removes the old object.
    with app.app_context():
        old = db.session.scalar(select(Transcript)).file.storage_key
    assert old.endswith("." + kind)
    post_file(
        studio, app, show, episode_id, "transcripts", "transcript", VTT, "n.vtt", language="sv"
    )
    assert old not in stored_keys(app)
    with app.app_context():
        assert db.session.query(Transcript).count() == 1


@pytest.mark.parametrize(
    "content",
    [
        b"Just some text, no times at all.\n",
        json.dumps({"version": "1.0.0", "segments": []}).encode(),
        b"\xff\xfe\x00binary",
        b"<html><body>00:00:01.000 --> 00:00:02.000</body></html>",
    ],
    ids=["text", "json", "binary", "html"],
)
def test_transcript_that_is_not_a_transcript_is_refused(studio, app, show, episode_id, content):
    counts, keys = row_counts(app), stored_keys(app)
    response = post_file(
        studio, app, show, episode_id, "transcripts", "transcript", content, "t.vtt", language="sv"
    )
    assert response.status_code == 422
    assert 'id="transcript-error"' in response.get_data(as_text=True)
    assert (row_counts(app), stored_keys(app)) == (counts, keys)
    with app.app_context():
        assert db.session.query(Transcript).count() == 0


def test_refused_transcript_is_explained_in_swedish(studio, app, show, episode_id):
    data = {
        "csrf_token": csrf_token(studio, edit_url(show, episode_id)),
        "lock_version": str(version(app, episode_id)),
        "transcript": (io.BytesIO(b"<p>Ingen tid</p>"), "t.html"),
        "language": "sv",
    }
    response = studio.post(
        edit_url(show, episode_id, "transcripts"),
        data=data,
        content_type="multipart/form-data",
        headers={"Accept-Language": "sv"},
    )
    assert response.status_code == 422
    assert "Filen är ingen WebVTT-, SRT-, JSON- eller HTML-transkription." in response.get_data(
        as_text=True
    )


# --- chapters -------------------------------------------------------------------------------


def chapter_fields(*rows) -> dict:
    fields = {}
    for index, (start, title) in enumerate(rows):
        fields[f"chapters-{index}-start"] = start
        fields[f"chapters-{index}-title"] = title
    return fields


def chapters_of(app, episode_id) -> list[tuple[float, str]]:
    with app.app_context():
        return [
            (c.start_seconds, c.title)
            for c in db.session.scalars(
                select(Chapter)
                .where(Chapter.episode_id == episode_id)
                .order_by(Chapter.start_seconds)
            )
        ]


def test_chapters_table_saves_and_validates(studio, app, show, episode_id):
    fields = chapter_fields(("00:00:00", "Början"), ("0:01.5", "Mitten"), ("", ""))
    assert save(studio, app, show, episode_id, **fields).status_code == 302
    assert chapters_of(app, episode_id) == [(0.0, "Början"), (1.5, "Mitten")]
    bad = chapter_fields(
        ("0:02", "Sent"), ("0:01", "Tidigare"), ("0:10", ""), ("1:00:00", "Efter slutet")
    )
    response = save(studio, app, show, episode_id, **bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for error in ("chapters-1-start-error", "chapters-2-title-error", "chapters-3-start-error"):
        assert f'id="{error}"' in page, error
    assert 'value="Tidigare"' in page
    assert chapters_of(app, episode_id) == [(0.0, "Början"), (1.5, "Mitten")]


def test_a_refused_save_opens_with_a_linked_summary_of_every_mistake(studio, app, show, episode_id):
    """The mistakes may be far down the page (the chapters table): the summary links to each."""
    from lxml import etree

    bad = chapter_fields(("0:02", "Sent"), ("0:01", "Tidigare"), ("0:10", ""))
    studio.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = etree.HTML(save(studio, app, show, episode_id, title="", **bad).get_data(as_text=True))
    [summary] = page.xpath("//section[@data-error-summary]")
    assert summary.get("tabindex") == "-1"  # studio.js focuses it
    assert summary.xpath("h2/text()") == ["4 things to fix before saving"]
    links = summary.xpath(".//a")
    assert [a.get("href") for a in links] == [
        "#title",
        "#chapters-1-start",
        "#chapters-2-start",  # 0:10 is past the 3-second audio
        "#chapters-2-title",
    ]
    for link in links:
        [target] = page.xpath(f'//*[@id="{link.get("href")[1:]}"]')
        assert target.get("aria-invalid") == "true"
        [error] = page.xpath(f'//*[@id="{target.get("aria-describedby")}"]')
        assert "".join(error.itertext()) in "".join(link.itertext())
    assert "".join(links[1].itertext()).startswith("Start (hh:mm:ss), row 2: ")
    studio.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    page = etree.HTML(save(studio, app, show, episode_id, title="").get_data(as_text=True))
    assert page.xpath("//section[@data-error-summary]/h2/text()") == [
        "1 sak att rätta innan du sparar"
    ]
    assert (
        etree.HTML(studio.get(edit_url(show, episode_id)).data).xpath(
            "//section[@data-error-summary]"
        )
        == []
    )


def test_chapters_imported_from_mp3_chap_frames(studio, app, show, episode_id):
    save(studio, app, show, episode_id, action="publish")
    assert b"podcast:chapters" not in studio.get(f"/{show}/feed.xml").data  # now cached
    data = {
        "csrf_token": csrf_token(studio, edit_url(show, episode_id)),
        "lock_version": str(version(app, episode_id)),
        "source": "audio",
    }
    response = studio.post(edit_url(show, episode_id, "chapters/import"), data=data)
    assert response.status_code == 302
    assert chapters_of(app, episode_id) == [(s, t) for s, _e, t, _u in audio.CHAPTERS]
    assert b"podcast:chapters" in studio.get(f"/{show}/feed.xml").data  # the cache went stale
    served = studio.get(f"/{show}/episodes/avsnitt-ett/chapters.json").get_json(force=True)
    assert served["chapters"][1]["url"] == "https://example.org/middle"


def test_chapters_imported_from_json(studio, app, show, episode_id):
    document = {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0, "title": "Intro"},
            {
                "startTime": 1.25,
                "title": "Del två",
                "url": "https://malmo.se",
                "img": "https://malmo.se/a.jpg",
            },
        ],
    }
    content = json.dumps(document).encode()
    response = post_file(
        studio, app, show, episode_id, "chapters/import", "chapters_file", content, "c.json"
    )
    assert response.status_code == 302
    assert chapters_of(app, episode_id) == [(0.0, "Intro"), (1.25, "Del två")]


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b'{"version": "1.2.0"}',
        json.dumps({"chapters": [{"startTime": 99, "title": "Sent"}]}).encode(),
    ],
    ids=["not-json", "no-chapters", "after-the-end"],
)
def test_bad_chapters_file_is_refused(studio, app, show, episode_id, content):
    response = post_file(
        studio, app, show, episode_id, "chapters/import", "chapters_file", content, "c.json"
    )
    assert response.status_code == 422
    assert 'id="chapters_file-error"' in response.get_data(as_text=True)
    assert chapters_of(app, episode_id) == []


# --- persons -------------------------------------------------------------------------------


def test_persons_go_into_the_feed(studio, app, show, episode_id):
    fields = {
        "persons-0-name": "Anna Andersson",
        "persons-0-role": "host",
        "persons-0-group": "cast",
        "persons-0-href": "https://malmo.se/anna",
        "persons-1-name": "",
        "persons-1-role": "guest",
    }
    response = save(studio, app, show, episode_id, **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    cell = re.search(r'<input[^>]*id="persons-1-name"[^>]*>\s*<p class="error" [^>]*>', page)
    assert cell and 'aria-describedby="persons-1-name-error"' in cell.group(0), page
    assert 'aria-invalid="true"' in cell.group(0) and 'id="persons-1-name-error"' in cell.group(0)
    assert re.search(r'<input[^>]*id="persons-1-role"[^>]*value="guest"', page)
    del fields["persons-1-role"]
    assert save(studio, app, show, episode_id, action="publish", **fields).status_code == 302
    feed = studio.get(f"/{show}/feed.xml").get_data(as_text=True)
    assert 'href="https://malmo.se/anna"' in feed and ">Anna Andersson</podcast:person>" in feed
    with app.app_context():
        assert db.session.query(Person).count() == 1


def test_a_stored_person_picture_is_shown_and_kept_by_the_editor(studio, app, show, episode_id):
    """An imported picture is our stored copy: the form shows its address, and saving
    the form unchanged keeps the copy; typing another address drops it from storage."""
    from app.services.files import store_file

    with app.app_context():
        key = f"{show}/pictures/anna.png"
        with store_file(key, io.BytesIO(audio.tiny_png()), "image/png") as stored:
            db.session.add(
                Person(
                    show_id=get_show(show).id, episode_id=episode_id, name="Anna", img_file=stored
                )
            )
            db.session.commit()
    page = studio.get(edit_url(show, episode_id)).get_data(as_text=True)
    shown = f"http://podcasts.test/media/{key}"
    assert f'value="{shown}"' in page
    fields = {"persons-0-name": "Anna", "persons-0-img": shown}
    assert save(studio, app, show, episode_id, action="publish", **fields).status_code == 302
    assert key in stored_keys(app)
    assert f'img="{shown}">Anna</podcast:person>' in studio.get(f"/{show}/feed.xml").get_data(
        as_text=True
    )
    fields["persons-0-img"] = "https://malmo.se/anna.jpg"
    assert save(studio, app, show, episode_id, **fields).status_code == 302
    assert key not in stored_keys(app)
    with app.app_context():
        [person] = db.session.scalars(select(Person))
        assert (person.img, person.img_file_id) == ("https://malmo.se/anna.jpg", None)
        assert row_counts(app)["stored_files"] == len(stored_keys(app))


# --- preview ---------------------------------------------------------------------------------


def test_preview_of_a_draft(studio, app, show, episode_id, client):
    save(studio, app, show, episode_id, notes_markdown="Om **husen**.")
    response = studio.get(edit_url(show, episode_id, "preview"))
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    page = response.get_data(as_text=True)
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "preview-banner" in page and "<strong>husen</strong>" in page
    assert client.get(f"/{show}/episodes/avsnitt-ett").status_code == 404


# --- replacing audio, deleting ------------------------------------------------------------------


def test_replace_audio_keeps_guid_and_changes_enclosure(studio, app, show, episode_id, audio_dir):
    save(studio, app, show, episode_id, action="publish")
    [before] = feed_items(studio, show)
    old_key = before["enclosures"][0]["url"].split("/media/")[1]
    assert old_key in stored_keys(app)
    content = (audio_dir / "tone.m4a").read_bytes()
    response = post_file(studio, app, show, episode_id, "audio", "audio", content, "ny.m4a")
    assert response.status_code == 302
    [after] = feed_items(studio, show)
    assert after["guid"] == before["guid"]
    assert after["enclosures"][0]["url"] != before["enclosures"][0]["url"]
    assert after["enclosures"][0]["mime_type"] == "audio/x-m4a"
    assert old_key not in stored_keys(app)
    with app.app_context():
        assert db.session.query(Episode).count() == 1


def test_replace_audio_with_non_audio_is_refused(studio, app, show, episode_id, tmp_path):
    counts, keys = row_counts(app), stored_keys(app)
    content = audio.not_audio(tmp_path / "x.mp3").read_bytes()
    response = post_file(studio, app, show, episode_id, "audio", "audio", content, "x.mp3")
    assert response.status_code == 415
    assert 'id="audio-error"' in response.get_data(as_text=True)
    assert (row_counts(app), stored_keys(app)) == (counts, keys)


def test_delete_removes_rows_and_objects_and_guid_is_never_reused(
    studio, app, show, episode_id, audio_dir
):
    save(studio, app, show, episode_id, action="publish", **chapter_fields(("0:00", "Allt")))
    post_file(studio, app, show, episode_id, "artwork", "artwork", image_bytes(), "a.jpg")
    post_file(
        studio, app, show, episode_id, "transcripts", "transcript", VTT, "t.vtt", language="sv"
    )
    guid = episode_row(app, episode_id).guid
    keys_before = stored_keys(app)
    assert len(keys_before) == 4  # show artwork, audio, episode artwork, transcript
    assert len(feed_items(studio, show)) == 1  # cached with the episode in it
    confirm = studio.get(edit_url(show, episode_id, "delete"))
    assert confirm.status_code == 200 and b"Avsnitt ett" in confirm.data
    token = csrf_token(studio, edit_url(show, episode_id, "delete"))
    response = studio.post(edit_url(show, episode_id, "delete"), data={"csrf_token": token})
    assert response.status_code == 302
    assert episode_row(app, episode_id) is None
    assert len(stored_keys(app)) == 1
    counts = row_counts(app)
    assert (counts["episodes"], counts["stored_files"]) == (0, 1)
    with app.app_context():
        for model in (Chapter, Transcript, Person):
            assert db.session.query(model).count() == 0
        assert db.session.get(DeletedGuid, guid) is not None
    assert feed_items(studio, show) == []
    # An import bringing the deleted GUID back is refused, and nothing is kept.
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as stream:
        from app.services.episodes import check_guid_unused

        with pytest.raises(InvalidInput):
            check_guid_unused(guid)
        show_row = get_show(show)
        db.session.add(Episode(show=show_row, guid=guid, slug="igen", title="Igen", audio_id=None))
        with pytest.raises(InvalidInput):
            db.session.flush()
        db.session.rollback()
        del stream
    assert row_counts(app)["episodes"] == 0


# --- the episode list -----------------------------------------------------------------------------


def test_episode_list_shows_status_time_and_health(studio, app, show, episode_id):
    save(studio, app, show, episode_id, action="publish")
    page = studio.get(f"/studio/{show}/?lang=en").get_data(as_text=True)
    assert f'href="{edit_url(show, episode_id)}"' in page
    assert "Published" in page and "0:03" in page
    assert "Ready for Apple Podcasts and Spotify?" in page
    published = episode_row(app, episode_id).published_at.astimezone(ZoneInfo("Europe/Stockholm"))
    assert published.strftime("%-I:%M") in page or published.strftime("%H:%M") in page


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0.0), ("75", 75.0), ("1:15", 75.0), ("01:02:03", 3723.0), ("0:00:01.5", 1.5)],
)
def test_clock_times_are_read(text, seconds):
    assert editing.parse_clock(text) == seconds
    assert editing.parse_clock(editing.clock_text(seconds)) == seconds


@pytest.mark.parametrize(
    "text", ["", "x", "1:60", "1:75:00", "-1", "1::2", "1:2:3:4", "0:00:01.5555"]
)
def test_unreadable_clock_times(text):
    assert editing.parse_clock(text) is None


def test_two_simultaneous_saves_one_wins_one_conflicts(app, show, episode_id):
    """Two processes saving the same version at once: the compare-and-set lets one through."""
    import threading

    from app.services.errors import Conflict

    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save_as(title: str) -> None:
        with app.test_request_context():
            changes = editing.EpisodeChanges(lock_version=1, title=title, slug="avsnitt-ett")
            show_row = get_show(show)
            start.wait()
            try:
                editing.save_episode(show_row, episode_id, changes, editor=True)
                outcomes[title] = "saved"
            except Conflict:
                outcomes[title] = "conflict"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save_as, args=(t,)) for t in ("Ett", "Två")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(title for title, outcome in outcomes.items() if outcome == "saved")
    episode = episode_row(app, episode_id)
    assert (episode.title, episode.lock_version) == (winner, 2)


def test_oversized_transcript_is_refused(app, show, episode_id):
    """Checked in the service: the cap holds whatever the web layer lets through."""
    counts, keys = row_counts(app), stored_keys(app)
    content = VTT + b"\n" * (editing.MAX_TRANSCRIPT_BYTES + 1 - len(VTT))
    with app.test_request_context(), pytest.raises(InvalidInput) as refused:
        editing.add_transcript(
            get_show(show), episode_id, "sv", io.BytesIO(content), lock_version=1, editor=True
        )
    assert refused.value.field == "transcript"
    assert (row_counts(app), stored_keys(app)) == (counts, keys)


def test_an_id_no_column_holds_is_no_page(studio, app, show, episode_id):
    """A 20-digit id once reached the database (SQLite: OverflowError, PostgreSQL: int4)."""
    before = row_counts(app), stored_keys(app)
    for tail in ("edit", "delete", "preview"):
        assert studio.get(edit_url(show, 99999999999999999999, tail)).status_code == 404, tail
    assert studio.get(edit_url(show, 2**31, "edit")).status_code == 404
    assert (row_counts(app), stored_keys(app)) == before


def test_a_lock_version_no_column_holds_is_a_conflict(studio, app, show, episode_id):
    response = save(studio, app, show, episode_id, lock_version="99999999999999999999", title="X")
    assert response.status_code == 409
    assert episode_row(app, episode_id).title == "Avsnitt ett"


def test_a_file_under_a_text_fields_name_is_no_text(studio, app, show, episode_id):
    """Flask-WTF once handed the file object to the text field, and ``.strip()`` failed."""
    data = form(studio, app, show, episode_id)
    data["title"] = (io.BytesIO(b"\xff\x00 not text"), "title.bin")
    before = row_counts(app), stored_keys(app), version(app, episode_id)
    response = studio.post(
        edit_url(show, episode_id), data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "Give the episode a title." in response.get_data(as_text=True)
    assert (row_counts(app), stored_keys(app), version(app, episode_id)) == before


@pytest.mark.parametrize("body", ["[]", "1", '"x"', '{"title": ', '{"title": [1]}'])
def test_a_json_body_that_is_no_form_is_refused(studio, app, show, episode_id, body):
    """Flask-WTF reads a JSON body as the form; a number or a string once made a 500."""
    token = csrf_token(studio, edit_url(show, episode_id))
    before = row_counts(app), version(app, episode_id)
    response = studio.post(
        edit_url(show, episode_id),
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 422
    assert response.get_json()["message"] in {
        "The request must send a JSON object.",
        "Each field of the form must be text.",
    }
    assert (row_counts(app), version(app, episode_id)) == before


def test_a_nul_byte_is_refused_before_the_database(studio, app, show, episode_id):
    """PostgreSQL refuses NUL in text; the app refuses it first, with a message."""
    before = row_counts(app), version(app, episode_id)
    response = save(studio, app, show, episode_id, title="Avsnitt\x00ett")
    assert response.status_code == 422
    assert "character that is not text" in response.get_data(as_text=True)
    assert (row_counts(app), version(app, episode_id)) == before
