"""Subscribe buttons: the directories that list the show first, then apps that take its feed.

A directory page (``https://podcasts.apple.com/…``, ``https://open.spotify.com/…``,
``https://music.youtube.com/…``) works on every device, in the app or the browser,
so those the producer entered in the studio come first. A deep link opens only
an installed app on its own platforms, and elsewhere does nothing at all, so each
names its platforms and ``site.js`` shows only those of the listener's device.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from app.services.directories import DIRECTORIES

IOS, ANDROID, MAC, WINDOWS, LINUX = "ios", "android", "mac", "windows", "linux"


@dataclass(frozen=True)
class SubscribeOption:
    directory: str
    name: str  # the platform's own name for itself
    url: str
    platforms: tuple[str, ...] = ()  # a deep link's platforms; () for a web address


def subscribe_options(feed: str, title: str, links: dict[str, str]) -> list[SubscribeOption]:
    """The show's directory pages in ``DIRECTORIES`` order, then deep links to other apps.

    >>> [o.url for o in subscribe_options("https://p.se/a/feed.xml", "A", {})][:2]
    ['podcast://p.se/a/feed.xml', 'pktc://subscribe/p.se/a/feed.xml']
    >>> options = subscribe_options(
    ...     "https://p.se/f", "A", {"spotify": "https://open.spotify.com/show/x",
    ...                             "apple": "https://podcasts.apple.com/se/podcast/id1"})
    >>> [(o.name, o.platforms) for o in options[:3]]
    [('Apple Podcasts', ()), ('Spotify', ()), ('Pocket Casts', ('ios', 'android'))]
    """
    parts = urlsplit(feed)
    bare = parts.netloc + parts.path + (f"?{parts.query}" if parts.query else "")
    deep_links = {
        "apple": (f"podcast://{bare}", (IOS, MAC)),
        "pocketcasts": (f"pktc://subscribe/{bare}", (IOS, ANDROID)),
        "antennapod": (
            "https://antennapod.org/deeplink/subscribe"
            f"?url={quote(feed, safe='')}&title={quote(title, safe='')}",
            (ANDROID,),
        ),
        "overcast": (f"overcast://x-callback-url/add?url={quote(feed, safe='')}", (IOS,)),
        "gpodder": (f"gpodder://{bare}", (LINUX, WINDOWS, MAC)),
    }
    listed = [
        SubscribeOption(directory, name, links[directory])
        for directory, name in DIRECTORIES.items()
        if links.get(directory)
    ]
    apps = [
        SubscribeOption(directory, DIRECTORIES[directory], url, platforms)
        for directory, (url, platforms) in deep_links.items()
        if not links.get(directory)
    ]
    return listed + apps
