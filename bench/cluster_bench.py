"""nginx in front of podhost against nginx alone, side by side in one run (issue 17).

- feed polls through the micro-cache of deploy/nginx/podhost.conf against nginx
  serving the same gzipped bytes as a static file, then how long a change takes
  to show through the cache (it must within the feed's max-age);
- media requests through nginx to the app in redirect mode (each one counted
  and stored) against nginx's own bare ``return 302``.

``python bench/cluster_bench.py`` (PostgreSQL on 127.0.0.1:5432, SeaweedFS from
the test extras, wrk from apt). ``BENCH_SECONDS`` per round (10), ``BENCH_ROUNDS``
(3), ``BENCH_CONNECTIONS`` (16). Prints JSON; bench/README.md has the figures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cluster import FEED_MAX_AGE, SHOW, free_port, running_cluster, wait_until_served

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))


def static_server(port: int, folder: Path) -> str:
    """A second server in the same nginx: the feed as a file, and a bare redirect."""
    return f"""
server {{
    listen 127.0.0.1:{port};
    location = /static/feed.xml {{
        alias {folder / "feed.xml.gz"};
        default_type application/rss+xml;
        add_header Content-Encoding gzip;
        add_header Vary Accept-Encoding;
        add_header Cache-Control "public, max-age=60";
    }}
    location = /bare-302 {{
        return 302 http://127.0.0.1:9/media/object.mp3;
    }}
}}
"""


def wrk(url: str, headers: dict[str, str], seconds: int = SECONDS) -> dict:
    """requests/s and p99 latency (ms) of one wrk round; non-2xx/3xx answers counted."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": rate,
        "p99_ms": round(float(p99.group(1)) * scale, 2),
        "non_2xx_3xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def side_by_side(pairs: dict[str, tuple[str, dict]]) -> dict:
    """Alternate the contenders round by round, so the machine's load hits both alike.

    A short unmeasured round first wakes every gunicorn worker (imports, first queries).
    """
    for url, headers in pairs.values():
        wrk(url, headers, seconds=3)
    runs: dict[str, list[dict]] = {name: [] for name in pairs}
    for _ in range(ROUNDS):
        for name, (url, headers) in pairs.items():
            runs[name].append(wrk(url, headers))
    return {
        name: {
            "rps": round(sum(r["rps"] for r in results) / len(results)),
            "p99_ms": max(r["p99_ms"] for r in results),
            "non_2xx_3xx": sum(r["non_2xx_3xx"] for r in results),
            "socket_errors": [r["socket_errors"] for r in results if r["socket_errors"]],
        }
        for name, results in runs.items()
    }


def change_visible_after(cluster) -> float | None:
    """Rename the show in the database (as the studio would), then poll through nginx.

    Right after the feed rounds, so the micro-cache holds a page of some age up to
    max-age; the rename must show within max-age plus FEED_LOCAL_SECONDS.
    """
    from app.extensions import db
    from app.services.shows import get_show

    title = f"Klustret {int(time.time())}"
    app = cluster.app()
    with app.app_context():
        get_show(SHOW).title = title
        db.session.commit()
        db.engine.dispose()
    return wait_until_served(
        f"{cluster.base_url}/{SHOW}/feed.xml", title.encode(), FEED_MAX_AGE + 10
    )


def main() -> None:
    from tests.support import postgres, seaweed

    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="podhost-bench-") as folder:
        workdir = Path(folder)
        static_port = free_port()
        server = seaweed.start_seaweedfs(seaweed.find_weed(), workdir / "seaweedfs")
        try:
            with (
                postgres.temporary_database() as url,
                running_cluster(
                    workdir,
                    url,
                    server,
                    consumers=0,
                    nginx_extra=static_server(static_port, workdir),
                ) as cluster,
            ):
                feed = f"{cluster.base_url}/{SHOW}/feed.xml"
                gzip = {"Accept-Encoding": "gzip"}
                request = urllib.request.Request(feed, headers=gzip)
                with urllib.request.urlopen(request) as answer:
                    (workdir / "feed.xml.gz").write_bytes(answer.read())
                static = f"http://127.0.0.1:{static_port}"
                media = side_by_side(
                    {
                        "app redirect": (
                            f"{cluster.base_url}/media/{cluster.media_keys[0]}",
                            {"User-Agent": "AppleCoreMedia/1.0.0 (iPhone)"},
                        ),
                        "bare 302": (f"{static}/bare-302", {}),
                    }
                )
                feeds = side_by_side(
                    {
                        "micro-cache": (feed, gzip),
                        "static file": (f"{static}/static/feed.xml", gzip),
                    }
                )
                visible = change_visible_after(cluster)
        finally:
            server.stop()
    print(
        json.dumps(
            {
                "seconds": SECONDS,
                "rounds": ROUNDS,
                "connections": CONNECTIONS,
                "feeds": feeds,
                "feed_ratio": round(feeds["micro-cache"]["rps"] / feeds["static file"]["rps"], 2),
                "change_visible_seconds": None if visible is None else round(visible, 1),
                "media": media,
                "media_ratio": round(media["app redirect"]["rps"] / media["bare 302"]["rps"], 3),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
