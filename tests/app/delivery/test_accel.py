"""``MEDIA_DELIVERY=accel``: the app counts the hit and names the file; nginx sends it."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import DownloadHit
from app.services.episodes import add_episode


def test_accel_counts_then_hands_the_file_to_nginx(app, client, show, audio_dir):
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as audio:
        key = add_episode(show, audio, title="Avsnitt").audio.storage_key
    app.config.update(MEDIA_DELIVERY="accel", MEDIA_ACCEL_PREFIX="/_media")
    response = client.get(f"/media/{key}", headers={"Range": "bytes=0-99"})
    assert response.status_code == 200  # nginx answers the range from the file itself
    assert response.headers["X-Accel-Redirect"] == f"/_media/{key}"
    assert response.headers["Content-Type"] == "audio/mpeg"
    assert response.data == b""
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DownloadHit)) == 1
