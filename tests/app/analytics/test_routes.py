"""The studio statistics pages, the CSV export, the analytics prefix and the privacy page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import podcastparser
import pytest

from app.extensions import db
from app.models import DailyDownloads, Episode, utcnow
from app.services.episodes import add_episode
from tests.app.conftest import csrf_token

APPLE = "AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; sv_se)"


@pytest.fixture
def downloaded(app, show, audio_dir):
    """Two episodes: an old one with daily counts on record, and one just downloaded."""
    now = utcnow()
    with app.app_context():
        with (audio_dir / "tone.mp3").open("rb") as audio:
            old = add_episode(show, audio, title="Gammalt", published_at=now - timedelta(days=40))
        with (audio_dir / "tone.m4a").open("rb") as audio:
            new = add_episode(show, audio, title="Nytt", published_at=now - timedelta(hours=1))
        for offset, count in ((0, 5), (3, 2), (10, 4)):
            day = (now - timedelta(days=40 - offset)).date()
            db.session.add(
                DailyDownloads(
                    day=day, episode_id=old.id, app="Pocket Casts", platform="", downloads=count
                )
            )
        db.session.commit()
        return f"/media/{new.audio.storage_key}"


def test_studio_page_charts_compares_and_ranks(app, studio, show, downloaded):
    studio.get(downloaded, headers={"User-Agent": APPLE})
    page = studio.get(f"/studio/{show}/analytics")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<svg role="img"' in html
    assert '<title id="show-chart-title">' in html
    assert "12 downloads in total" in html
    # Gammalt: 7 in its first 7 days, 11 in 30; Nytt: too young for either window.
    assert "<td>7</td>\n    <td>11</td>" in html
    assert "not yet" in html
    assert "Pocket Casts" in html and "AppleCoreMedia" in html and "Unknown" in html
    assert "cdn" not in html and "<script" not in html


def test_episode_page(app, studio, show, downloaded):
    with app.app_context():
        slug = db.session.query(Episode).filter_by(title="Gammalt").one().slug
    page = studio.get(f"/studio/{show}/analytics/episodes/{slug}")
    assert page.status_code == 200
    assert "<dd>11</dd>" in page.get_data(as_text=True)
    assert studio.get(f"/studio/{show}/analytics/episodes/nope").status_code == 404


def test_csv_export(studio, show, downloaded):
    studio.get(downloaded, headers={"User-Agent": APPLE})
    response = studio.get(f"/studio/{show}/analytics/downloads.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sum(int(r["downloads"]) for r in rows) == 12
    assert {r["episode_title"] for r in rows} == {"Gammalt", "Nytt"}


def test_statistics_need_a_login(client, show):
    assert client.get(f"/studio/{show}/analytics").status_code == 302
    assert client.get(f"/studio/{show}/analytics/downloads.csv").status_code == 302


def test_unknown_show_is_404(studio):
    assert studio.get("/studio/nope/analytics").status_code == 404


def test_analytics_prefix_goes_into_the_feed(app, studio, show, downloaded):
    url = f"/studio/{show}/analytics"
    token = csrf_token(studio, url)
    response = studio.post(
        f"{url}/prefix", data={"prefix": "https://op3.dev/e/", "csrf_token": token}
    )
    assert response.status_code == 302
    feed = studio.get(f"/{show}/feed.xml")
    enclosures = [
        e["enclosures"][0]["url"]
        for e in podcastparser.parse("x", io.BytesIO(feed.data))["episodes"]
    ]
    assert enclosures and all(
        u.startswith("https://op3.dev/e/podcasts.test/media/") for u in enclosures
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("op3.dev/e/", "web address"),
        ("https://op3.dev/e", "must end with"),
        ("https://op3.dev/e/?x=1/", "web address"),
        ("https://x/" + "a" * 300 + "/", "at most 255"),
    ],
)
def test_bad_prefixes_are_refused_and_nothing_changes(app, studio, show, value, message):
    url = f"/studio/{show}/analytics"
    token = csrf_token(studio, url)
    response = studio.post(f"{url}/prefix", data={"prefix": value, "csrf_token": token})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    with app.app_context():
        from app.services.shows import get_show

        assert get_show(show).analytics_prefix is None


def test_empty_prefix_removes_it(app, studio, show):
    url = f"/studio/{show}/analytics"
    studio.post(
        f"{url}/prefix",
        data={"prefix": "https://op3.dev/e/", "csrf_token": csrf_token(studio, url)},
    )
    studio.post(f"{url}/prefix", data={"prefix": "", "csrf_token": csrf_token(studio, url)})
    with app.app_context():
        from app.services.shows import get_show

        assert get_show(show).analytics_prefix is None


@pytest.mark.parametrize(
    ("query", "lang", "phrase"),
    [
        ("", "sv", "Ingen IP-adress"),
        ("?lang=sv", "sv", "Ingen IP-adress"),
        ("?lang=en", "en", "No IP address"),
        ("?lang=xx", "sv", "Ingen IP-adress"),
    ],
)
def test_privacy_page_in_swedish_and_english(client, query, lang, phrase):
    response = client.get(f"/privacy{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert phrase in html
    assert "30 " in html  # the retention period, from the configuration
