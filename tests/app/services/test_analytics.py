"""Recording hits and aggregating them: every counting rule, at fixed times, on both databases."""

from __future__ import annotations

import ipaddress
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import DailyDownloads, DownloadHit, DownloadSalt, Episode
from app.services.analytics import MediaRequest, aggregate_downloads, record_hit
from app.services.episodes import add_episode
from app.services.files import MediaFile

PUBLISHED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
APPLE = "AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; sv_se)"
ANTENNAPOD = "AntennaPod/3.4.0"
ADDRESS = "203.0.113.7"


@pytest.fixture
def episode_id(app, show, audio_dir) -> int:
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as audio:
        return add_episode(show, audio, title="Avsnitt", published_at=PUBLISHED).id


def hit(app, episode_id, *, at=NOON, ua=APPLE, ip=ADDRESS, method="GET", served="all", xff=None):
    """Record one request the way /media does, and return why it does not count (or None)."""
    with app.app_context():
        episode = db.session.get(Episode, episode_id)
        if served == "all":
            served = (0, episode.audio.size - 1)
        request = MediaRequest(method, ip, xff, ua, served)
        return record_hit(MediaFile.of(episode.audio, episode, episode), request, now=at)


def downloads(app, now=NOON) -> dict[tuple[date, str, str], int]:
    with app.app_context():
        aggregate_downloads(now)
        rows = db.session.scalars(select(DailyDownloads))
        return {(r.day, r.app, r.platform): r.downloads for r in rows}


def test_one_listener_app_and_episode_counts_once_a_day(app, episode_id):
    for minutes in (0, 5, 300):
        assert hit(app, episode_id, at=NOON + timedelta(minutes=minutes)) is None
    assert downloads(app) == {(NOON.date(), "AppleCoreMedia", "Apple iPhone"): 1}


def test_another_agent_or_address_is_another_download(app, episode_id):
    hit(app, episode_id)
    hit(app, episode_id, ua=ANTENNAPOD)
    hit(app, episode_id, ip="203.0.113.8")
    assert downloads(app) == {
        (NOON.date(), "AppleCoreMedia", "Apple iPhone"): 2,
        (NOON.date(), "AntennaPod", "Android Phone"): 1,
    }


def test_ipv6_addresses_in_one_64_are_one_listener(app, episode_id):
    hit(app, episode_id, ip="2001:db8:1:2::10")
    hit(app, episode_id, ip="2001:db8:1:2:ffff::99")
    hit(app, episode_id, ip="2001:db8:1:3::10")
    assert downloads(app) == {(NOON.date(), "AppleCoreMedia", "Apple iPhone"): 2}


def test_the_window_is_the_utc_day(app, episode_id):
    """IAB 2.x allows a fixed calendar day; it matches the daily salt."""
    hit(app, episode_id, at=datetime(2026, 3, 2, 23, 50, tzinfo=UTC))
    hit(app, episode_id, at=datetime(2026, 3, 3, 0, 10, tzinfo=UTC))
    counts = downloads(app, now=datetime(2026, 3, 3, 1, 0, tzinfo=UTC))
    assert sorted(counts.values()) == [1, 1]
    assert {day for day, _, _ in counts} == {date(2026, 3, 2), date(2026, 3, 3)}


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"ua": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}, "bot"),
        ({"ua": "okhttp/4.12.0"}, "bot"),
        ({"ua": "atc/1.0 watchOS/10.4"}, "bot"),
        ({"ua": "Overcast/3.0 (+http://overcast.fm/; Apple Watch podcast app)"}, "watch"),
        ({"served": (0, 1)}, "probe"),
        ({"served": (1000, 2000)}, "short"),
        ({"method": "HEAD"}, "head"),
        ({"served": None}, "no_content"),
        ({"at": PUBLISHED - timedelta(minutes=1)}, "unpublished"),
    ],
)
def test_requests_that_do_not_count(app, episode_id, kwargs, reason):
    assert hit(app, episode_id, **kwargs) == reason
    assert downloads(app) == {}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DownloadHit)) == 1


def test_drafts_are_not_counted(app, show, audio_dir):
    with app.app_context(), (audio_dir / "tone.mp3").open("rb") as audio:
        draft = add_episode(show, audio, title="Utkast", publish=False).id
    assert hit(app, draft) == "unpublished"


def test_forwarded_for_counts_only_from_trusted_proxies(app, episode_id):
    hit(app, episode_id, ip="10.0.0.2", xff="198.51.100.1")
    hit(app, episode_id, ip="198.51.100.1")
    assert sum(downloads(app).values()) == 2
    app.config["TRUSTED_PROXIES"] = [ipaddress.ip_network("10.0.0.0/8")]
    hit(app, episode_id, ip="10.0.0.3", xff="198.51.100.1")
    assert sum(downloads(app).values()) == 2


def test_no_address_is_stored_and_old_salts_are_deleted(app, episode_id):
    day_one = NOON
    day_two = NOON + timedelta(days=1)
    hit(app, episode_id, at=day_one)
    hit(app, episode_id, at=day_two)
    with app.app_context():
        assert [s.day for s in db.session.scalars(select(DownloadSalt))] == [day_two.date()]
        hits = list(db.session.scalars(select(DownloadHit).order_by(DownloadHit.id)))
        assert hits[0].listener != hits[1].listener  # unlinkable across days
        for row in hits:
            assert ADDRESS not in " ".join(str(v) for v in vars(row).values())


def test_aggregation_is_idempotent_and_picks_up_new_hits(app, episode_id):
    hit(app, episode_id)
    first = downloads(app)
    assert downloads(app) == first
    hit(app, episode_id, ip="203.0.113.99")
    assert downloads(app) == {(NOON.date(), "AppleCoreMedia", "Apple iPhone"): 2}


def test_raw_hits_expire_after_the_retention_period_but_counts_stay(app, episode_id):
    hit(app, episode_id)
    later = NOON + timedelta(days=31)
    hit(app, episode_id, at=later)
    counts = downloads(app, now=later)
    with app.app_context():
        assert [h.day for h in db.session.scalars(select(DownloadHit))] == [later.date()]
    assert downloads(app, now=later) == counts
    assert sum(counts.values()) == 2


def test_retention_is_configurable(app, episode_id):
    hit(app, episode_id)
    with app.app_context():
        assert aggregate_downloads(NOON + timedelta(days=3), retention_days=2) == 1


def test_two_writers_at_once_lose_no_hit(app, episode_id):
    """Two threads with their own connections stand in for two web processes."""
    per_writer = 25
    errors = []

    def writer(number: int) -> None:
        try:
            for n in range(per_writer):
                hit(app, episode_id, ip=f"198.51.{number}.{n}")
        except Exception as exc:  # reported below, with the thread's own error
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DownloadHit)) == 2 * per_writer
    assert sum(downloads(app).values()) == 2 * per_writer
