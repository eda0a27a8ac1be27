"""``/metrics`` in one process (tests/app/production/test_cluster.py covers gunicorn's workers)."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import metrics
from app.jobs import job

TOKEN = "metrics-test-token"


@pytest.fixture
def scrape(app, client):
    app.config["METRICS_TOKEN"] = TOKEN

    def scrape() -> dict[tuple, float]:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples
        }

    return scrape


def test_without_token_or_with_a_wrong_one_metrics_are_not_found(app, client):
    assert client.get("/metrics").status_code == 404  # no METRICS_TOKEN: metrics are off
    app.config["METRICS_TOKEN"] = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 404


def test_requests_are_counted_per_endpoint_not_per_path(client, show, scrape):
    key = (
        "podhost_http_requests_total",
        (("endpoint", "public.show"), ("method", "GET"), ("status", "200")),
    )
    before = scrape().get(key, 0)
    for _ in range(3):
        assert client.get(f"/{show}/").status_code == 200
    assert scrape()[key] == before + 3
    missing = (
        "podhost_http_requests_total",
        (("endpoint", "unmatched"), ("method", "GET"), ("status", "404")),
    )
    before = scrape().get(missing, 0)
    client.get("/no/such/page/at/all")
    assert scrape()[missing] == before + 1


def test_feed_pages_say_where_they_came_from(client, show, scrape):
    def pages(source: str) -> float:
        return scrape().get(("podhost_feed_pages_total", (("source", source),)), 0)

    renders = scrape().get(("podhost_feed_renders_total", ()), 0)
    fast_path = pages("fast_path")
    assert client.get(f"/{show}/feed.xml").status_code == 200  # first poll: rendered
    assert client.get(f"/{show}/feed.xml").status_code == 200  # then from this process
    assert scrape()[("podhost_feed_renders_total", ())] == renders + 1
    assert pages("fast_path") == fast_path + 1


def test_queue_length_is_asked_at_each_scrape(scrape):
    lengths = iter([7, 3])
    metrics.register_queue_length(lambda: next(lengths))
    try:
        assert scrape()[("podhost_queue_length", ())] == 7
        assert scrape()[("podhost_queue_length", ())] == 3
    finally:
        metrics.register_queue_length(None)
    assert ("podhost_queue_length", ()) not in scrape()


@job("metrics_test_fails")
def fails() -> None:
    raise RuntimeError("database restarting")


@job("metrics_test_works")
def works() -> None:
    return None


def test_job_failures_are_counted(app):
    """Every job runs through app.jobs' wrapper, which counts it as ok or failed."""
    def value(name: str, result: str) -> float:
        return metrics.JOBS.labels(name, result)._value.get()

    failed, ok = value("metrics_test_fails", "failed"), value("metrics_test_works", "ok")
    with app.app_context():
        fails()
        works()
    assert value("metrics_test_fails", "failed") == failed + 1
    assert value("metrics_test_works", "ok") == ok + 1
