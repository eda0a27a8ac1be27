"""Nothing typed in the episode editor is lost: files attach with the text, and an
autosaved draft survives a closed tab. Real routes, both backends."""

from __future__ import annotations

import io
import json
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import EpisodeDraft
from tests.app.conftest import csrf_token
from tests.app.studio.conftest import client_as, member
from tests.app.studio.test_editor import VTT, edit_url, episode_row, form, save

NOTES = "Om **husen** i Lindängen, och om dem som bor där."
CHAPTERS = {
    "chapters-0-start": "0:00:00",
    "chapters-0-title": "Inledning",
    "chapters-1-start": "0:00:01",
    "chapters-1-title": "Husen",
    "chapters-2-start": "0:00:02",
    "chapters-2-title": "Avslutning",
}


def typed(client, app, show, episode_id) -> dict:
    """The whole editor as a producer leaves it mid-work: notes and three chapters."""
    return form(client, app, show, episode_id, notes_markdown=NOTES, **CHAPTERS)


def publish_now(client, app, show, episode_id) -> None:
    assert save(client, app, show, episode_id, action="publish").status_code == 302


def drafts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(EpisodeDraft))


def test_a_transcript_attached_from_the_editor_keeps_every_typed_character(
    studio, app, show, episode_id
):
    data = typed(studio, app, show, episode_id)
    del data["action"]
    data["language"] = "sv"
    data["transcript"] = (io.BytesIO(VTT), "avsnitt.vtt")
    response = studio.post(
        edit_url(show, episode_id, "transcripts"), data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert response.location.endswith(
        f"{edit_url(show, episode_id)}?draft=restore#transcripts-section"
    )
    page = studio.get(response.location).get_data(as_text=True)
    assert "The transcript is saved." in page
    assert NOTES in page
    for value in CHAPTERS.values():
        assert f'value="{value}"' in page
    # The text is a draft, not the episode: the feed and the saved notes are untouched.
    assert episode_row(app, episode_id).notes_markdown is None
    assert "Lindängen" not in studio.get(f"/{show}/feed.xml").get_data(as_text=True)
    # The restored form is based on the version the transcript made, so saving works.
    version = re.search(r'name="lock_version" type="hidden" value="(\d+)"', page).group(1)
    assert int(version) == episode_row(app, episode_id).lock_version
    saved = studio.post(edit_url(show, episode_id), data={**typed(studio, app, show, episode_id)})
    assert saved.status_code == 302
    assert episode_row(app, episode_id).notes_markdown == NOTES
    assert drafts(app) == 0


def test_a_refused_file_keeps_the_typed_text_beside_its_error(studio, app, show, episode_id):
    data = typed(studio, app, show, episode_id)
    del data["action"]
    data["artwork"] = (io.BytesIO(b"not an image"), "bild.png")
    response = studio.post(
        edit_url(show, episode_id, "artwork"), data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="artwork-error"' in page
    assert "Lindängen" in page and 'value="Avslutning"' in page


def test_chapter_import_replaces_the_typed_chapters_but_keeps_the_notes(
    studio, app, show, episode_id
):
    data = typed(studio, app, show, episode_id)
    del data["action"]
    data["chapters_file"] = (
        io.BytesIO(
            json.dumps({"version": "1.2.0", "chapters": [{"startTime": 1, "title": "Ny"}]}).encode()
        ),
        "kapitel.json",
    )
    response = studio.post(
        edit_url(show, episode_id, "chapters/import"),
        data=data,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = studio.get(response.location).get_data(as_text=True)
    assert 'value="Ny"' in page and 'value="Husen"' not in page
    assert "Lindängen" in page


def test_autosave_keeps_a_draft_that_is_offered_back_and_never_reaches_the_feed(
    studio, app, show, episode_id
):
    publish_now(studio, app, show, episode_id)
    data = typed(studio, app, show, episode_id)
    data["title"] = "Ett utkast till rubrik"
    response = studio.post(edit_url(show, episode_id, "draft"), data=data)
    assert response.status_code == 200
    assert response.json["saved"] is True and "Not saved yet" in response.json["message"]
    assert drafts(app) == 1
    assert "Ett utkast till rubrik" not in studio.get(f"/{show}/feed.xml").get_data(as_text=True)
    assert "Ett utkast till rubrik" not in studio.get(f"/{show}/").get_data(as_text=True)

    # Reopened (the tab crashed): the saved episode, with the draft offered.
    page = studio.get(edit_url(show, episode_id)).get_data(as_text=True)
    assert "Unsaved changes were kept" in page
    assert 'value="Avsnitt ett"' in page
    restored = studio.get(edit_url(show, episode_id) + "?draft=restore").get_data(as_text=True)
    assert 'value="Ett utkast till rubrik"' in restored and "Lindängen" in restored

    # Discarding drops it and shows the saved episode.
    token = csrf_token(studio, edit_url(show, episode_id))
    gone = studio.post(edit_url(show, episode_id, "draft/discard"), data={"csrf_token": token})
    assert gone.status_code == 302 and drafts(app) == 0
    assert "Unsaved changes" not in studio.get(edit_url(show, episode_id)).get_data(as_text=True)


def test_a_draft_equal_to_the_saved_episode_is_not_offered(studio, app, show, episode_id):
    data = form(studio, app, show, episode_id)
    assert studio.post(edit_url(show, episode_id, "draft"), data=data).status_code == 200
    assert "Unsaved changes" not in studio.get(edit_url(show, episode_id)).get_data(as_text=True)


def test_drafts_are_per_producer(studio, app, show, episode_id):
    member(app, show, "kollega@example.org", "editor")
    data = typed(studio, app, show, episode_id)
    data["title"] = "Mitt utkast"
    assert studio.post(edit_url(show, episode_id, "draft"), data=data).status_code == 200
    other = client_as(app, "kollega@example.org")
    assert "Unsaved changes" not in other.get(edit_url(show, episode_id)).get_data(as_text=True)


def test_an_author_keeps_no_draft_of_a_public_episode(studio, app, show, episode_id):
    publish_now(studio, app, show, episode_id)
    member(app, show, "forfattare@example.org", "author")
    author = client_as(app, "forfattare@example.org")
    data = form(author, app, show, episode_id, title="Ändrat")
    response = author.post(edit_url(show, episode_id, "draft"), data=data)
    assert response.status_code == 403
    assert response.json["saved"] is False
    assert drafts(app) == 0


def test_a_huge_draft_is_refused_with_a_message_and_nothing_kept(studio, app, show, episode_id):
    data = form(studio, app, show, episode_id, notes_markdown="x" * 300_000)
    response = studio.post(edit_url(show, episode_id, "draft"), data=data)
    assert response.status_code == 422
    assert "too long" in response.json["message"]
    assert drafts(app) == 0


def test_the_draft_goes_with_the_episode(studio, app, show, episode_id):
    data = typed(studio, app, show, episode_id)
    assert studio.post(edit_url(show, episode_id, "draft"), data=data).status_code == 200
    token = csrf_token(studio, edit_url(show, episode_id, "delete"))
    assert (
        studio.post(edit_url(show, episode_id, "delete"), data={"csrf_token": token}).status_code
        == 302
    )
    assert drafts(app) == 0
