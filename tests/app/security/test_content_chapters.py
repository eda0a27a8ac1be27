"""Issue 12, attack 7: a ``javascript:`` link in chapters from audio tags.

An MP3 whose ID3 CHAP frame carries ``WXXX = javascript:alert(1)``, uploaded and
published, gave a chapters.json with that URL, served to any origin. Every way
chapters come in now passes ``feeds.chapters.web_link``: the upload (form and
browser upload), the editor's table, its JSON and audio-tag imports, replacing
the audio, and a feed import (tests/app/imports/test_content_chapters.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mutagen.id3 import CHAP, ID3, TIT2, WXXX
from sqlalchemy import select

from app.extensions import db
from app.models import Chapter, Episode
from feeds.chapters import web_link
from tests.app.conftest import upload
from tests.app.studio.test_editor import edit_url, form, post_file, save, version

#: (start ms, end ms, title, link) of the poisoned file's chapters.
MARKS = (
    (0, 1000, "Välkomna", "javascript:alert(1)"),
    (1000, 2000, "Mitten", "https://malmo.se/mitten"),
    (2000, 3000, "Hejdå", " JavaScript:alert(document.cookie)"),
)


def poisoned_mp3(audio_dir: Path, target: Path) -> Path:
    """The real 3-second MP3 (PyAV), with CHAP frames whose WXXX links are scripts."""
    shutil.copyfile(audio_dir / "tone.mp3", target)
    tags = ID3()
    for index, (start, end, title, url) in enumerate(MARKS):
        frames = [TIT2(encoding=3, text=title), WXXX(encoding=3, desc="chapter url", url=url)]
        tags.add(CHAP(element_id=f"c{index}", start_time=start, end_time=end, sub_frames=frames))
    tags.save(target)
    assert [f.sub_frames["WXXX:chapter url"].url for f in ID3(target).getall("CHAP")]
    return target


def links_of(app) -> list[tuple[str, str | None]]:
    with app.app_context():
        rows = db.session.scalars(select(Chapter).order_by(Chapter.start_seconds))
        return [(row.title, row.url) for row in rows]


def served_links(client, show: str, slug: str) -> list:
    response = client.get(f"/{show}/episodes/{slug}/chapters.json")
    assert response.status_code == 200
    assert b"javascript" not in response.data.lower()
    return [chapter.get("url") for chapter in response.get_json(force=True)["chapters"]]


SAFE = [("Välkomna", None), ("Mitten", "https://malmo.se/mitten"), ("Hejdå", None)]


def test_an_uploaded_mp3s_script_links_never_reach_chapters_json(
    app, studio, show, audio_dir, tmp_path
):
    path = poisoned_mp3(audio_dir, tmp_path / "avsnitt.mp3")
    response = upload(studio, show, path, title="Kapitel", use_chapters="y")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert links_of(app) == SAFE  # the chapters stay; only the script links go
    assert served_links(app.test_client(), show, "kapitel") == [
        None,
        "https://malmo.se/mitten",
        None,
    ]


@pytest.fixture
def draft(app, show, audio_dir) -> int:
    from app.services.episodes import add_episode

    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as stream:
        return add_episode(show, stream, title="Avsnitt ett", publish=False).id


def test_the_editors_import_from_the_audio_tags_leaves_the_links_out(
    app, studio, show, audio_dir, tmp_path, draft
):
    assert save(studio, app, show, draft, action="publish").status_code == 302
    content = poisoned_mp3(audio_dir, tmp_path / "ny.mp3").read_bytes()
    replaced = post_file(
        studio, app, show, draft, "audio", "audio", content, "ny.mp3", use_file_chapters="y"
    )
    assert replaced.status_code == 302  # the file is welcome; its script links are not
    assert links_of(app) == SAFE
    with app.app_context():
        db.session.execute(db.delete(Chapter))
        db.session.commit()
    data = {
        "csrf_token": form(studio, app, show, draft)["csrf_token"],
        "lock_version": str(version(app, draft)),
        "source": "audio",
    }
    imported = studio.post(edit_url(show, draft, "chapters/import"), data=data)
    assert imported.status_code == 302
    assert links_of(app) == SAFE
    assert served_links(studio, show, "avsnitt-ett") == [None, "https://malmo.se/mitten", None]


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "https:/x"]
)
def test_the_table_and_the_json_import_refuse_a_link_that_is_no_web_address(
    app, studio, show, draft, link
):
    typed = save(
        studio,
        app,
        show,
        draft,
        **{"chapters-0-start": "0:00:00", "chapters-0-title": "Intro", "chapters-0-url": link},
    )
    assert typed.status_code == 422
    assert "Enter a web address starting with https://" in typed.get_data(as_text=True)
    document = {"version": "1.2.0", "chapters": [{"startTime": 0, "title": "A", "url": link}]}
    imported = post_file(
        studio,
        app,
        show,
        draft,
        "chapters/import",
        "chapters_file",
        json.dumps(document).encode(),
        "c.json",
    )
    assert imported.status_code == 422
    assert links_of(app) == []


def test_no_code_path_can_store_one(app, show, draft):
    """The model's own check, behind every way in: a script link set directly is dropped."""
    with app.app_context():
        episode = db.session.get(Episode, draft)
        episode.chapters = [Chapter(start_seconds=0, title="A", url="javascript:alert(1)")]
        db.session.commit()
    assert links_of(app) == [("A", None)]


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("https://malmo.se/a?b=1#c", True),
        ("HTTP://MALMO.SE", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("https://malmo.se/\nx", False),
        ("vbscript:msgbox", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("//evil.example/x", False),
        ("/relative", False),
        ("https://", False),
        ("https://[::1", False),
        ("https://malmö.se", False),
        ("https://malmo.se/" + "a" * 1000, False),
    ],
)
def test_web_link(value, kept):
    assert (web_link(value) is not None) is kept
