"""The feed's HTTP exchange, shared by the Flask route and the fast path in front of Flask.

A feed poll is the request this service gets most: every app polls every feed
it follows, mostly to hear that nothing changed. ``FeedFastPath`` answers a poll
from this process's copy of the cached feed before Flask builds a request
context, which is most of the cost of a cached GET. Whatever it cannot answer
from memory (an unknown show, a copy not checked against the database within
``FEED_LOCAL_SECONDS``, a scheduled episode falling due, any other URL) goes on
to Flask untouched, whose route refreshes the copy (``services.feed.cached_feed``).

Both paths build their answer with ``feed_reply``, so they cannot drift apart;
``tests/app/public/test_feed_http.py`` compares them header by header.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import SecurityError
from werkzeug.http import http_date, parse_accept_header, parse_date, parse_etags
from werkzeug.wsgi import get_host

from app.models import utcnow
from app.security_headers import answer_headers
from app.services.feed_cache import DEFAULT_LOCAL_SECONDS, local_feeds_of

if TYPE_CHECKING:
    from app.services.feed import RenderedFeed

FEED_MAX_AGE = 60
FEED_PATH = re.compile(r"/([^/]+)/feed\.xml")
PAGE_QUERY = re.compile(r"page=([0-9]{1,9})")
_STATUS_LINES = {code: f"{code} {HTTPStatus(code).phrase}" for code in (200, 304)}


@dataclass(frozen=True)
class FeedReply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes  # empty for a 304; a HEAD drops it but keeps its Content-Length


def feed_reply(
    rendered: RenderedFeed,
    accept_encoding: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
    now: datetime,
    accept: str | None = None,
) -> FeedReply:
    """The status, headers and body for one request of a cached feed page.

    A browser opening the feed (it asks for ``text/html``) gets the same bytes as
    ``application/xml``: browsers show ``application/rss+xml`` as raw text and
    apply the feed's XSLT only to an XML type. Apps keep ``application/rss+xml``.

    Each encoding is its own
    representation, so the gzipped one has its own strong ETag. A 304 carries
    only the headers RFC 9110 section 15.4.5 asks for, as Werkzeug sends it.
    """
    gzipped = bool(accept_encoding) and parse_accept_header(accept_encoding)["gzip"] > 0
    etag = rendered.etag + ("-gz" if gzipped else "")
    headers = [
        ("ETag", f'"{etag}"'),
        ("Cache-Control", f"public, max-age={feed_max_age(rendered.valid_until, now)}"),
        ("Vary", "Accept-Encoding, Accept"),
        ("Access-Control-Allow-Origin", "*"),
    ]
    if _not_modified(etag, rendered.last_modified, if_none_match, if_modified_since):
        return FeedReply(304, headers, b"")
    body = rendered.body_gzip if gzipped else rendered.body
    headers.append(("Last-Modified", http_date(rendered.last_modified)))
    if gzipped:
        headers.append(("Content-Encoding", "gzip"))
    headers.append(("Content-Type", f"{feed_media_type(accept)}; charset=utf-8"))
    headers.append(("Content-Length", str(len(body))))
    return FeedReply(200, headers, body)


def feed_media_type(accept: str | None) -> str:
    """``application/xml`` for a browser's page request, ``application/rss+xml`` otherwise.

    >>> feed_media_type("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    'application/xml'
    >>> feed_media_type("application/rss+xml, */*"), feed_media_type(None)
    ('application/rss+xml', 'application/rss+xml')
    """
    if accept and parse_accept_header(accept)["text/html"] > 0 and "text/html" in accept:
        return "application/xml"
    return "application/rss+xml"


def feed_max_age(valid_until: datetime | None, now: datetime) -> int:
    """A minute, or less when a scheduled episode is due sooner, so caches pick it up on time."""
    if valid_until is None:
        return FEED_MAX_AGE
    seconds = int((valid_until - now).total_seconds())
    return max(0, min(FEED_MAX_AGE, seconds))


def _not_modified(
    etag: str, last_modified: datetime, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if if_none_match is not None:
        return parse_etags(if_none_match).contains_weak(etag)
    since = parse_date(if_modified_since)
    return since is not None and last_modified <= since


def feed_page_of(query_string: str) -> int | None:
    """The page a feed URL's query asks for, or None when only Flask should judge it.

    Matches what the route reads with ``request.args.get("page", 1, type=int)``
    for the queries apps send: none, or ``page=N``.
    """
    if not query_string:
        return 1
    match = PAGE_QUERY.fullmatch(query_string)
    return int(match.group(1)) if match else None


class FeedFastPath:
    """WSGI middleware: GET and HEAD of ``/<show>/feed.xml`` from this process's copy."""

    def __init__(self, app: Any, wsgi_app: Callable) -> None:
        self.app = app  # the Flask app, for its config and its local feed copies
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        reply = self.reply(environ) if environ["REQUEST_METHOD"] in ("GET", "HEAD") else None
        if reply is None:
            return self.wsgi_app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        headers = [*reply.headers, *answer_headers(path).items()]
        start_response(_STATUS_LINES[reply.status], headers)
        if environ["REQUEST_METHOD"] == "HEAD" or not reply.body:
            return []
        return [reply.body]

    def reply(self, environ: dict) -> FeedReply | None:
        """The answer from memory, or None to let Flask answer (and refresh the copy)."""
        match = FEED_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or not self._host_trusted(environ):
            return None
        page = feed_page_of(environ.get("QUERY_STRING", ""))
        copy = local_feeds_of(self.app).get((match.group(1), page))
        if copy is None:
            return None
        interval = self.app.config.get("FEED_LOCAL_SECONDS", DEFAULT_LOCAL_SECONDS)
        now = utcnow()
        if time.monotonic() - copy.checked_at >= interval or not copy.feed.is_fresh(now):
            return None
        return feed_reply(
            copy.feed,
            environ.get("HTTP_ACCEPT_ENCODING"),
            environ.get("HTTP_IF_NONE_MATCH"),
            environ.get("HTTP_IF_MODIFIED_SINCE"),
            now,
            environ.get("HTTP_ACCEPT"),
        )

    def _host_trusted(self, environ: dict) -> bool:
        """As Flask judges ``TRUSTED_HOSTS``: an untrusted Host goes on to get its 400 there."""
        trusted = self.app.config.get("TRUSTED_HOSTS")
        try:
            return not trusted or bool(get_host(environ, trusted))
        except SecurityError:
            return False
