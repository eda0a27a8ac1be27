"""JSON and HTML transcripts, and person and chapter pictures, brought over from the old host."""

from __future__ import annotations

import json

import pytest

from tests.app.conftest import row_counts, stored_keys
from tests.app.imports.helpers import (
    items_by_guid,
    job_items,
    parsed,
    progress_notes,
    published_feed,
    run_import,
)
from tests.app.imports.source import buzzsprout_feed, episodes, libsyn_feed, serve_audio
from tests.support.audio import cover_jpeg, tiny_png

PICTURE_LIMIT = 64 * 1024


@pytest.fixture
def app_config(app_config: dict) -> dict:
    """A small side-file limit, so an oversized picture costs little to serve."""
    return {**app_config, "IMPORT_MAX_SIDE_FILE_BYTES": PICTURE_LIMIT}


TRANSCRIPT_JSON = json.dumps(
    {
        "version": "1.0.0",
        "segments": [
            {"speaker": "Anna", "startTime": 0.0, "endTime": 0.4, "body": "Hej"},
            {"speaker": "Anna", "startTime": 0.4, "endTime": 1.5, "body": "och välkommen."},
            {"speaker": "Karim", "startTime": 1.5, "endTime": 3.0, "body": "Tack, Anna!"},
        ],
    },
    ensure_ascii=False,
).encode()
TRANSCRIPT_HTML = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Episode 1</title>
<script src="https://tracker.example/t.js"></script></head>
<body>
<cite>Anna:</cite>
<time>0:00</time>
<p>Hello and welcome.</p>
<cite>Karim:</cite>
<time>0:02</time>
<p>Thanks, Anna!</p>
</body></html>"""


def transcripts_of(app, guid: str) -> dict[str, list]:
    from app.extensions import db
    from app.models import Episode

    with app.app_context():
        episode = db.session.scalar(db.select(Episode).where(Episode.guid == guid))
        return {t.language: t.cues for t in episode.transcripts}


def test_json_and_html_transcripts_are_imported_by_preference(app, source, artwork, audio_dir):
    items = episodes(audio_dir / "tone.mp3", 2)
    serve_audio(source, items)
    json_url = source.file("/1/transcript.json", TRANSCRIPT_JSON, "application/json")
    # Declared as HTML, and an HTML page, but no transcript: a host's error page.
    html_sv = source.file("/1/transcript-sv.html", TRANSCRIPT_HTML, "text/html")
    html_en = source.file("/1/transcript-en.html", TRANSCRIPT_HTML, "text/html")
    error_page = source.file(
        "/2/transcript.html", b"<html><body><p>Logga in</p></body></html>", "text/html"
    )
    items[0].extra = (
        f'<podcast:transcript url="{html_sv}" type="text/html" language="sv" />'
        f'<podcast:transcript url="{json_url}" type="application/json" language="sv" />'
        f'<podcast:transcript url="{html_en}" type="text/html" language="en" />'
        f'<podcast:transcript url="{source.url("/1/t.pdf")}" type="application/pdf"'
        ' language="de" />'
    )
    items[1].extra = f'<podcast:transcript url="{error_page}" type="text/html" language="sv" />'
    feed = libsyn_feed(source, items, artwork)
    slug, job_id = run_import(app, source.file("/rss", feed, "application/rss+xml"))

    states = job_items(app, job_id)
    assert [state for _, state, _ in states] == ["done", "done"]
    # JSON beats HTML for Swedish; HTML is the only English one; PDF is not a transcript.
    assert "/1/transcript-sv.html" not in source.requests
    assert "t.pdf left out: only WebVTT, SRT, JSON and HTML" in states[0][2]
    assert "Transcript (sv) left out" in states[1][2] and "no <time>" in states[1][2]
    pdf = source.url("/1/t.pdf")
    assert progress_notes(app, slug)["items"] == [
        (
            None,
            f"Transkriptionen {pdf} utelämnades: bara transkriptioner i WebVTT, SRT, JSON och "
            "HTML importeras.",
        ),
        (
            None,
            "Transkriptionen (sv) utelämnades: Filen är ingen WebVTT-, SRT-, JSON- eller "
            "HTML-transkription. Ladda upp en .vtt-, .srt-, .json- eller .html-fil.",
        ),
    ]
    assert progress_notes(app, slug, "en")["items"] == [
        (
            None,
            f"The transcript {pdf} was left out: only WebVTT, SRT, JSON and HTML transcripts "
            "are imported.",
        ),
        (
            None,
            "The transcript (sv) was left out: The file is not a WebVTT, SRT, JSON or HTML "
            "transcript. Upload a .vtt, .srt, .json or .html file.",
        ),
    ]
    assert transcripts_of(app, "ep-guid-1") == {
        "sv": [
            {"start": 0.0, "end": 1.5, "text": "Hej och välkommen.", "speaker": "Anna"},
            {"start": 1.5, "end": 3.0, "text": "Tack, Anna!", "speaker": "Karim"},
        ],
        "en": [
            {"start": 0.0, "end": 2.0, "text": "Hello and welcome.", "speaker": "Anna"},
            {"start": 2.0, "end": 2.0, "text": "Thanks, Anna!", "speaker": "Karim"},
        ],
    }
    assert transcripts_of(app, "ep-guid-2") == {}

    # Served in every format from our host, and in the feed; the script never came along.
    new_feed = published_feed(app, slug)
    assert new_feed.count(b"<podcast:transcript") == 8  # two languages, four formats
    client = app.test_client()
    link = items_by_guid(new_feed)["ep-guid-1"]["link"].replace("http://podcasts.test", "")
    vtt = client.get(f"{link}/transcript.sv.vtt").get_data(as_text=True)
    assert "<v Anna>Hej och välkommen." in vtt
    page = client.get(f"{link}/transcript.en.html").get_data(as_text=True)
    assert "Thanks, Anna!" in page and "tracker.example" not in page
    with app.app_context():
        from app.services.search import search_episodes

        assert [hit.episode_title for hit in search_episodes("välkommen")] == [
            "Avsnitt 1: Möllevången"
        ]


def chapters_json(pictures: dict[str, str]) -> bytes:
    return json.dumps(
        {
            "version": "1.2.0",
            "chapters": [
                {"startTime": 0, "title": "Intro", "img": pictures["intro"]},
                {"startTime": 1, "title": "Saknad bild", "img": pictures["missing"]},
                {"startTime": 1.5, "title": "Webbsida", "img": pictures["page"]},
                {"startTime": 2, "title": "Jättebild", "img": pictures["huge"]},
                {"startTime": 2.5, "title": "Samma igen", "img": pictures["intro"]},
            ],
        }
    ).encode()


def test_person_and_chapter_pictures_are_stored_and_bad_ones_left_out(
    app, source, artwork, audio_dir
):
    from app.extensions import db
    from app.models import Chapter, ImportJob, Person

    items = episodes(audio_dir / "tone.mp3", 1, prefix="Buzzsprout")
    serve_audio(source, items)
    intro = cover_jpeg(64)
    pictures = {
        "intro": source.file("/img/intro.jpg", intro, "image/jpeg"),
        "missing": source.url("/img/gone.png"),
        "page": source.file("/img/page.png", b"<html><body>Not found</body></html>", "image/png"),
        "huge": source.file("/img/huge.png", tiny_png() + b"\0" * PICTURE_LIMIT, "image/png"),
        "guest": source.file("/img/karim.png", tiny_png(), "image/png"),
        "host": source.file("/img/anna.jpg", cover_jpeg(), "image/jpeg"),
    }
    chapters_url = source.file("/1/chapters.json", chapters_json(pictures), "application/json")
    items[0].extra = (
        f'<podcast:chapters url="{chapters_url}" type="application/json+chapters" />'
        f'<podcast:person role="guest" img="{pictures["guest"]}">Karim</podcast:person>'
        f'<podcast:person role="guest" img="{pictures["missing"]}">Lina</podcast:person>'
    )
    feed = buzzsprout_feed(source, items, artwork, locked=False, person_img=pictures["host"])
    feed = feed.replace(  # a second show person, whose picture is gone
        b"<podcast:medium>",
        f'<podcast:person role="producer" img="{pictures["missing"]}">Sara</podcast:person>'
        "<podcast:medium>".encode(),
    )
    slug, job_id = run_import(app, source.file("/rss", feed, "application/rss+xml"))

    [(_, state, message)] = job_items(app, job_id)
    assert state == "done"
    assert f"Picture left out: {pictures['missing']} answered HTTP 404" in message
    assert f"Picture left out: {pictures['page']} is not a JPEG or PNG image." in message
    assert f"Picture left out: {pictures['huge']} is larger than the limit" in message
    assert message.count("left out") == 3  # one note per address, though two rows use it
    swedish, english = progress_notes(app, slug), progress_notes(app, slug, "en")
    missing = (
        f"En bild utelämnades: {pictures['missing']} svarade HTTP 404 i stället för att "
        "skicka filen."
    )
    assert swedish["items"] == [
        (
            None,
            f"{missing} En bild utelämnades: {pictures['page']} är ingen JPEG- eller PNG-bild. "
            f"En bild utelämnades: {pictures['huge']} är större än gränsen på 65,5 kB.",
        )
    ]
    assert swedish["job"] == (None, missing)
    assert english["items"] == [
        (
            None,
            f"A picture was left out: {pictures['missing']} answered HTTP 404, not the file. "
            f"A picture was left out: {pictures['page']} is not a JPEG or PNG image. "
            f"A picture was left out: {pictures['huge']} is larger than the limit of 65.5 kB.",
        )
    ]
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job.state == "done" and not job.persons_pending
        assert f"Picture left out: {pictures['missing']} answered HTTP 404" in job.message
        chapters = db.session.scalars(db.select(Chapter).order_by(Chapter.start_seconds)).all()
        # No row keeps the old host's address: a stored copy, or nothing.
        assert [(c.img, c.img_file is not None) for c in chapters] == [
            (None, True),
            (None, False),
            (None, False),
            (None, False),
            (None, True),
        ]
        assert chapters[0].img_file_id == chapters[4].img_file_id  # stored once
        rows = db.session.scalars(db.select(Person)).all()
        persons = {p.name: p for p in rows if p.episode_id is not None}
        show_persons = {p.name: p for p in rows if p.episode_id is None}
        assert persons["Karim"].img_file.mime_type == "image/png"
        assert persons["Anna Andersson"].img_file is None  # the item's host has no picture
        assert persons["Lina"].img is None and persons["Lina"].img_file is None
        assert show_persons["Sara"].img is None and show_persons["Sara"].img_file is None
        host = show_persons["Anna Andersson"]
        assert host.img is None and host.img_file.mime_type == "image/jpeg"
        host_key, intro_key = host.img_file.storage_key, chapters[0].img_file.storage_key
        guest_key = persons["Karim"].img_file.storage_key
    # Nothing orphaned: the audio, the artwork and three pictures.
    keys = stored_keys(app)
    assert len([k for k in keys if "/pictures/" in k]) == 3
    assert row_counts(app)["stored_files"] == len(keys)

    # The old host shuts down; the feed and the chapters point at our copies, which answer.
    source.stop()
    new_feed = published_feed(app, slug).decode()
    assert source.base not in new_feed
    assert f'img="http://podcasts.test/media/{host_key}">Anna Andersson' in new_feed
    assert f'img="http://podcasts.test/media/{guest_key}">Karim' in new_feed
    assert ">Lina</podcast:person>" in new_feed and ">Sara</podcast:person>" in new_feed
    client = app.test_client()
    link = parsed(new_feed.encode())["episodes"][0]["link"].replace("http://podcasts.test", "")
    served = client.get(f"{link}/chapters.json").get_json(force=True)["chapters"]
    assert [c.get("img") for c in served] == [
        f"http://podcasts.test/media/{intro_key}",
        None,
        None,
        None,
        f"http://podcasts.test/media/{intro_key}",
    ]
    picture = client.get(f"/media/{intro_key}")
    assert picture.status_code == 200 and picture.data == intro


def test_stored_pictures_follow_the_rows_that_use_them(app, source, artwork, audio_dir):
    """Saving a row with our copy's address keeps the copy; a replaced or deleted one
    leaves storage, unless another row (an episode's copy of a show person) still uses it."""
    from app.extensions import db
    from app.models import Episode, Person, StoredFile
    from app.services import editing, feed_extras, shows
    from app.services.episodes import add_episode
    from app.services.pictures import picture_url

    items = episodes(audio_dir / "tone.mp3", 1, prefix="Buzzsprout")
    serve_audio(source, items)
    chapter_picture = source.file("/img/c.jpg", cover_jpeg(40), "image/jpeg")
    chapters_url = source.file(
        "/1/chapters.json",
        json.dumps({"chapters": [{"startTime": 0, "title": "A", "img": chapter_picture}]}).encode(),
        "application/json",
    )
    items[0].extra = f'<podcast:chapters url="{chapters_url}" />'
    host_picture = source.file("/img/anna.jpg", cover_jpeg(), "image/jpeg")
    feed = buzzsprout_feed(source, items, artwork, locked=False, person_img=host_picture)
    slug, _ = run_import(app, source.file("/rss", feed, "application/rss+xml"))

    def pictures() -> set[str]:
        return {key for key in stored_keys(app) if "/pictures/" in key}

    with app.test_request_context():
        episode = db.session.scalar(db.select(Episode))
        [chapter] = episode.chapters
        shown = picture_url(chapter)
        assert shown.startswith("http://podcasts.test/media/")
        # Saved in the studio editor as it showed it: the copy stays.
        changes = editing.EpisodeChanges(
            lock_version=episode.lock_version,
            title=episode.title,
            slug=episode.slug,
            chapters=[editing.ChapterInput(start="0:00:00", title="A", img=shown)],
            persons=[editing.PersonInput(name="Karim", img=shown)],  # one picture, two rows
        )
        editing.save_episode(shows.get_show(slug), episode.id, changes, editor=True)
        person = db.session.scalar(db.select(Person).where(Person.episode_id == episode.id))
        assert person.img is None and person.img_file_id == chapter.img_file_id
        assert db.session.scalar(db.select(Episode)).chapters[0].img_file is not None
        assert len(pictures()) == 2
        # The same through the feed service; then the person goes.
        feed_extras.set_chapters(slug, episode.slug, [{"start": 0, "title": "A", "img": shown}])
        assert db.session.scalar(db.select(Episode)).chapters[0].img_file is not None
        feed_extras.set_persons(slug, [], episode_slug=episode.slug)
        assert len(pictures()) == 2
        # Replaced by a typed address: the copy leaves storage with its row.
        feed_extras.set_chapters(
            slug, episode.slug, [{"start": 0, "title": "A", "img": "https://malmo.se/a.jpg"}]
        )
        assert db.session.scalar(db.select(Episode)).chapters[0].img == "https://malmo.se/a.jpg"
        assert len(pictures()) == 1

        # A new episode starts with the show's persons, sharing the stored picture.
        show = shows.get_show(slug)
        [defaults] = shows.episode_defaults(show)["persons"]
        host = db.session.scalar(db.select(Person).where(Person.episode_id.is_(None)))
        assert defaults["img_file_id"] == host.img_file_id and defaults["img"] is None
        with (audio_dir / "tone.mp3").open("rb") as audio:
            new = add_episode(slug, audio, title="Nytt avsnitt")
        db.session.add(Person(show_id=show.id, episode_id=new.id, **defaults))
        db.session.commit()
        # The show drops the picture; the new episode still uses it, so it stays.
        settings = shows.ShowSettings(
            fields={}, persons=[{"name": "Anna Andersson", "role": "host"}]
        )
        shows.update_show_settings(slug, settings)
        assert len(pictures()) == 1
        # The episode goes too: now no row uses the picture, and it leaves storage.
        editing.delete_episode(show, new.id)
        assert pictures() == set()
        assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == len(
            stored_keys(app)
        )


def test_relative_chapter_pictures_resolve_and_too_many_are_cut(
    app, source, artwork, audio_dir, monkeypatch
):
    from app.extensions import db
    from app.models import Chapter
    from app.services import imports

    monkeypatch.setattr(imports, "MAX_PICTURES", 2)
    items = episodes(audio_dir / "tone.mp3", 1)
    serve_audio(source, items)
    for name in ("a", "b", "c"):
        source.file(f"/1/img/{name}.png", tiny_png(), "image/png")
    chapters = [
        {"startTime": n, "title": name, "img": f"img/{name}.png"}
        for n, name in enumerate(("a", "b", "c"))
    ]
    chapters_url = source.file(
        "/1/chapters.json", json.dumps({"chapters": chapters}).encode(), "application/json"
    )
    items[0].extra = f'<podcast:chapters url="{chapters_url}" />'
    feed = libsyn_feed(source, items, artwork)
    slug, job_id = run_import(app, source.file("/rss", feed, "application/rss+xml"))

    [(_, state, message)] = job_items(app, job_id)
    assert state == "done"
    assert "of 3 picture addresses only the first 2 are imported" in message
    assert progress_notes(app, slug)["items"] == [
        (None, "Bilder utelämnades: av 3 bildadresser importeras bara de första 2.")
    ]
    assert progress_notes(app, slug, "en")["items"] == [
        (None, "Pictures were left out: of 3 picture addresses only the first 2 are imported.")
    ]
    assert "/1/img/c.png" not in source.requests
    with app.app_context():
        stored = db.session.scalars(db.select(Chapter).order_by(Chapter.start_seconds)).all()
        assert [c.img_file is not None for c in stored] == [True, True, False]
        assert all(c.img is None for c in stored)
