from __future__ import annotations

import json

import pytest

from feeds.chapters import Chapter, render_chapters


def test_chapters_are_version_1_2_sorted_with_only_set_fields():
    data = render_chapters(
        [Chapter(90.5, "Skolan", url="https://malmo.se"), Chapter(0, "Intro", img="i.jpg")]
    )
    assert json.loads(data) == {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0, "title": "Intro", "img": "i.jpg"},
            {"startTime": 90.5, "title": "Skolan", "url": "https://malmo.se"},
        ],
    }


def test_negative_start_is_refused():
    with pytest.raises(ValueError, match="before 0"):
        render_chapters([Chapter(-1, "x")])
