"""Transcripts: VTT and SRT in, every served format out."""

from __future__ import annotations

import json

import pytest

from media.transcripts import Cue, TranscriptError, parse_transcript, render_transcript

VTT = b"""WEBVTT

NOTE made by hand

00:00:01.000 --> 00:00:04.500
<v \xc3\x85sa>V\xc3\xa4lkommen till podden.

00:01:02.250 --> 00:01:05.000
Nu b\xc3\xb6rjar vi.
"""

SRT = b"""1
00:00:01,000 --> 00:00:04,500
\xc3\x85sa: V\xc3\xa4lkommen till podden.

2
00:01:02,250 --> 00:01:05,000
Nu b\xc3\xb6rjar vi.
"""

CUES = [Cue(1.0, 4.5, "Välkommen till podden.", "Åsa"), Cue(62.25, 65.0, "Nu börjar vi.")]


def test_vtt_is_parsed_with_speakers():
    assert parse_transcript(VTT) == CUES


def test_srt_is_parsed():
    cues = parse_transcript(SRT)
    assert [(c.start, c.end) for c in cues] == [(1.0, 4.5), (62.25, 65.0)]
    assert cues[0].text == "Åsa: Välkommen till podden."


def test_round_trips():
    assert parse_transcript(render_transcript(CUES, "vtt", language="sv", title="t").encode()) == (
        CUES
    )
    assert render_transcript(CUES, "srt", language="sv", title="t").encode() == SRT


def test_json_is_the_podcast_index_format():
    document = json.loads(render_transcript(CUES, "json", language="sv", title="t"))
    assert document["version"] == "1.0.0"
    assert document["segments"][0] == {
        "speaker": "Åsa",
        "startTime": 1.0,
        "endTime": 4.5,
        "body": "Välkommen till podden.",
    }


def test_html_escapes_and_has_language():
    page = render_transcript([Cue(0, 1, "<b>&</b>")], "html", language="sv", title="A & B")
    assert '<html lang="sv">' in page
    assert "<p>&lt;b&gt;&amp;&lt;/b&gt;</p>" in page
    assert "<title>A &amp; B</title>" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe not utf-8", "UTF-8"),
        (b"just some text", "no timed cues"),
        (b"WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nx\n", "ends before"),
    ],
)
def test_bad_files_are_refused(data, message):
    with pytest.raises(TranscriptError, match=message):
        parse_transcript(data)
