"""The show's feed: rows mapped onto ``feeds`` dataclasses and rendered."""

from __future__ import annotations

from datetime import datetime

from app.models import Episode, Show, utcnow
from app.services.episodes import published_episodes
from app.urls import enclosure_url, episode_url, feed_url, media_url, show_url
from feeds.model import Enclosure, FeedEpisode, FeedShow
from feeds.rss import render_feed


def show_feed(show: Show, now: datetime | None = None) -> bytes:
    """The RSS bytes of the show's published episodes as of ``now``."""
    now = now or utcnow()
    episodes = [feed_episode(e) for e in published_episodes(show, now)]
    return render_feed(feed_show(show), episodes, now=now)


def feed_show(show: Show) -> FeedShow:
    return FeedShow(
        title=show.title,
        description=show.description or show.title,
        language=show.language,
        link=show_url(show),
        feed_url=feed_url(show),
        image_url=media_url(show.image) if show.image else "",
        author=show.author,
        owner_name=show.owner_name,
        owner_email=show.owner_email,
        category=show.category,
        subcategory=show.subcategory,
        explicit=show.explicit,
        copyright=show.copyright,
    )


def feed_episode(episode: Episode) -> FeedEpisode:
    audio = episode.audio
    return FeedEpisode(
        guid=episode.guid,
        title=episode.title,
        description=episode.description or episode.title,
        published_at=episode.published_at,
        duration_seconds=audio.duration or 0.0,
        enclosure=Enclosure(
            url=enclosure_url(episode), length=audio.size, mime_type=audio.mime_type
        ),
        link=episode_url(episode),
        explicit=episode.explicit,
    )
