"""Telling the world a feed changed: WebSub publish pings and Podping.

Plain HTTP with the standard library, so the worker needs no extra client.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

USER_AGENT = "podhost"


class PingError(Exception):
    """The hub or Podping did not accept the notification; try again later."""


def websub_publish(hub_url: str, feed_url: str, *, timeout: float = 10.0) -> None:
    """POST ``hub.mode=publish`` for the feed (WebSub section 7 and PubSubHubbub 0.4).

    :raise PingError: on any network error or a non-2xx answer.
    """
    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": feed_url}).encode()
    request = urllib.request.Request(
        hub_url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT},
    )
    _send(request, timeout)


def podping(podping_url: str, token: str, feed_url: str, *, timeout: float = 10.0) -> None:
    """Announce the feed on Podping: GET ``?url=FEED&reason=update`` with the token.

    :raise PingError: on any network error or a non-2xx answer.
    """
    query = urllib.parse.urlencode({"url": feed_url, "reason": "update", "medium": "podcast"})
    separator = "&" if "?" in podping_url else "?"
    request = urllib.request.Request(
        podping_url + separator + query,
        headers={"Authorization": token, "User-Agent": USER_AGENT},
    )
    _send(request, timeout)


def _send(request: urllib.request.Request, timeout: float) -> None:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        raise PingError(f"{request.full_url} answered {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise PingError(f"{request.full_url} could not be reached: {exc}") from exc
    if not 200 <= status < 300:
        raise PingError(f"{request.full_url} answered {status}")
