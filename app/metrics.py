"""Prometheus metrics: requests per route, feeds, downloads, jobs and the queue.

``prometheus_client`` in its multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR``
is set (gunicorn's workers each write their own files there; a scrape of any
worker sums them), else in-process. ``/metrics`` answers only a request with
``Authorization: Bearer <METRICS_TOKEN>``; without a token it is 404, and
deploy/nginx hides it from the public side anyway.

Other packages report through the small functions here (``feed_served``,
``media_hit``, ``job_succeeded``/``job_failed``, ``register_queue_length``), so
none of them imports prometheus_client.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

bp = Blueprint("metrics", __name__)
log = logging.getLogger(__name__)

ENDPOINT_KEY = "podhost.endpoint"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
FEED_PATH = re.compile(r"/[^/]+/feed\.xml")

REQUESTS = Counter(
    "podhost_http_requests_total",
    "HTTP requests answered, by Flask endpoint (not raw path), method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "podhost_http_request_duration_seconds",
    "Time until the app returned its answer (a streamed body continues after), by endpoint.",
    ["endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
FEEDS = Counter(
    "podhost_feed_pages_total",
    "Feed pages answered, by where the bytes came from: fast_path and memory are this "
    "process's copy, shared the database cache, render a fresh render.",
    ["source"],
)
RENDERS = Counter(
    "podhost_feed_renders_total", "Feed pages rendered (requests, announcer and worker)."
)
MEDIA_HITS = Counter(
    "podhost_media_hits_total",
    "Requests for episode audio stored as hits; counted=false for those the IAB rules exclude.",
    ["counted"],
)
JOBS = Counter("podhost_jobs_total", "Background jobs run, by job and result.", ["job", "result"])

_queue_length: Callable[[], int] | None = None
_in_process_collector = False


def feed_served(source: str) -> None:
    FEEDS.labels(source).inc()


def feed_rendered() -> None:
    RENDERS.inc()


def media_hit(counted: bool) -> None:
    MEDIA_HITS.labels("true" if counted else "false").inc()


def job_succeeded(name: str) -> None:
    JOBS.labels(name, "ok").inc()


def job_failed(name: str) -> None:
    JOBS.labels(name, "failed").inc()


def register_queue_length(length: Callable[[], int] | None) -> None:
    """Name the function that says how many jobs wait (called at each scrape, in a request)."""
    global _queue_length
    _queue_length = length


class QueueLength:
    """A collector asked at scrape time, so the length is current and counted once."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if _queue_length is None:
            return
        try:
            length = _queue_length()
        except Exception:
            log.exception("metrics: the queue length could not be read")
            return
        yield GaugeMetricFamily("podhost_queue_length", "Jobs waiting in the queue.", length)


class RequestMetrics:
    """WSGI middleware outside everything else, so the feed fast path is measured too."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        status = ["500"]

        def recording_start_response(line: str, headers: list, exc_info=None):
            status[0] = line[:3]
            return start_response(line, headers, exc_info)

        try:
            return self.wsgi_app(environ, recording_start_response)
        finally:
            endpoint = environ.get(ENDPOINT_KEY) or _endpoint_outside_flask(environ)
            method = environ["REQUEST_METHOD"]
            method = method if method in METHODS else "other"  # a client picks the method
            REQUESTS.labels(endpoint, method, status[0]).inc()
            LATENCY.labels(endpoint).observe(time.perf_counter() - started)


def _endpoint_outside_flask(environ: dict) -> str:
    """Flask never saw the request: the feed fast path answered it from memory."""
    if FEED_PATH.fullmatch(environ.get("PATH_INFO", "")):
        feed_served("fast_path")
        return "public.feed"
    return "unrouted"


def init_metrics(app: Flask) -> None:
    app.config.setdefault("METRICS_TOKEN", os.environ.get("METRICS_TOKEN") or None)
    app.register_blueprint(bp)
    app.before_request(_remember_endpoint)
    app.wsgi_app = RequestMetrics(app.wsgi_app)
    global _in_process_collector
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR") and not _in_process_collector:
        REGISTRY.register(QueueLength())  # once per process, however many apps it builds
        _in_process_collector = True


def _remember_endpoint() -> None:
    request.environ[ENDPOINT_KEY] = request.endpoint or "unmatched"


@bp.get("/metrics")
def metrics() -> Response:
    """The Prometheus text format, for the bearer of ``METRICS_TOKEN``.

    :raise 404: when no token is configured or the request does not carry it.
    """
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        abort(404)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(QueueLength())
    else:
        registry = REGISTRY
    response = Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
