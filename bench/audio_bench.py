"""Side by side: our mastering pipeline and Debian's ``ffmpeg`` on the same long WAV.

Run: ``.venv/bin/python bench/audio_bench.py`` (``BENCH_MINUTES``, default 60).
Needs the ``ffmpeg`` command (Debian's package) and the test extras (for the
programme generator). Not part of CI: it takes a long time on a busy machine.

Both sides do the same job on the same file: a two-pass ``loudnorm`` measurement
and normalisation to −16 LUFS, then libmp3lame at 128 kbps CBR, 44.1 kHz.
Each runs in its own child process, so its peak memory (``ru_maxrss``) is its
own; both results are measured afterwards by ffmpeg's ``ebur128`` (the same
meter for both), since pyloudnorm would need the whole hour in memory.
Results go to ``bench/results-audio.json``; the figures are in ``bench/README.md``.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_I, TARGET_TP, TARGET_LRA = -16.0, -1.5, 11.0

OURS = """
import sys
from pathlib import Path
from media.mastering import MasteringSettings, master_audio
result = master_audio(Path(sys.argv[1]), Path(sys.argv[2]), MasteringSettings())
print(result.action, result.before, result.after, [n.code for n in result.notes], file=sys.stderr)
"""


def peak_memory_of(command: list[str]) -> tuple[float, int, str]:
    """Run ``command``; its wall time (s), its own peak RSS (MB, from wait4) and stderr."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, text=True
    )
    stderr = process.stderr.read() if process.stderr else ""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"{command[0]} failed ({process.returncode}): {stderr[-2000:]}")
    return wall, usage.ru_maxrss // 1024, stderr


def ffmpeg_two_pass(source: Path, target: Path) -> dict:
    """The command-line reference: ``loudnorm`` measurement, then the same filter applied."""
    first = ["ffmpeg", "-hide_banner", "-nostats", "-i", str(source)]
    first += ["-af", f"loudnorm=I={TARGET_I}:TP={TARGET_TP}:LRA={TARGET_LRA}:print_format=json"]
    first += ["-f", "null", "-"]
    wall_1, rss_1, log = peak_memory_of(first)
    measured = json.loads(log[log.rindex("{") : log.rindex("}") + 1])
    loudnorm = (
        f"loudnorm=I={TARGET_I}:TP={TARGET_TP}:LRA={TARGET_LRA}"
        f":measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
        f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
        f":offset={measured['target_offset']}:linear=true,aresample=44100"
    )
    second = ["ffmpeg", "-hide_banner", "-nostats", "-y", "-i", str(source), "-af", loudnorm]
    second += ["-c:a", "libmp3lame", "-b:a", "128k", "-ar", "44100", str(target)]
    wall_2, rss_2, _ = peak_memory_of(second)
    return {
        "wall_seconds": round(wall_1 + wall_2, 1),
        "pass_seconds": [round(wall_1, 1), round(wall_2, 1)],
        "peak_rss_mb": max(rss_1, rss_2),
        "before": measured,
    }


def ours(source: Path, workdir: Path) -> dict:
    """Our pipeline in a fresh Python process, as a queue consumer would run it."""
    wall, rss, log = peak_memory_of([sys.executable, "-c", OURS, str(source), str(workdir)])
    return {"wall_seconds": round(wall, 1), "peak_rss_mb": rss, "log": log.strip()[-600:]}


def ebur128(path: Path) -> dict:
    """Integrated loudness and true peak of a finished file, by ffmpeg's ebur128."""
    command = ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path)]
    command += ["-af", "ebur128=peak=true", "-f", "null", "-"]
    log = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    summary = log[log.rindex("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
    return {"integrated_lufs": integrated, "true_peak_dbtp": peak}


def duration(path: Path) -> float:
    import mutagen

    return round(mutagen.File(path).info.length, 3)


MAKE_SOURCE = """
import sys
from pathlib import Path
from tests.support.programme import programme
programme(Path(sys.argv[1]), float(sys.argv[2]), level=0.03)
"""


def main() -> None:
    minutes = float(os.environ.get("BENCH_MINUTES", "60"))
    with tempfile.TemporaryDirectory(prefix="audio-bench-") as scratch:
        folder = Path(scratch)
        source = folder / "master.wav"
        started = time.perf_counter()
        # In a child: Linux counts the parent's RSS at fork in each child's ru_maxrss,
        # so this process must stay small while the children are measured.
        peak_memory_of([sys.executable, "-c", MAKE_SOURCE, str(source), str(minutes * 60)])
        print(f"made {minutes:g} min WAV in {time.perf_counter() - started:.0f} s", flush=True)
        reference = ffmpeg_two_pass(source, folder / "ffmpeg.mp3")
        print("ffmpeg", reference, flush=True)
        pipeline = ours(source, folder / "ours")
        print("ours", pipeline, flush=True)
        reference["result"] = ebur128(folder / "ffmpeg.mp3") | {
            "seconds": duration(folder / "ffmpeg.mp3")
        }
        pipeline["result"] = ebur128(folder / "ours" / "episode.mp3") | {
            "seconds": duration(folder / "ours" / "episode.mp3")
        }
        results = {
            "minutes": minutes,
            "source_seconds": minutes * 60,
            "source": ebur128(source),
            "ffmpeg": reference,
            "ours": pipeline,
            "wall_ratio": round(pipeline["wall_seconds"] / reference["wall_seconds"], 2),
            "load_average_after": os.getloadavg(),
            "self_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        }
    out = ROOT / "bench" / "results-audio.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
