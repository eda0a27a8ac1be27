"""Static file URLs that carry a hash of the file, so browsers may cache them for a year.

A city page with the player is loaded again and again; with a year-long
cache the player's script and style cost nothing after the first visit,
and a new release still reaches everyone because its URLs change.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import current_app, url_for


def asset_url(filename: str) -> str:
    return url_for(
        "static", filename=filename, v=_content_hash(current_app.static_folder, filename)
    )


@cache
def _content_hash(static_folder: str, filename: str) -> str:
    return hashlib.sha256((Path(static_folder) / filename).read_bytes()).hexdigest()[:12]
