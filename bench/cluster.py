"""A podhost cluster on loopback, built from the files in deploy/ as an operator would.

nginx (deploy/nginx/podhost.conf, with test ports) in front of app nodes
(gunicorn with deploy/gunicorn.conf.py on their own ports, as separate machines
would be), one PostgreSQL database, one SeaweedFS bucket, Redis (database 13)
and queue consumers (the Procfile's ``worker`` command). Used by
tests/app/production/test_cluster.py and bench/cluster_bench.py; run alone,
``python bench/cluster.py`` starts everything, drives the load of the cluster
test and prints its report as JSON.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SITE = ROOT / "deploy" / "nginx" / "podhost.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
BIN = Path(sys.executable).parent
SECRET = "cluster-secret-key"
METRICS_TOKEN = "cluster-metrics-token"
REDIS_URL = os.environ.get("PODHOST_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
SHOW = "klustret"
EDITOR = "redaktor@example.org"
PASSWORD = "correct horse battery"
FEED_LOCAL_SECONDS = 1.0  # app/services/feed_cache.py: how stale another node's copy may be
FEED_MAX_AGE = 60  # app/public/feed_http.py: how long nginx may keep a feed page


# --- nginx ----------------------------------------------------------------------


def render_site(
    site: str,
    *,
    listen: int,
    upstreams: list[int],
    static_root: Path,
    media_root: Path,
    cache_dir: Path,
) -> str:
    """deploy/nginx/podhost.conf with this machine's ports and folders.

    Each replaced line must be found, so the test fails when the site file
    changes shape instead of silently testing something else.
    """
    servers = "\n".join(
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in upstreams
    )
    replacements = [
        (r"    server 10\.0\.0\.11:8000[^\n]*\n    server 10\.0\.0\.12:8000[^\n]*", servers),
        (r"listen 80;", f"listen 127.0.0.1:{listen};"),
        (r"/var/cache/nginx/podhost", str(cache_dir)),
        (r"/srv/podhost/instance/media/", f"{media_root}/"),
        (r"/srv/podhost/app/static/", f"{static_root}/"),
    ]
    for pattern, value in replacements:
        site, count = re.subn(pattern, lambda _m, v=value: v, site)
        if count != 1:
            raise RuntimeError(f"{SITE}: expected one match of {pattern!r}, found {count}")
    return site


def write_nginx_conf(workdir: Path, site: str, extra: str = "") -> Path:
    """A whole nginx.conf around the site: pid, logs and temp files in ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read pytest's 0700 folders
    temp = "\n".join(
        f"    {name}_temp_path {workdir / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 2;\ndaemon off;\npid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'error.log'} warn;\n"
        "events { worker_connections 4096; }\n"
        "http {\n    include /etc/nginx/mime.types;\n"
        f"    access_log off;\n{temp}\n{site}\n{extra}\n}}\n"
    )
    return conf


def nginx_test(conf: Path) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on the file; its output says what is wrong."""
    return subprocess.run(
        ["nginx", "-t", "-c", str(conf), "-p", str(conf.parent), "-e", str(conf.parent / "t.log")],
        capture_output=True,
        text=True,
    )


# --- processes ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Service:
    """A process of the cluster, stopped the way systemd stops it (SIGTERM, then SIGKILL)."""

    name: str
    process: subprocess.Popen
    log: Path
    port: int | None = None

    def stop(self, grace: float = 20.0) -> int:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ---\n" + "\n".join(text.splitlines()[-lines:])


def start(name: str, command: list[str], env: dict[str, str], workdir: Path) -> Service:
    log = workdir / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Service(name, process, log)


def wait_for(url: str, timeout: float = 180.0, service: Service | None = None) -> None:
    """Until ``url`` answers 200; a process that died says so at once."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service is not None and service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited\n{service.tail()}")
        if _answers(urllib.request.Request(url), timeout=2) is not None:
            return
        time.sleep(0.2)
    tail = service.tail() if service is not None else ""
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s\n{tail}")


# --- the cluster ----------------------------------------------------------------


@dataclass
class Cluster:
    workdir: Path
    database_url: str
    env: dict[str, str]
    nginx: Service
    nodes: list[Service]
    consumers: list[Service]
    media_keys: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.nginx.port}"

    def node_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.nodes[index].port}"

    def app(self):
        """An app in this process on the cluster's database and bucket, for checks."""
        from app import create_app

        return create_app(app_overrides(self.env, self.workdir / "checker"))

    def logs(self) -> str:
        """The end of every process's output, and nginx's error log without repeats."""
        services = "\n".join(s.tail() for s in [self.nginx, *self.nodes, *self.consumers])
        error_log = self.workdir / "nginx" / "error.log"
        lines = error_log.read_text(errors="replace").splitlines() if error_log.exists() else []
        kinds = Counter(
            re.sub(r"^\S+ \S+ |, client: .*|\d+#\d+: \*\d+ ", "", line) for line in lines
        )
        summary = "\n".join(f"{n} x {kind}" for kind, n in kinds.most_common(15))
        return f"{services}\n--- nginx error.log ---\n{summary}"


def app_environment(
    workdir: Path, database_url: str, seaweedfs, bucket: str, public_port: int
) -> dict[str, str]:
    """The environment file of deploy/podhost.env, filled in for loopback."""
    return {
        **os.environ,
        "DATABASE_URL": database_url.replace("postgresql+psycopg://", "postgresql://"),
        "SECRET_KEY": SECRET,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{public_port}",
        "STORAGE_URL": f"s3://{bucket}",
        "S3_ENDPOINT_URL": seaweedfs.endpoint_url,
        "S3_REGION": seaweedfs.region,
        "S3_ADDRESSING_STYLE": "path",
        "S3_ACCESS_KEY_ID": seaweedfs.access_key,
        "S3_SECRET_ACCESS_KEY": seaweedfs.secret_key,
        "TRUSTED_PROXIES": "127.0.0.1",
        "QUEUE_URL": REDIS_URL,
        "METRICS_TOKEN": METRICS_TOKEN,
        "MEDIA_DELIVERY": "redirect",
        "UPLOAD_CORS": "off",
        "WEBSUB_HUB_URL": "",  # no pings leave the machine
        "ANNOUNCE_ON_COMMIT": "0",
        "IMPORT_RUN_IN_WEB": "0",
        "PODHOST_INSTANCE_PATH": str(workdir / "instance"),
    }


def app_overrides(env: dict[str, str], instance: Path) -> dict:
    """``create_app`` settings equal to what ``env`` gives the app processes."""
    return {
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"].replace(
            "postgresql://", "postgresql+psycopg://", 1
        ),
        "STORAGE_URL": env["STORAGE_URL"],
        "STORAGE_OPTIONS": {
            "endpoint_url": env["S3_ENDPOINT_URL"],
            "region": env["S3_REGION"],
            "addressing_style": "path",
            "access_key_id": env["S3_ACCESS_KEY_ID"],
            "secret_access_key": env["S3_SECRET_ACCESS_KEY"],
        },
        "SECRET_KEY": SECRET,
        "PUBLIC_BASE_URL": env["PUBLIC_BASE_URL"],
        "WEBSUB_HUB_URL": "",
        "ANNOUNCE_ON_COMMIT": False,
        "ANALYTICS_BUFFER_SECONDS": 0,
    }


def seed(app, audio: Path, episodes: int = 3) -> list[str]:
    """Migrate, then one show with ``episodes`` published episodes and an editor."""
    from flask_migrate import upgrade

    from app.extensions import db
    from app.services import members
    from app.services.episodes import add_episode
    from app.services.shows import create_show, get_show
    from app.services.users import create_user

    with app.app_context():
        upgrade()
        create_show(SHOW, title="Klustret", language="sv", owner_email="podd@example.org")
        keys = []
        for number in range(1, episodes + 1):
            with audio.open("rb") as stream:
                episode = add_episode(
                    SHOW,
                    stream,
                    title=f"Avsnitt {number}",
                    published_at=datetime(2026, 11, number, 8, tzinfo=UTC),
                )
            keys.append(episode.audio.storage_key)
        members.set_role(create_user(EDITOR, PASSWORD), get_show(SHOW), "editor")
        db.session.remove()
        db.engine.dispose()
    return keys


@contextlib.contextmanager
def running_cluster(
    workdir: Path,
    database_url: str,
    seaweedfs,
    *,
    nodes: int = 2,
    consumers: int = 2,
    nginx_extra: str = "",
    web_concurrency: int = 2,
) -> Iterator[Cluster]:
    """Start everything, seeded with one show; stop everything on the way out."""
    import redis

    from app import create_app
    from media.synth import synthesize

    redis.Redis.from_url(REDIS_URL).flushdb()
    bucket = f"cluster-{uuid.uuid4().hex[:10]}"
    seaweedfs.make_bucket(bucket)
    public_port = free_port()
    env = app_environment(workdir, database_url, seaweedfs, bucket, public_port)
    audio = synthesize(workdir / "avsnitt.mp3", "mp3", seconds=30)
    probe = app_overrides(env, workdir / "seeder")
    keys = seed(create_app(probe), audio)
    started: list[Service] = []
    try:
        app_nodes = []
        for index in range(nodes):
            port = free_port()
            multiproc = workdir / f"metrics-{index}"
            multiproc.mkdir()
            node_env = {
                **env,
                "PODHOST_BIND": f"127.0.0.1:{port}",
                "WEB_CONCURRENCY": str(web_concurrency),
                "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
            }
            command = [str(BIN / "gunicorn"), "--config", str(GUNICORN_CONF), "app:create_app()"]
            node = start(f"node-{index}", command, node_env, workdir)
            node.port = port
            started.append(node)
            app_nodes.append(node)
        workers = []
        for index in range(consumers):
            command = [str(BIN / "flask"), "--app", "app", "worker"]
            workers.append(start(f"consumer-{index}", command, env, workdir))
        started.extend(workers)
        site = render_site(
            SITE.read_text(),
            listen=public_port,
            upstreams=[n.port for n in app_nodes],
            static_root=ROOT / "app" / "static",
            media_root=workdir / "instance" / "media",
            cache_dir=workdir / "nginx-cache",
        )
        conf = write_nginx_conf(workdir / "nginx", site, nginx_extra)
        nginx = start(
            "nginx",
            [
                "nginx",
                "-c",
                str(conf),
                "-p",
                str(conf.parent),
                "-e",
                str(conf.parent / "error.log"),
            ],
            env,
            workdir,
        )
        nginx.port = public_port
        started.append(nginx)
        for node in app_nodes:
            wait_for(f"http://127.0.0.1:{node.port}/readyz", service=node)
        wait_for(f"http://127.0.0.1:{public_port}/healthz", service=nginx)
        yield Cluster(
            workdir, probe["SQLALCHEMY_DATABASE_URI"], env, nginx, app_nodes, workers, keys
        )
    finally:
        for service in reversed(started):
            service.stop()


# --- load -----------------------------------------------------------------------


@dataclass
class Tally:
    """What the proxy answered, per kind of request."""

    statuses: dict[str, Counter] = field(default_factory=dict)
    errors: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int | str | None, error: str | None = None) -> None:
        with self.lock:
            if error:
                self.errors[f"{kind}: {error}"] += 1
            else:
                self.statuses.setdefault(kind, Counter())[status] += 1

    def count(self, kind: str, status: int | None = None) -> int:
        counts = self.statuses.get(kind, Counter())
        return sum(counts.values()) if status is None else counts[status]

    def server_errors(self) -> int:
        return sum(
            n
            for c in self.statuses.values()
            for s, n in c.items()
            if isinstance(s, int) and s >= 500
        )


def poll(port: int, tally: Tally, feeds: list[str], media: list[str], stop_at: float) -> None:
    """One listener's app: feed polls (gzip, sometimes conditional) and ranged audio requests."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    etags: dict[str, str] = {}
    rng = random.Random()
    while time.monotonic() < stop_at:
        if rng.random() < 0.8:
            kind, path = "feed", rng.choice(feeds)
            headers = {"Accept-Encoding": "gzip", "User-Agent": "Overcast/3.0"}
            if path in etags and rng.random() < 0.5:
                headers["If-None-Match"] = etags[path]
        else:
            kind, path = "media", "/media/" + rng.choice(media)
            first = rng.randrange(0, 100_000)
            headers = {
                "Range": f"bytes={first}-{first + 65_535}",
                "User-Agent": rng.choice(("AppleCoreMedia/1.0.0 (iPhone)", "AntennaPod/3.4.0")),
            }
        try:
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            answer.read()
        except (OSError, http.client.HTTPException) as exc:
            tally.add(kind, None, type(exc).__name__)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        tally.add(kind, answer.status)
        if kind == "feed":
            tally.add("feed cache", answer.getheader("X-Cache-Status", "none"))
        if kind == "feed" and answer.getheader("ETag"):
            etags[path] = answer.getheader("ETag")
        if answer.getheader("Connection", "").lower() == "close":
            connection.close()
    connection.close()


class Browser:
    """A producer's browser over urllib: cookies, CSRF tokens, a multipart upload."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base_url + path, timeout=60) as answer:
            return answer.read().decode()

    def token(self, path: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path))
        if match is None:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1)

    def log_in(self, email: str, password: str) -> None:
        fields = {"email": email, "password": password, "csrf_token": self.token("/studio/login")}
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(self.base_url + "/studio/login", data=data, timeout=60) as answer:
            answer.read()

    def upload(self, show: str, title: str, audio: Path) -> int:
        """Post the new-episode form with the file, as the browser without JavaScript does."""
        path = f"/studio/{show}/episodes/new"
        boundary = uuid.uuid4().hex
        fields = {"csrf_token": self.token(path), "title": title, "publish": "y"}
        head = f"--{boundary}\r\nContent-Disposition: form-data; name="
        parts = [f'{head}"{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; '
            f'filename="{audio.name}"\r\nContent-Type: audio/mpeg\r\n\r\n'.encode()
            + audio.read_bytes()
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        with self.opener.open(request, timeout=120) as answer:
            answer.read()
            return answer.status


def _answers(request: urllib.request.Request, timeout: float) -> bytes | None:
    """The body of a 200 (gunzipped), or None for any other answer or none at all."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read()
            if answer.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return body if answer.status == 200 else None
    except urllib.error.HTTPError as refused:
        refused.close()  # it holds the connection
    except OSError:
        pass
    return None


def probe_node(url: str, needle: bytes, limit: float) -> tuple[float | None, float]:
    """Like ``wait_until_served``, and the longest a single answer took.

    Under load a probe waits in the node's queue behind the listeners; that wait
    says nothing about how stale the node's copy is, so the test allows for it.
    """
    started = time.monotonic()
    slowest = 0.0
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    while time.monotonic() - started < limit:
        sent = time.monotonic()
        body = _answers(request, timeout=10)
        slowest = max(slowest, time.monotonic() - sent)
        if body is not None and needle in body:
            return time.monotonic() - started, round(slowest, 2)
        time.sleep(0.05)
    return None, round(slowest, 2)


def wait_until_served(url: str, needle: bytes, limit: float) -> float | None:
    """Seconds until ``url`` contains ``needle``, or None when ``limit`` passed first.

    Asks for gzip as podcast apps do: the micro-cache keeps one copy per
    Accept-Encoding, and an identity request would find none and go to the app.
    """
    started = time.monotonic()
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    while time.monotonic() - started < limit:
        body = _answers(request, timeout=10)
        if body is not None and needle in body:
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def drive(cluster: Cluster, seconds: float, connections: int, scenario: bool = True) -> dict:
    """Listeners' load through nginx for ``seconds``; with ``scenario``, the cluster test's events.

    The listeners run in a process of their own, so their 200 threads do not
    starve the scenario of the interpreter lock. The scenario: an upload through
    nginx after a second, each node then asked directly until it serves the new episode;
    at half-time node 0 is stopped as systemd stops it; after the load, nginx is
    asked until its micro-cache serves the episode. Returns what a test asserts
    on: the proxy's answers, what was stored, and how long the new episode took
    to reach each node and the micro-cache.
    """
    feed = f"/{SHOW}/feed.xml"
    hits_before = _stored(cluster, "")["hits_stored"]
    results, sender = multiprocessing.get_context("fork").Pipe(duplex=False)
    load = multiprocessing.get_context("fork").Process(
        target=_listeners,
        args=(cluster.nginx.port, [feed], cluster.media_keys, seconds, connections, sender),
    )
    began = time.monotonic()
    load.start()
    report: dict = {"seconds": seconds, "connections": connections}
    if scenario:
        _scenario(cluster, report, seconds, feed, began)
    tally = results.recv()
    load.join()
    if scenario:
        report["seen_through_proxy_seconds"] = _through_proxy(cluster, report, feed)
    stored = _stored(cluster, report.get("title", ""))
    stored["hits_stored"] -= hits_before
    media = tally["statuses"].get("media", {})
    stored["media_answered"] = sum(media.get(status, 0) for status in (200, 206, 302))
    report.update(stored)
    report.update(tally)
    report["server_errors"] = sum(
        n
        for counts in tally["statuses"].values()
        for s, n in counts.items()
        if isinstance(s, int) and s >= 500
    )
    report["requests"] = sum(tally["statuses"].get("feed", {}).values()) + sum(media.values())
    return report


def _listeners(port, feeds, media, seconds, connections, sender) -> None:
    """The load process: ``connections`` listeners until the time is up, then their tally."""
    tally = Tally()
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(target=poll, args=(port, tally, feeds, media, stop_at), daemon=True)
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sender.send(
        {
            "statuses": {kind: dict(counts) for kind, counts in tally.statuses.items()},
            "errors": dict(tally.errors),
        }
    )


def _scenario(cluster: Cluster, report: dict, seconds: float, feed: str, began: float) -> None:
    time.sleep(1.0)  # the listeners are at it; on a busy machine the upload takes a while
    title = report["title"] = f"Uppladdat under last {uuid.uuid4().hex[:6]}"
    browser = Browser(cluster.base_url)
    browser.log_in(EDITOR, PASSWORD)
    report["upload_status"] = browser.upload(SHOW, title, cluster.workdir / "avsnitt.mp3")
    report["uploaded_at"] = time.monotonic()
    report["upload_done_at"] = round(report["uploaded_at"] - began, 1)
    probes = [probe_node(f"{cluster.node_url(i)}{feed}", title.encode(), 20) for i in range(2)]
    report["seen_by_node_seconds"] = [seen for seen, _slowest in probes]
    report["slowest_probe_seconds"] = [slowest for _seen, slowest in probes]
    time.sleep(max(0.0, began + seconds / 2 - time.monotonic()))
    report["stopped_node_at"] = round(time.monotonic() - began, 1)
    report["stopped_node_exit"] = cluster.nodes[0].stop()


def _through_proxy(cluster: Cluster, report: dict, feed: str) -> float | None:
    """Seconds from the upload until nginx served the episode; None past max-age and more."""
    waited = time.monotonic() - report.pop("uploaded_at")
    limit = max(1.0, FEED_MAX_AGE + 5 - waited)
    delay = wait_until_served(cluster.base_url + feed, report["title"].encode(), limit)
    return None if delay is None else round(waited + delay, 1)


def _stored(cluster: Cluster, title: str) -> dict:
    """Hits, episodes and objects as the database and the bucket hold them."""
    from sqlalchemy import text

    from app.extensions import db
    from app.storage import current_storage

    time.sleep(1.0)  # the nodes' hit buffers (ANALYTICS_BUFFER_SECONDS)
    app = cluster.app()
    with app.app_context():
        hits = db.session.execute(text("SELECT count(*) FROM download_hits")).scalar_one()
        episodes = db.session.execute(
            text("SELECT count(*) FROM episodes WHERE title = :t AND published_at IS NOT NULL"),
            {"t": title},
        ).scalar_one()
        rows = set(db.session.execute(text("SELECT storage_key FROM stored_files")).scalars())
        objects = set(current_storage().list_keys())
        db.session.remove()
        db.engine.dispose()
    return {
        "hits_stored": hits,
        "uploaded_episodes": episodes,
        "objects_without_row": sorted(objects - rows),
        "rows_without_object": sorted(rows - objects),
    }


def scrape(url: str, token: str | None = METRICS_TOKEN) -> tuple[int, dict[tuple, float]]:
    """A node's /metrics as {(sample name, sorted labels): value}; the status alone when refused."""
    from prometheus_client.parser import text_string_to_metric_families

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
            text = answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, {}
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return 200, samples


def main() -> None:
    """Start a cluster on this machine's PostgreSQL, run the load, print the report."""
    from tests.support import postgres, seaweed

    seconds = float(os.environ.get("CLUSTER_SECONDS", "60"))
    connections = int(os.environ.get("CLUSTER_CONNECTIONS", "200"))
    with tempfile.TemporaryDirectory(prefix="podhost-cluster-") as folder:
        workdir = Path(os.environ.get("CLUSTER_WORKDIR") or folder)  # keep the logs if set
        workdir.mkdir(parents=True, exist_ok=True)
        server = seaweed.start_seaweedfs(seaweed.find_weed(), workdir / "seaweedfs")
        try:
            with (
                postgres.temporary_database() as url,
                running_cluster(workdir, url, server) as cluster,
            ):
                report = drive(cluster, seconds, connections)
                print(json.dumps(report, indent=1))
                print(cluster.logs(), file=sys.stderr)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
