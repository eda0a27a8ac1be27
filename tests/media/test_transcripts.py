"""Transcripts: VTT, SRT, Podcast Index JSON and HTML in, every served format out."""

from __future__ import annotations

import json

import pytest

from media.transcripts import (
    Cue,
    TranscriptError,
    parse_html_transcript,
    parse_json_transcript,
    parse_transcript,
    read_transcript,
    render_transcript,
)

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


# The shape of the Podcast Index example: word-by-word segments, a newline ending a sentence.
WORD_JSON = b"""{
  "version": "1.0.0",
  "segments": [
    {"speaker": "Darth Vader", "startTime": 0.5, "endTime": 0.75, "body": "I"},
    {"speaker": "Darth Vader", "startTime": 1, "endTime": 1.25, "body": "am"},
    {"speaker": "Darth Vader", "startTime": 1.5, "endTime": 2.0, "body": "your"},
    {"speaker": "Darth Vader", "startTime": 2.25, "endTime": 2.5, "body": "father.\\n"},
    {"speaker": "Luke", "startTime": 2.75, "endTime": 3.0, "body": "Nooooo"}
  ]
}"""

# Sentence segments as transcription services write them, one without endTime.
SENTENCE_JSON = """\ufeff{"version": "1.0.0", "segments": [
  {"speaker": "Åsa", "startTime": 1.0, "endTime": 4.5, "body": "Välkommen till podden."},
  {"startTime": "62.25", "body": "Nu börjar vi."},
  {"speaker": "Åsa", "startTime": 70, "endTime": 71.5, "body": "   "},
  {"speaker": "Åsa", "startTime": 72, "endTime": 75, "body": "Hej då!"}
]}""".encode()

# The Podcast Index example page, with the markup real pages wrap it in.
SPEC_HTML = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Episode 12</title>
<script>document.write("not a transcript")</script><style>p { color: red }</style></head>
<body>
<cite>Kevin:</cite>
<time>0:00</time>
<p>
  We have an update planned where we would like to give the ability to upload an
  artwork file for these videos
</p>
<cite>Alban :</cite>
<time>0:09</time>
<p>You&#39;re triggering Tom right now with a <em>hey</em>, here&apos;s a cool feature.</p>
<p>Still Alban &amp; still at nine seconds.</p>
<cite>Kevin:</cite>
<time>1:02:03</time>
<p>Ha.</p>
</body></html>
"""


def test_word_level_json_is_joined_into_sentences():
    assert parse_json_transcript(WORD_JSON) == [
        Cue(0.5, 2.5, "I am your father.", "Darth Vader"),
        Cue(2.75, 3.0, "Nooooo", "Luke"),
    ]


def test_sentence_json_keeps_segments_and_fills_missing_end_times():
    assert parse_json_transcript(SENTENCE_JSON) == [
        Cue(1.0, 4.5, "Välkommen till podden.", "Åsa"),
        Cue(62.25, 70.0, "Nu börjar vi."),
        Cue(72.0, 75.0, "Hej då!", "Åsa"),
    ]


def test_our_json_output_reads_back():
    assert (
        parse_json_transcript(render_transcript(CUES, "json", language="sv", title="t").encode())
        == CUES
    )


def test_html_transcript_in_the_spec_shape():
    cues = parse_html_transcript(SPEC_HTML)
    assert cues == [
        Cue(
            0.0,
            9.0,
            "We have an update planned where we would like to give the ability to upload an "
            "artwork file for these videos",
            "Kevin",
        ),
        Cue(
            9.0, 9.0, "You're triggering Tom right now with a hey, here's a cool feature.", "Alban"
        ),
        Cue(9.0, 3723.0, "Still Alban & still at nine seconds.", "Alban"),
        Cue(3723.0, 3723.0, "Ha.", "Kevin"),
    ]
    assert all("not a transcript" not in cue.text and "color" not in cue.text for cue in cues)


def test_our_html_output_reads_back_at_whole_seconds():
    page = render_transcript(CUES, "html", language="sv", title="Avsnitt 1")
    assert parse_html_transcript(page.encode()) == [
        Cue(1.0, 62.0, "Välkommen till podden.", "Åsa"),
        Cue(62.0, 62.0, "Nu börjar vi.", "Åsa"),
    ]


@pytest.mark.parametrize(
    ("data", "fmt"),
    [(VTT, "vtt"), (SRT, "srt"), (WORD_JSON, "json"), (SPEC_HTML, "html")],
)
def test_the_content_tells_the_format(data, fmt):
    assert read_transcript(data)[0] == fmt
    assert read_transcript(data)[1]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "cannot be read"),
        (b"[1, 2]", "no list of segments"),
        (b'{"version": "1.0.0", "segments": {}}', "no list of segments"),
        (b'{"segments": []}', "no segments with words"),
        (b'{"segments": ["I am"]}', "Segment 1 is not an object"),
        (b'{"segments": [{"body": "x"}]}', "Segment 1 has no valid startTime"),
        (b'{"segments": [{"startTime": -1, "body": "x"}]}', "no valid startTime"),
        (b'{"segments": [{"startTime": "NaN", "body": "x"}]}', "no valid startTime"),
        (b'{"segments": [{"startTime": true, "body": "x"}]}', "no valid startTime"),
        (b'{"segments": [{"startTime": 5, "endTime": 1, "body": "x"}]}', "ends before"),
        (b'{"segments": [{"startTime": 1, "body": 7}]}', "no body text"),
        (b"\xff{}", "UTF-8"),
    ],
)
def test_bad_json_is_refused(data, message):
    with pytest.raises(TranscriptError, match=message):
        parse_json_transcript(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # A host's error page, or any page that is not a transcript.
        (b"<html><body><h1>404 Not Found</h1><p>Nothing here.</p></body></html>", "no <time>"),
        (b"<p>Hej</p><time>soon</time><p>igen</p>", "no <time>"),
        (b"<time>0:00</time><cite>Ann</cite><p>  </p>", "no <p>"),
        (b"<time>0:61</time><p>x</p>", "no <time>"),
        (b"\xff<p>", "UTF-8"),
        (b"<<<>>>&&&", "no <time>"),
    ],
)
def test_bad_html_is_refused(data, message):
    with pytest.raises(TranscriptError, match=message):
        parse_html_transcript(data)


def test_script_in_a_paragraph_is_not_text():
    cues = parse_html_transcript(b"<time>0:01</time><p>Hej<script>alert(1)</script> du</p>")
    assert cues == [Cue(1.0, 1.0, "Hej du")]
