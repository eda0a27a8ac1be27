"""No client address in any log: werkzeug's request log and gunicorn's access log."""

from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from werkzeug.serving import make_server

PROCFILE = Path(__file__).resolve().parents[3] / "Procfile"


def test_werkzeug_request_log_has_no_address(app, caplog):
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = f"http://127.0.0.1:{server.server_port}/privacy"
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /privacy" in line for line in lines)
    assert not any("127.0.0.1" in line for line in lines)


def test_gunicorn_access_log_from_the_procfile_has_no_address(tmp_path):
    """Run the Procfile's own web command on loopback and read what it logs."""
    [web] = [line for line in PROCFILE.read_text().splitlines() if line.startswith("web:")]
    port = _free_port()
    argv = shlex.split(web[len("web:") :].replace("${PORT:-5000}", str(port)))
    argv = [a.replace("0.0.0.0", "127.0.0.1").replace("${WEB_CONCURRENCY:-2}", "1") for a in argv]
    argv[0] = str(Path(sys.executable).parent / "gunicorn")
    env = {**os.environ, "PODHOST_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("DATABASE_URL", None)
    log = (tmp_path / "gunicorn.log").open("w+")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        # robots.txt needs no database; the instance here is not migrated.
        _wait_and_get(f"http://127.0.0.1:{port}/robots.txt")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    log.seek(0)
    output = log.read()
    log.close()
    access = [line for line in output.splitlines() if "GET /robots.txt" in line]
    assert access, output
    assert not any("127.0.0.1" in line for line in access)


def _wait_and_get(url: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.status == 200
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
