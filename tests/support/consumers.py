"""Real ``flask --app app worker`` processes for tests, sharing a Redis queue with the test.

Each consumer is started with the test app's settings in its environment, logs
Huey's INFO lines to a file of its own, and can be stopped (SIGTERM) or killed
(SIGKILL). The logs say which task ids each began and finished.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
S3_ENV = {
    "endpoint_url": "S3_ENDPOINT_URL",
    "region": "S3_REGION",
    "addressing_style": "S3_ADDRESSING_STYLE",
    "access_key_id": "S3_ACCESS_KEY_ID",
    "secret_access_key": "S3_SECRET_ACCESS_KEY",
}
# Huey's lines: "Executing app.jobs.tasks.x: <id>" and "app.jobs.tasks.x: <id> executed in 0.1s".
STARTED = re.compile(r"Executing ([\w.]+): ([0-9a-f-]{36})")
FINISHED = re.compile(r"([\w.]+): ([0-9a-f-]{36})(?: \d+ retries)? executed in")


def consumer_env(config: dict[str, Any]) -> dict[str, str]:
    """The environment that makes ``create_app()`` in another process the test's app."""
    env = {
        **os.environ,
        "PODHOST_INSTANCE_PATH": str(config["INSTANCE_PATH"]),
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "STORAGE_URL": config["STORAGE_URL"],
        "SECRET_KEY": config["SECRET_KEY"],
        "PUBLIC_BASE_URL": config["PUBLIC_BASE_URL"],
        "QUEUE_URL": config["QUEUE_URL"],
        "QUEUE_NAME": config["QUEUE_NAME"],
        "QUEUE_LEASE_SECONDS": str(config["QUEUE_LEASE_SECONDS"]),
        "QUEUE_TICK_SECONDS": str(config["QUEUE_TICK_SECONDS"]),
        "ANNOUNCE_ON_COMMIT": "0",
        "WEBSUB_HUB_URL": "",  # the feed refresh must not ping the public hub
        "PYTHONUNBUFFERED": "1",
    }
    for option, value in (config.get("STORAGE_OPTIONS") or {}).items():
        env[S3_ENV[option]] = str(value)
    return env


@dataclass
class Consumer:
    name: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def started(self) -> list[str]:
        return [task_id for _, task_id in STARTED.findall(self.log())]

    def finished(self) -> list[str]:
        return [task_id for _, task_id in FINISHED.findall(self.log())]

    def running(self) -> list[str]:
        """Tasks begun and not (yet) finished, by this consumer's log."""
        finished = set(self.finished())
        return [task_id for task_id in self.started() if task_id not in finished]


@dataclass
class Consumers:
    """Start, stop and read consumer processes; ``stop_all`` on teardown."""

    config: dict[str, Any]
    folder: Path
    started: list[Consumer] = field(default_factory=list)

    def start(self, name: str, workers: int = 2) -> Consumer:
        log_path = self.folder / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "flask",
                    "--app",
                    "app",
                    "worker",
                    "--workers",
                    str(workers),
                ],
                cwd=ROOT,
                env=consumer_env(self.config),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        consumer = Consumer(name, process, log_path)
        self.started.append(consumer)
        return consumer

    def wait_ready(self, consumer: Consumer, timeout: float = 120) -> None:
        """Until Huey says it started (importing the app takes a while on a busy machine)."""
        deadline = time.monotonic() + timeout
        while "Huey consumer started" not in consumer.log():
            if consumer.process.poll() is not None:
                raise AssertionError(f"{consumer.name} exited:\n{consumer.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{consumer.name} did not start:\n{consumer.log()}")
            time.sleep(0.1)

    def kill(self, consumer: Consumer) -> None:
        consumer.process.send_signal(signal.SIGKILL)
        consumer.process.wait(10)

    def stop_all(self) -> None:
        for consumer in self.started:
            if consumer.process.poll() is None:
                consumer.process.send_signal(signal.SIGTERM)
        for consumer in self.started:
            try:
                consumer.process.wait(30)
            except subprocess.TimeoutExpired:
                consumer.process.kill()
                consumer.process.wait(10)
