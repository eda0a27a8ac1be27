"""Feed benchmark: cold render, cached GET, 304, sizes, and throughput under gunicorn.

Run with ``bash bench/run.sh`` (installs wrk from apt if missing). Not part of CI.
Everything listens on 127.0.0.1 only, and every load run is bounded in time.

Environment:
  BENCH_DATABASE_URL  a PostgreSQL URL to run against (default: SQLite in a temp dir)
  BENCH_SIZES         episode counts, default "10,1000,10000"
  BENCH_SECONDS       seconds per wrk run, default 10
  BENCH_SOAK          requests for the memory check, default 100000
  BENCH_LOAD          0 to measure in process only (cold render, GET, 304), without gunicorn
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Episode, FeedCache, StoredFile  # noqa: E402
from app.services.feed import _collector_paused, rebuild_feed, show_feed  # noqa: E402
from app.services.shows import create_show, get_show  # noqa: E402

BASE_URL = "http://podcasts.bench"
SECRET = "bench-secret-key"
ROUNDS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(instance: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "PODHOST_INSTANCE_PATH": str(instance),
        "STORAGE_URL": (instance / "media").as_uri(),
        "PUBLIC_BASE_URL": BASE_URL,
        "WEBSUB_HUB_URL": "",
    }


def build_show(slug: str, count: int) -> None:
    """A show with ``count`` published episodes, inserted in bulk (no audio is stored)."""
    create_show(slug, title=f"Bench {count}", language="sv", owner_email="bench@example.org")
    show = get_show(slug)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for first in range(0, count, 2000):
        numbers = range(first, min(count, first + 2000))
        files = [
            {
                "storage_key": f"{slug}/{uuid.uuid4().hex}.mp3",
                "size": 30_000_000 + n,
                "sha256": "0" * 64,
                "mime_type": "audio/mpeg",
                "duration": 1800.0 + n,
                "created_at": start,
            }
            for n in numbers
        ]
        ids = db.session.scalars(insert(StoredFile).returning(StoredFile.id), files).all()
        db.session.execute(
            insert(Episode),
            [
                {
                    "show_id": show.id,
                    "guid": str(uuid.uuid4()),
                    "slug": f"avsnitt-{n}",
                    "title": f"Avsnitt {n}: om livet i Malmö",
                    "description": "Ett samtal om stadsdelen, skolan och framtiden. " * 8,
                    "notes_html": "<p>Ett samtal om <a href='https://malmo.se'>Malmö</a>.</p>",
                    "published_at": start + timedelta(hours=n),
                    "audio_id": file_id,
                    "episode_number": n + 1,
                    "created_at": start,
                    "updated_at": start,
                }
                for n, file_id in zip(numbers, ids, strict=True)
            ],
        )
    db.session.commit()


def timed(function, repeat: int) -> float:
    """Best of ``repeat`` runs, in milliseconds: the least disturbed measurement."""
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - began)
    return best * 1000


def count_queries(function) -> int:
    statements: list[str] = []

    def listen(*args) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        function()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    return len(statements)


def measure_in_process(app, slug: str) -> dict:
    """Cold render, cached GET and 304 through the test client, with and without the fast path."""
    client = app.test_client()
    url = f"/{slug}/feed.xml"
    with app.test_request_context(base_url=BASE_URL):
        show = get_show(slug)

        def cold() -> None:
            db.session.execute(text("DELETE FROM feed_cache"))
            db.session.commit()
            rebuild_feed(show)

        cold_ms = timed(cold, 3)
        # The render alone, with the cycle collector paused as rebuild_feed does, and with
        # it running as before that pause: the two side by side, alternating, best of 3 each.
        paused_ms, running_ms = float("inf"), float("inf")
        for _ in range(3):
            with _collector_paused():
                paused_ms = min(paused_ms, timed(lambda: show_feed(show), 1))
            running_ms = min(running_ms, timed(lambda: show_feed(show), 1))
        db.session.execute(text("DELETE FROM feed_cache"))
        db.session.commit()
        queries = count_queries(lambda: rebuild_feed(show))
        row = db.session.scalar(select(FeedCache).where(FeedCache.show_id == show.id))
        body, zipped = row.body, row.body_gzip
    first = client.get(url)
    etag = first.headers["ETag"]
    get_ms = timed(lambda: client.get(url), 50)
    not_modified_ms = timed(lambda: client.get(url, headers={"If-None-Match": etag}), 50)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    route = create_app({"FEED_FAST_PATH": False}).test_client()
    route.get(url)
    route_get_ms = timed(lambda: route.get(url), 50)
    route_not_modified_ms = timed(lambda: route.get(url, headers={"If-None-Match": etag}), 50)
    assert gzip.decompress(zipped) == body
    return {
        "cold_render_ms": round(cold_ms, 1),
        "cold_render_queries": queries,
        "render_ms_collector_paused": round(paused_ms, 1),
        "render_ms_collector_running": round(running_ms, 1),
        "cached_get_ms": round(get_ms, 2),
        "not_modified_ms": round(not_modified_ms, 2),
        "cached_get_ms_flask_route": round(route_get_ms, 2),
        "not_modified_ms_flask_route": round(route_not_modified_ms, 2),
        "bytes": len(body),
        "bytes_gzip": len(zipped),
    }


def start_gunicorn(app_spec: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"gunicorn {app_spec} did not start")


def stop(process: subprocess.Popen) -> None:
    """End gunicorn by its own process group (started for it alone)."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wrk(url: str, seconds: int, gzip_header: bool = True) -> dict:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url]
    if gzip_header:
        command[1:1] = ["-H", "Accept-Encoding: gzip"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "requests": total,
        "p99": p99,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def fetch_gzip(url: str) -> bytes:
    """The gzipped body, as curl gets it (generous timeout: a first GET renders the feed)."""
    command = ["curl", "-sf", "--max-time", "120", "-H", "Accept-Encoding: gzip", url]
    return subprocess.run(command, capture_output=True, check=True).stdout


def worker_rss_kib(master: subprocess.Popen) -> int:
    """Summed resident memory of gunicorn's workers (children of the master)."""
    total = 0
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total


def main() -> None:
    sizes = [int(n) for n in os.environ.get("BENCH_SIZES", "10,1000,10000").split(",")]
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    soak = int(os.environ.get("BENCH_SOAK", "100000"))
    load = os.environ.get("BENCH_LOAD", "1") != "0"  # 0: in-process figures only, no gunicorn
    if load and shutil.which("wrk") is None:
        sys.exit("wrk is missing: run bench/run.sh, which installs it")
    with tempfile.TemporaryDirectory(prefix="podhost-bench-") as folder:
        instance = Path(folder)
        database_url = os.environ.get("BENCH_DATABASE_URL") or (
            f"sqlite:///{instance / 'bench.sqlite3'}"
        )
        env = environment(instance, database_url)
        os.environ.update(env)
        app = create_app()
        results: dict = {"database": database_url.split(":")[0], "shows": {}}
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            for count in sizes:
                build_show(f"bench-{count}", count)
                results["shows"][count] = measure_in_process(app, f"bench-{count}")
            db.engine.dispose()
        if load:
            results["throughput"] = throughput(sizes, seconds, soak, env, instance)
    print(json.dumps(results, indent=2))


def throughput(sizes: list[int], seconds: int, soak: int, env: dict, instance: Path) -> dict:
    """Our cached feed under gunicorn against a minimal Flask route serving the same bytes.

    Three servers run at once: the app as deployed (polls answered by the fast
    path ahead of Flask), the app with ``FEED_FAST_PATH=0`` (every poll through
    the Flask route), and the ceiling. They are loaded in alternation, several
    rounds, so a change in the machine's background load hits all alike.
    """
    out: dict = {}
    for count in sizes:
        servers: dict[str, tuple[subprocess.Popen, str]] = {}
        try:
            for name, extra in (("ours", {}), ("flask_route", {"FEED_FAST_PATH": "0"})):
                port = free_port()
                process = start_gunicorn("app:create_app()", port, {**env, **extra})
                servers[name] = (process, f"http://127.0.0.1:{port}/bench-{count}/feed.xml")
            # Warm up: the first request builds the cache row; wait for it to finish.
            body = fetch_gzip(servers["ours"][1])
            (instance / "ceiling.bin").write_bytes(body)
            port = free_port()
            process = start_gunicorn(
                "bench.ceiling_app:app",
                port,
                {**env, "CEILING_BODY": str(instance / "ceiling.bin")},
            )
            servers["ceiling"] = (process, f"http://127.0.0.1:{port}/feed.xml")
            for name, (_, url) in servers.items():  # every server sends the same bytes
                assert fetch_gzip(url) == body, f"{name} served other bytes"
            rounds = [
                {name: wrk(url, seconds) for name, (_, url) in servers.items()}
                for _ in range(ROUNDS)
            ]
        finally:
            for process, _ in servers.values():
                stop(process)
        total = {name: sum(r[name]["rps"] for r in rounds) for name in servers}
        out[count] = {
            "rounds": rounds,
            "ratio": round(total["ours"] / total["ceiling"], 3),
            "ratio_flask_route": round(total["flask_route"] / total["ceiling"], 3),
            "round_ratios": [round(r["ours"]["rps"] / r["ceiling"]["rps"], 3) for r in rounds],
            "round_ratios_flask_route": [
                round(r["flask_route"]["rps"] / r["ceiling"]["rps"], 3) for r in rounds
            ],
        }
    out["memory"] = memory_soak(f"bench-{sizes[min(1, len(sizes) - 1)]}", soak, env)
    return out


def memory_soak(slug: str, requests: int, env: dict) -> dict:
    """Worker memory after a warm-up and then every 10 s up to ``requests``: it should stay flat."""
    port = free_port()
    server = start_gunicorn("app:create_app()", port, env)
    try:
        url = f"http://127.0.0.1:{port}/{slug}/feed.xml"
        done = wrk(url, 10)["requests"]  # warm-up: every worker has served and copied the feed
        series = [(done, worker_rss_kib(server))]
        began = time.monotonic()
        while done < requests and time.monotonic() - began < 300:
            done += wrk(url, 10)["requests"]
            series.append((done, worker_rss_kib(server)))
    finally:
        stop(server)
    return {"requests": done, "rss_kib_by_requests": series}


if __name__ == "__main__":
    main()
