"""Rendered pieces of pages kept in memory: a transcript's list of cues.

A half-hour transcript is hundreds of cues, and rendering them was most of the
time of an episode page or a player. The list depends only on the bytes of the
stored transcript file, so each process keeps the most recently shown lists
under the file's SHA-256 (and language), with no expiry needed: a replaced
transcript is another file with another hash.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app, render_template
from markupsafe import Markup

from app.services.catalog import transcript_cues

MAX_CUE_LISTS = 64  # at about 100 KB for an hour of transcript: a few MB per process
_EXTENSION_KEY = "podhost.cue_lists"
_lock = threading.Lock()


def cue_list(transcript_id: int, sha256: str, language: str) -> Markup:
    """The transcript's ``<ol>`` of cues, rendered once per process and file.

    Transcripts are hashed as they are stored, so ``sha256`` is never pending;
    if one were (``""``), it would name no file, so the list is rendered uncached.
    """
    if not sha256:
        return _render(transcript_id, language)
    cache: OrderedDict[tuple[str, str], Markup] = current_app.extensions.setdefault(
        _EXTENSION_KEY, OrderedDict()
    )
    key = (sha256, language)
    with _lock:
        html = cache.get(key)
        if html is not None:
            cache.move_to_end(key)
            return html
    html = _render(transcript_id, language)
    with _lock:
        cache[key] = html
        while len(cache) > MAX_CUE_LISTS:
            cache.popitem(last=False)
    return html


def _render(transcript_id: int, language: str) -> Markup:
    return Markup(
        render_template("embed/_cues.html", cues=transcript_cues(transcript_id), language=language)
    )
