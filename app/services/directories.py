"""Links to a show's pages in podcast directories, which only the directories can issue.

Apple Podcasts and Spotify give each show an address of their own once it is
listed there; the producer pastes it in, and the show page links to it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from app.extensions import db
from app.models import DirectoryLink
from app.services.errors import InvalidInput
from app.services.shows import get_show

DIRECTORIES = {
    "apple": "Apple Podcasts",
    "spotify": "Spotify",
    "youtubemusic": "YouTube Music",
    "pocketcasts": "Pocket Casts",
    "antennapod": "AntennaPod",
    "overcast": "Overcast",
    "gpodder": "gPodder",
    "podcastindex": "Podcast Index",
}


def set_directory_link(show_slug: str, directory: str, url: str) -> DirectoryLink:
    """Add or replace the show's link to ``directory``.

    :raise NotFound: for an unknown show.
    :raise InvalidInput: for an unknown directory or a URL that is not https.
    """
    show = get_show(show_slug)
    if directory not in DIRECTORIES:
        raise InvalidInput(
            f"Unknown directory “{directory}”; use one of {', '.join(DIRECTORIES)}.", "directory"
        )
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or len(url) > 1000:
        raise InvalidInput("The directory link must be an https:// address.", "url")
    link = db.session.scalar(
        select(DirectoryLink).where(
            DirectoryLink.show_id == show.id, DirectoryLink.directory == directory
        )
    )
    if link is None:
        link = DirectoryLink(show_id=show.id, directory=directory)
        db.session.add(link)
    link.url = url
    db.session.commit()
    return link


def remove_directory_link(show_slug: str, directory: str) -> None:
    """:raise NotFound: for an unknown show."""
    show = get_show(show_slug)
    link = db.session.scalar(
        select(DirectoryLink).where(
            DirectoryLink.show_id == show.id, DirectoryLink.directory == directory
        )
    )
    if link is not None:
        db.session.delete(link)
        db.session.commit()
