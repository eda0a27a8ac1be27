"""The ceiling: a minimal Flask route serving fixed feed bytes, nothing else.

Our feed route cannot be faster than this on the same gunicorn, so the
benchmark reports our throughput as a fraction of it.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

BODY = Path(os.environ["CEILING_BODY"]).read_bytes()
app = Flask(__name__)


@app.get("/feed.xml")
def feed() -> Response:
    response = Response(BODY, mimetype="application/rss+xml")
    response.headers["Content-Encoding"] = "gzip"
    return response
