"""schema.org JSON-LD for search engines: ``PodcastSeries`` and ``PodcastEpisode``."""

from __future__ import annotations

from typing import Any

from app.formatting import iso_duration
from app.models import Episode, Show
from app.services.notes import description_text
from app.urls import enclosure_url, episode_url, feed_url, media_url, show_url


def podcast_series(show: Show) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "PodcastSeries",
        "name": show.title,
        "description": description_text(show.description),
        "url": show_url(show),
        "webFeed": feed_url(show),
        "inLanguage": show.language,
        "author": {"@type": "Organization", "name": show.author},
    }
    if show.image:
        data["image"] = media_url(show.image)
    return data


def podcast_episode(episode: Episode) -> dict[str, Any]:
    audio = episode.audio
    return {
        "@context": "https://schema.org",
        "@type": "PodcastEpisode",
        "name": episode.title,
        "description": episode.description,
        "url": episode_url(episode),
        "datePublished": episode.published_at.date().isoformat(),
        "timeRequired": iso_duration(audio.duration),
        "inLanguage": episode.show.language,
        "associatedMedia": {
            "@type": "MediaObject",
            "contentUrl": enclosure_url(episode),
            "encodingFormat": audio.mime_type,
            "contentSize": str(audio.size),
            "duration": iso_duration(audio.duration),
        },
        "partOfSeries": {
            "@type": "PodcastSeries",
            "name": episode.show.title,
            "url": show_url(episode.show),
        },
    }
