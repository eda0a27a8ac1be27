"""Imports on the task queue: started in the studio, run by a consumer, resumed when the
consumer that held one died. The queue is the real SQLite one (see conftest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.jobs.queue import queue
from app.models import ImportJob
from app.services import imports
from tests.app.conftest import row_counts
from tests.app.imports.source import episodes, libsyn_feed, serve_audio
from tests.app.imports.test_studio import admin_client, libsyn_source, post_form


def job_row(app, slug: str) -> tuple[int, str, str | None]:
    with app.app_context():
        job = db.session.query(ImportJob).one()
        assert job.show.slug == slug
        return job.id, job.state, job.worker


def test_a_studio_import_waits_in_the_queue_until_a_consumer_runs_it(
    app, runner, source, artwork, audio_dir
):
    url, _ = libsyn_source(source, artwork, audio_dir)
    client = admin_client(app)
    assert post_form(client, "/studio/import", url=url, slug="stadsdel").status_code == 302
    job_id, state, worker = job_row(app, "stadsdel")
    assert (state, worker) == ("queued", imports.QUEUED)
    with app.app_context():
        assert [task.kwargs for task in queue.pending()] == [{"job_id": job_id}]
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert job_row(app, "stadsdel")[1] == "done"
    assert row_counts(app)["episodes"] == 2
    page = client.get("/studio/stadsdel/import").get_data(as_text=True)
    assert "Finished: 2 episodes imported, 0 skipped." in page


def test_an_import_whose_consumer_died_is_queued_again_and_finished(
    app, runner, source, artwork, audio_dir
):
    items = episodes(audio_dir / "tone.mp3", 3)
    serve_audio(source, items)
    url = source.file("/rss", libsyn_feed(source, items, artwork), "application/rss+xml")
    with app.app_context():
        job = imports.start_import(imports.fetch_feed_source(url))
        job_id, slug = job.id, job.show.slug
        imports.claim_job("consumer-that-dies", job_id)
        imports.run_job(job_id, "consumer-that-dies", max_items=1)  # then it is killed
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    assert job_row(app, slug)[1] == "running"  # its lease holds: left to its worker
    with app.app_context():
        db.session.get(ImportJob, job_id).lease_until = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
        # The next tick's resume_imports (a new slot) queues it, and the queue runs it.
        queue.storage.delete_data("periodic-done:resume_imports")
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert f"import {job_id} queued again" in result.output
    assert job_row(app, slug)[1] == "done"
    assert row_counts(app)["episodes"] == 3
