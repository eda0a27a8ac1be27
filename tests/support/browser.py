"""Browser testing parts: a real HTTP server for an app, headless Chromium, axe-core, vnu.

Chromium is Debian's (``apt-get install chromium``), driven by Playwright,
because ``playwright install`` cannot download browsers on these machines.
axe-core and the Nu Html Checker come from npm (``package.json``); the
Makefile installs all of them. Reused by any feature that needs a browser.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]


def chromium_path() -> str | None:
    """``PODHOST_CHROMIUM`` or Debian's binary; None when neither exists."""
    for candidate in (os.environ.get("PODHOST_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def missing_tools() -> str | None:
    """Why browser tests cannot run here, or None when everything is installed."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if chromium_path() is None:
        return "Chromium not found at /usr/bin/chromium (apt-get install chromium)"
    if not AXE_SCRIPT.exists():
        return f"axe-core not found at {AXE_SCRIPT} (npm ci)"
    return None


@dataclass
class LiveServer:
    """An app served over real HTTP on a loopback address, in a thread."""

    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def serve(app, host: str = "127.0.0.1") -> Iterator[LiveServer]:
    """Serve ``app`` (any WSGI app) on ``host`` and a free port until the block ends."""
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(host, server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def axe_violations(page) -> list[dict]:
    """Run axe-core's default rules (WCAG A/AA and best practices) on the page as it is now.

    Injected through the DevTools protocol, so a page's own CSP does not block it.
    """
    page.evaluate(AXE_SCRIPT.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": violation["id"],
            "help": violation["help"],
            "nodes": [node["html"][:200] for node in violation["nodes"][:5]],
        }
        for violation in result["violations"]
    ]


def vnu_errors(files: list[Path]) -> list[str]:
    """The Nu Html Checker's errors for ``files``, in one JVM run; [] when all are valid."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        raise FileNotFoundError("java or vnu.jar missing (apt-get install default-jre; npm ci)")
    run = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    return [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages]
