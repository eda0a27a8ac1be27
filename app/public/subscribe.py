"""Subscribe buttons: a show's directory pages where it has them, app deep links otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from app.services.directories import DIRECTORIES


@dataclass(frozen=True)
class SubscribeOption:
    directory: str
    name: str
    url: str


def subscribe_options(feed: str, title: str, links: dict[str, str]) -> list[SubscribeOption]:
    """One button per app, in a fixed order; a directory link the studio set wins.

    Spotify and Podcast Index accept no feed address, so they appear only
    when the show has a link there.

    >>> [o.url for o in subscribe_options("https://p.se/a/feed.xml", "A", {})][:2]
    ['podcast://p.se/a/feed.xml', 'pktc://subscribe/p.se/a/feed.xml']
    >>> subscribe_options("https://p.se/f", "A", {"spotify": "https://open.spotify.com/show/x"})[1]
    SubscribeOption(directory='spotify', name='Spotify', url='https://open.spotify.com/show/x')
    """
    parts = urlsplit(feed)
    bare = parts.netloc + parts.path + (f"?{parts.query}" if parts.query else "")
    deep_links = {
        "apple": f"podcast://{bare}",
        "pocketcasts": f"pktc://subscribe/{bare}",
        "antennapod": "https://antennapod.org/deeplink/subscribe"
        f"?url={quote(feed, safe='')}&title={quote(title, safe='')}",
        "overcast": f"overcast://x-callback-url/add?url={quote(feed, safe='')}",
        "gpodder": f"gpodder://{bare}",
    }
    options = []
    for directory, name in DIRECTORIES.items():
        url = links.get(directory) or deep_links.get(directory)
        if url:
            options.append(SubscribeOption(directory, name, url))
    return options
