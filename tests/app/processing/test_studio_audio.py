"""The studio's side of audio processing: status and loudness in words, the master, settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.numbers import format_decimal
from sqlalchemy import select

from app.extensions import db
from app.models import EpisodeAudio, Show
from app.processing.wording import NOTES, REASONS, STATES
from tests.support.i18n import assert_swedish
from tests.support.programme import programme


@pytest.fixture
def app_config(app_config: dict) -> dict:
    return {**app_config, "AUDIO_PROCESSING": True}


@pytest.mark.parametrize("table", [REASONS, NOTES, STATES], ids=["reasons", "notes", "states"])
def test_every_sentence_has_its_swedish(table: dict[str, str]) -> None:
    for code, wording in table.items():
        assert_swedish(wording, code)


def test_the_editor_says_the_loudness_before_and_after_in_both_languages(
    app, runner, studio, show, tmp_path: Path
) -> None:
    master = programme(tmp_path / "inspelning.wav", 8.0, level=0.02)
    result = runner.invoke(
        args=["episodes", "add", show, str(master), "--title", "Tyst", "--publish"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        row = db.session.scalar(select(EpisodeAudio))
        episode_id, before = row.episode_id, round(row.loudness_before)
    assert before < -25
    page = f"/studio/{show}/episodes/{episode_id}/edit"
    english = studio.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"{before} LUFS: much quieter than most podcasts; normalising brings it to -16" in (
        english
    )
    assert "Audio ready" in english
    swedish = studio.get(page, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    minus = format_decimal(-1, locale="sv")[0]  # Babel's minus sign for Swedish
    assert (
        f"{minus}{-before} LUFS: mycket tystare än de flesta poddar; "
        f"normaliseringen tar det till {minus}16"
    ) in swedish
    assert "Ljudet är klart" in swedish
    listing = studio.get(f"/studio/{show}/", headers={"Accept-Language": "sv"})
    assert "Ljudet är klart" in listing.get_data(as_text=True)

    download = studio.get(f"/studio/{show}/episodes/{episode_id}/audio/master")
    assert download.status_code == 200
    assert download.data == master.read_bytes()
    assert "inspelning.wav" in download.headers["Content-Disposition"]


def test_the_show_admin_sets_bit_rates_and_an_alternate(app, studio, show, producer) -> None:
    from app.services import members
    from app.services.shows import get_show
    from app.services.users import find_user
    from tests.app.conftest import csrf_token

    url = f"/studio/{show}/settings/audio"
    assert studio.get(url).status_code == 403  # editors may not
    with app.app_context():
        members.set_role(find_user(producer), get_show(show), "admin")
    token = csrf_token(studio, url)
    refused = studio.post(url, data={"csrf_token": token, "mp3_kbps_stereo": "999"})
    assert refused.status_code == 400
    assert "Choose one of the bit rates offered." in refused.get_data(as_text=True)
    saved = studio.post(
        url,
        data={
            "csrf_token": token,
            "mp3_kbps_stereo": "96",
            "mp3_kbps_mono": "64",
            "alternate": "opus",
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(Show))
        assert (stored.audio_normalise, stored.audio_mp3_kbps_stereo, stored.audio_alternate) == (
            False,
            96,
            "opus",
        )
