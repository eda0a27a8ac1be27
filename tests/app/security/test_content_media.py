"""Issue 12, attack 11: audio of an episode that is not out stays private.

After an episode was unpublished its old enclosure URL still answered 206 to
anyone, and draft or scheduled audio was served to anyone with the key. Now
such audio answers 404 to the public on both storage shapes and in both
delivery modes (no presigned or public storage URL is handed out); members
hear it through the studio's preview, which carries a short-lived signed link.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.delivery import previews
from app.extensions import db
from app.models import DownloadHit, Episode, utcnow
from app.services.episodes import add_episode
from tests.app.studio.test_editor import edit_url, save

RANGE = {"Range": "bytes=0-99"}
TITLE = "Hemligt avsnitt"


def new_episode(app, show: str, audio_dir, **kwargs) -> tuple[int, str]:
    """An episode of ``show``; returns its id and its public audio path (/media/...)."""
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as stream:
        episode = add_episode(show, stream, title=TITLE, **kwargs)
        return episode.id, "/media/" + episode.audio.storage_key


def hits(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DownloadHit))


def served(app) -> int:
    """A public range request's answer: 302 to storage in redirect mode when storage has
    URLs (S3 presigns them; local disk without STORAGE_PUBLIC_BASE_URL has none), else 206."""
    redirect = app.config["MEDIA_DELIVERY"] == "redirect"
    return 302 if redirect and app.config["STORAGE_URL"].startswith("s3://") else 206


def refused(client, path: str, **headers) -> None:
    for method in ("GET", "HEAD"):
        response = client.open(path, method=method, headers={**RANGE, **headers})
        assert response.status_code == 404, (method, path)
        assert "Location" not in response.headers
        assert not response.data.startswith(b"ID3")


@pytest.fixture(params=["proxy", "redirect"])
def delivery(request, app) -> str:
    app.config["MEDIA_DELIVERY"] = request.param
    return request.param


def test_draft_and_scheduled_audio_is_404_to_the_public(app, show, audio_dir, delivery):
    client = app.test_client()
    _, draft = new_episode(app, show, audio_dir, publish=False)
    later = utcnow() + timedelta(days=1)
    _, scheduled = new_episode(app, show, audio_dir, publish=True, published_at=later)
    refused(client, draft)
    refused(client, scheduled)
    assert hits(app) == 0


def test_unpublishing_closes_the_old_enclosure_url_at_once(app, studio, show, audio_dir, delivery):
    episode_id, audio = new_episode(app, show, audio_dir, publish=True)
    public = app.test_client()
    before = public.get(audio, headers=RANGE)
    assert before.status_code == served(app)
    unpublish = save(
        studio, app, show, episode_id, action="unpublish", title=TITLE, slug="hemligt-avsnitt"
    )
    assert unpublish.status_code == 302
    refused(public, audio)  # the same process had it cached a moment ago


def test_members_preview_through_a_signed_link(app, studio, show, audio_dir, delivery):
    episode_id, audio = new_episode(app, show, audio_dir, publish=False)
    page = studio.get(edit_url(show, episode_id, "preview")).get_data(as_text=True)
    link = re.search(r'<audio[^>]* src="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert link.startswith("http://podcasts.test" + audio + "?preview=")
    listener = app.test_client()  # no session: the signature alone opens it
    response = listener.get(link.removeprefix("http://podcasts.test"), headers=RANGE)
    assert response.status_code == 206  # streamed by the app, also in redirect mode
    assert response.data[:3] == b"ID3" or response.data[:2] == b"\xff\xfb"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Location" not in response.headers
    assert hits(app) == 0  # a member's preview is no download

    # A signature opens its own key only, and only as it was made.
    _, second = new_episode(app, show, audio_dir, publish=False)
    token = link.split("?preview=", 1)[1]
    refused(listener, f"{second}?preview={token}")
    refused(listener, f"{audio}?preview={token[:-2]}xx")


def test_a_preview_link_expires(app, studio, show, audio_dir, monkeypatch):
    episode_id, _ = new_episode(app, show, audio_dir, publish=False)
    with app.test_request_context():
        link = previews.preview_url(db.session.get(Episode, episode_id).audio)
    monkeypatch.setattr(previews, "PREVIEW_SECONDS", -1)  # older than allowed
    refused(app.test_client(), link.removeprefix("http://podcasts.test"))


def test_published_audio_is_still_served_and_counted(app, show, audio_dir, delivery):
    _, audio = new_episode(app, show, audio_dir, publish=True)
    response = app.test_client().get(audio, headers=RANGE)
    assert response.status_code == served(app)
    assert hits(app) == 1
