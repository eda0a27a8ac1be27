"""The studio statistics pages, the CSV export, the analytics prefix and the privacy page."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import podcastparser
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import DailyCountryDownloads, DailyDownloads, DownloadHit, Episode, utcnow
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
    page = studio.get(f"/studio/{show}/analytics?days=365")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<svg class="chart') == 2  # for phones and for wider screens
    assert '<title id="show-chart-wide-title">' in html
    assert "12 downloads in total" in html
    # Gammalt: 7 in its first 7 days, 11 in 30; Nytt: too young for either window.
    cells = re.findall(r'<td class="number numeric" data-label="[^"]+">([^<]+)</td>', html)
    assert cells == ["not yet", "not yet", "1", "7", "11", "11"]  # newest first
    assert "not yet" in html
    assert "Pocket Casts" in html and "AppleCoreMedia" in html and "Unknown" in html
    assert "cdn" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline script


def chart_of(html: str, kind: str = "wide") -> str:
    start = html.index(f'<svg class="chart chart-{kind}"')
    return html[start : html.index("</svg>", start)]


@pytest.mark.parametrize(("days", "bars"), [(1, 1), (7, 7), (30, 30)])
def test_each_period_has_one_bar_per_day_with_values_on_the_axis(
    studio, show, downloaded, days, bars
):
    studio.get(downloaded, headers={"User-Agent": APPLE})
    html = studio.get(f"/studio/{show}/analytics?days={days}").get_data(as_text=True)
    chart = chart_of(html)
    assert chart.count('class="chart-bar"') == bars
    values = re.findall(r'class="chart-value"[^>]*>([^<]+)<', chart)
    assert values[0] == "0" and len(values) >= 2  # a value axis from zero up
    assert re.findall(r'class="chart-date"[^>]*>([^<]+)<', chart)  # dates under it
    # One day of data is one bar of readable width, not a block across the chart.
    widths = [float(w) for w in re.findall(r'class="chart-bar"[^>]*width="([\d.]+)"', chart)]
    assert max(widths) <= 56
    # The text alternative has the same numbers as the bars.
    start = html.index('<details class="chart-table')
    table = html[start : html.index("</details>", start)]
    assert table.count("<tr><td>") == bars
    assert 'aria-current="page">' + (f"{days} day" if days == 1 else f"{days} days") in html


def test_a_year_is_shown_by_month(studio, show, downloaded):
    html = studio.get(f"/studio/{show}/analytics?days=365").get_data(as_text=True)
    assert chart_of(html).count('class="chart-bar"') in (12, 13)
    # Gammalt's 11 downloads 30 to 40 days ago fall in one or two months of the table.
    start = html.index('<details class="chart-table')
    table = html[start : html.index("</details>", start)]
    rows = re.findall(r'<tr><td>[^<]+</td><td class="number numeric">(\d+)</td></tr>', table)
    assert sum(int(n) for n in rows) == 11


def test_an_unknown_period_is_the_default(studio, show):
    html = studio.get(f"/studio/{show}/analytics?days=12345").get_data(as_text=True)
    assert chart_of(html).count('class="chart-bar"') == 30


def test_statistics_in_swedish(app, studio, show, downloaded):
    studio.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    studio.get(downloaded, headers={"User-Agent": APPLE})
    html = studio.get(f"/studio/{show}/analytics?days=365").get_data(as_text=True)
    for phrase in ("Statistik", "Tillbaka till podden", "Avsnitten jämförda", "Spara prefix"):
        assert phrase in html, phrase
    for english in ("Statistics for", "Back to the show", "Episodes compared", "Save prefix"):
        assert english not in html, english
    assert "12 nedladdningar totalt" in html


def test_downloads_by_country_without_the_address(app, studio, show, downloaded):
    """81.170.128.1 is a Swedish address in the shipped table; only ``SE`` is kept."""
    studio.get(
        downloaded, headers={"User-Agent": APPLE}, environ_base={"REMOTE_ADDR": "81.170.128.1"}
    )
    with app.app_context():
        hits = db.session.execute(select(DownloadHit)).scalars().all()
        assert [hit.country for hit in hits] == ["SE"]
        stored = [str(value) for hit in hits for value in vars(hit).values()]
        assert not any("81.170" in value for value in stored)
    english = studio.get(f"/studio/{show}/analytics?days=7").get_data(as_text=True)
    assert "<td>Sweden</td>" in english[english.index('id="top-countries"') :]
    studio.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    swedish = studio.get(f"/studio/{show}/analytics?days=7").get_data(as_text=True)
    assert "<td>Sverige</td>" in swedish[swedish.index('id="top-countries"') :]
    with app.app_context():
        counted = db.session.execute(select(DailyCountryDownloads)).scalars().all()
        assert [(c.country, c.downloads) for c in counted] == [("SE", 1)]


def test_episode_page(app, studio, show, downloaded):
    with app.app_context():
        slug = db.session.query(Episode).filter_by(title="Gammalt").one().slug
    page = studio.get(f"/studio/{show}/analytics/episodes/{slug}?days=365")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<dd>11</dd>" in html
    assert chart_of(html).count('class="chart-bar"') in (12, 13)
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
