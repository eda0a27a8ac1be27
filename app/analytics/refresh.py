"""Fetching the current OPAWG pattern lists, all or nothing.

Plain ``urllib``: no Flask. Every file is downloaded and checked before any
is replaced, so a failed refresh leaves the working lists untouched.
"""

from __future__ import annotations

import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from app.analytics.agents import FILES, AgentDataError, parse_patterns

DEFAULT_BASE_URL = "https://raw.githubusercontent.com/opawg/user-agents-v2/HEAD/build"
TIMEOUT_SECONDS = 30


class RefreshError(RuntimeError):
    """The lists could not be fetched or were not valid; the message says which and why."""


def refresh_user_agents(dest: Path, base_url: str = DEFAULT_BASE_URL) -> dict[str, int]:
    """Download ``<base_url>/<name>.runtime.json`` for each list into ``dest``.

    Returns the number of entries per list.

    :raise RefreshError: on any network failure or invalid file; ``dest`` is unchanged.
    """
    fetched = {name: _fetch(f"{base_url.rstrip('/')}/{name}.runtime.json") for name in FILES}
    counts = {}
    for name, data in fetched.items():
        try:
            counts[name] = len(parse_patterns(data))
        except AgentDataError as exc:
            raise RefreshError(f"{name}.runtime.json: {exc}") from exc
    dest.mkdir(parents=True, exist_ok=True)
    for name, data in fetched.items():
        _write_atomically(dest / f"{name}.json", data)
    return counts


def _fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the connection open
        raise RefreshError(f"{url} answered {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RefreshError(f"cannot download {url}: {reason}") from exc


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the new one, never half of it."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
