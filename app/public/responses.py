"""Sending a rendered public page or player: gzip when the browser takes it, an ETag, 304s.

A transcript makes the episode page and the player long; compressed, an hour
of transcript costs a listener about a quarter of its size, which keeps the
embed within its budget before the audio (see bench/README.md).
"""

from __future__ import annotations

import gzip

from flask import Response, make_response, request

# Below about one packet, compressing saves nothing worth the work.
MIN_GZIP_BYTES = 1400


def page_response(html: str) -> Response:
    """The page, compressed if accepted, with a strong ETag of the bytes sent.

    Each encoding gets its own ETag (the hash of its own bytes), as RFC 9110 asks.
    """
    response = make_response(html)
    response.vary.add("Accept-Encoding")
    if "gzip" in request.accept_encodings and response.content_length >= MIN_GZIP_BYTES:
        # mtime=0: the same page gives the same bytes, so the same ETag, in every process.
        response.set_data(gzip.compress(response.get_data(), compresslevel=6, mtime=0))
        response.content_encoding = "gzip"
    response.add_etag()
    return response.make_conditional(request)
