"""The shipped OPAWG lists recognise real podcast clients, bots and devices."""

from __future__ import annotations

import json

import pytest

from app.analytics.agents import SHIPPED_DATA, AgentDataError, UserAgents, parse_patterns

AGENTS = UserAgents.load(SHIPPED_DATA)


@pytest.mark.parametrize(
    ("user_agent", "kind", "name", "device", "is_bot"),
    [
        (
            "Podcasts/1555.2.1 CFNetwork/1494.0.7 Darwin/23.4.0",
            "apps",
            "Apple Podcasts",
            "Apple iPhone",
            False,
        ),
        (
            "AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; sv_se)",
            "libraries",
            "AppleCoreMedia",
            "Apple iPhone",
            False,
        ),
        ("AntennaPod/3.4.0", "apps", "AntennaPod", "Android Phone", False),
        ("gPodder/3.11.4 (+http://gpodder.org/) Linux", "apps", "gPodder", "Other Computer", False),
        ("Spotify/8.9.0 Android/34 (Pixel 8)", "apps", "Spotify", "Android Phone", False),
        (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "bots",
            "Googlebot",
            "",
            True,
        ),
        ("atc/1.0 watchOS/10.4", "bots", "Apple Podcasts (Watch)", "", True),
        ("curl/8.5.0", "bots", "curl", "", True),
        ("okhttp/4.12.0", "libraries", "okhttp", "", True),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
            "browsers",
            "Chrome",
            "Windows Computer",
            False,
        ),
        ("SomethingNobodyKnows/0.1", "", "", "", False),
    ],
)
def test_classify(user_agent, kind, name, device, is_bot):
    agent = AGENTS.classify(user_agent)
    assert (agent.kind, agent.name, agent.device, agent.is_bot) == (kind, name, device, is_bot)


def test_newlines_cannot_dodge_a_pattern():
    assert AGENTS.classify("curl/8.5.0\nAntennaPod/3.4.0").is_bot


def test_the_shipped_lists_carry_their_licence_and_source():
    assert "MIT License" in (SHIPPED_DATA / "LICENSE").read_text()
    assert "opawg/user-agents-v2" in (SHIPPED_DATA / "SOURCE.md").read_text()
    assert len(json.loads((SHIPPED_DATA / "bots.json").read_text())["entries"]) > 100


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b'{"items": []}',
        b'{"entries": [{"name": "x"}]}',
        b'{"entries": [{"name": "x", "pattern": "("}]}',
    ],
)
def test_malformed_lists_are_refused(data):
    with pytest.raises(AgentDataError, match="not an OPAWG pattern file"):
        parse_patterns(data)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(AgentDataError, match=r"bots\.json"):
        UserAgents.load(tmp_path)
