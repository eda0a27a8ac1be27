"""Recognise podcast apps, bots and devices from a User-Agent with the OPAWG lists.

Plain data in, plain data out: no Flask, no database. The matching follows
the lists' own rules: the first match in bots, apps, libraries, browsers
(in that order) names the agent; devices are matched only for non-bots.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SHIPPED_DATA = Path(__file__).parent / "data" / "opawg"
# Matching order is part of the lists' contract: a bot pattern must win over an app's.
KINDS = ("bots", "apps", "libraries", "browsers")
FILES = (*KINDS, "devices")


class AgentDataError(ValueError):
    """A pattern file is missing, not JSON, or holds a pattern that does not compile."""


@dataclass(frozen=True)
class Pattern:
    name: str
    regex: re.Pattern[str]
    category: str | None


@dataclass(frozen=True)
class Agent:
    """What a User-Agent says about the client; empty strings when unknown."""

    kind: str
    name: str
    device: str
    device_category: str
    is_bot: bool


class UserAgents:
    """The compiled lists, with a cache: podcast traffic repeats a few agents endlessly."""

    def __init__(self, lists: dict[str, list[Pattern]]) -> None:
        self._lists = lists
        self.classify = lru_cache(maxsize=8192)(self._classify)

    @classmethod
    def load(cls, folder: Path) -> UserAgents:
        """:raise AgentDataError: when a file is missing or malformed."""
        return cls({name: parse_patterns(_read(folder / f"{name}.json")) for name in FILES})

    def _classify(self, user_agent: str) -> Agent:
        # The lists say newlines never occur except from bad actors; strip them first.
        user_agent = user_agent.replace("\n", "").replace("\r", "")
        for kind in KINDS:
            found = _first_match(self._lists[kind], user_agent)
            if found is not None:
                is_bot = kind == "bots" or found.category == "bot"
                return self._with_device(kind, found.name, user_agent, is_bot)
        return self._with_device("", "", user_agent, is_bot=False)

    def _with_device(self, kind: str, name: str, user_agent: str, is_bot: bool) -> Agent:
        device = None if is_bot else _first_match(self._lists["devices"], user_agent)
        return Agent(
            kind=kind,
            name=name,
            device=device.name if device else "",
            device_category=(device.category or "") if device else "",
            is_bot=is_bot,
        )


def _first_match(patterns: list[Pattern], user_agent: str) -> Pattern | None:
    for pattern in patterns:
        if pattern.regex.search(user_agent):
            return pattern
    return None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise AgentDataError(f"cannot read {path.name}: {exc.strerror or exc}") from exc


def parse_patterns(data: bytes) -> list[Pattern]:
    """One file's entries, compiled; refuses anything that is not the OPAWG shape.

    :raise AgentDataError: for invalid JSON, a missing field or a bad regex.
    """
    try:
        entries = json.loads(data)["entries"]
        return [
            Pattern(entry["name"], re.compile(entry["pattern"]), entry.get("category"))
            for entry in entries
        ]
    except (ValueError, KeyError, TypeError, re.error) as exc:
        raise AgentDataError(f"not an OPAWG pattern file: {exc}") from exc


@lru_cache(maxsize=4)
def user_agents(folder: str) -> UserAgents:
    """One compiled copy per folder and process; compiling ~700 patterns takes a while."""
    return UserAgents.load(Path(folder))
