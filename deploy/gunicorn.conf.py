"""gunicorn settings for an app node behind nginx (deploy/systemd/podhost-web.service).

Read with ``gunicorn --config deploy/gunicorn.conf.py "app:create_app()"``.
"""

import os

bind = os.environ.get("PODHOST_BIND", "127.0.0.1:8000")  # the address nginx's upstream names
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))  # about one per core: sync workers
timeout = 120  # a large upload's last chunk is probed within the request
graceful_timeout = 30
accesslog = "-"
# The client address is left out on purpose: analytics never keeps one (issue 5).
access_log_format = '%(t)s "%(r)s" %(s)s %(B)s %(L)ss'


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the Prometheus multiprocess folder."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
