#!/usr/bin/env python3
"""Argus's own CPU use while it profiles a service continuously.

A CPU-bound Python workload (fixtures/workloads/python/hot_functions.py) runs while
`argus profile --pid PID --continuous` records it at 100 Hz into a temporary directory.
After a warm-up, Argus's CPU time (user + system, from /proc/ARGUS_PID/stat) is read
over a measuring window and divided by the window: the share of one CPU Argus used.

Two settings run interleaved, each --runs times:
  governed    the default self-overhead budget (--max-overhead 1, 1 % of one CPU)
  ungoverned  --max-overhead 100, so the rate stays at the requested 100 Hz
The medians are printed and written to bench/results/continuous-<time>.json, with the
sampling rates the governor settled on (from its stderr lines).

Usage: python3 bench/continuous.py [--runs 3] [--warmup 15] [--window 30] [--argus PATH]
Without --argus, a release build of this checkout is made and used.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORKLOAD = ROOT / "fixtures" / "workloads" / "python" / "hot_functions.py"
TICKS = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def release_argus() -> Path:
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "release" / "argus"


def python() -> str:
    """The interpreter itself, not a launcher such as a pyenv shim."""
    return subprocess.run([sys.executable, "-c", "import sys; print(sys.executable)"],
                          capture_output=True, text=True, check=True).stdout.strip()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    # Fields 14 and 15 of stat(5), counted after the command name's closing parenthesis.
    return (int(fields[11]) + int(fields[12])) / TICKS


def one_run(argus: Path, overhead: str, warmup: float, window: float) -> dict:
    seconds = warmup + window + 30
    target = subprocess.Popen([python(), str(WORKLOAD), str(seconds)],
                              stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryFile("w+") as err:
        recorder = subprocess.Popen(
            [str(argus), "profile", "--pid", str(target.pid), "--continuous",
             "--interval", "10s", "--out-dir", out, "--rate", "100",
             "--max-overhead", overhead],
            stderr=err)
        try:
            time.sleep(warmup)
            before, started = cpu_seconds(recorder.pid), time.monotonic()
            time.sleep(window)
            used = cpu_seconds(recorder.pid) - before
            elapsed = time.monotonic() - started
        finally:
            recorder.send_signal(signal.SIGINT)
            recorder.wait(timeout=60)
            target.kill()
            target.wait()
        err.seek(0)
        stderr = err.read()
        files = len([n for n in os.listdir(out) if n.endswith(".pb.gz")])
    rates = [int(m) for m in re.findall(r"^Sampling at (\d+) Hz", stderr, re.M)]
    if recorder.returncode != 0:
        raise SystemExit(f"argus failed ({recorder.returncode}):\n{stderr}")
    return {
        "cpu_share": used / elapsed,
        "rate_changes": rates,
        "final_rate_hz": rates[-1] if rates else 100,
        "intervals_written": files,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--window", type=float, default=30.0)
    parser.add_argument("--argus", type=Path)
    args = parser.parse_args()
    argus = args.argus or release_argus()
    settings = {"governed": "1", "ungoverned": "100"}
    runs: dict[str, list[dict]] = {name: [] for name in settings}
    for i in range(args.runs):
        for name, overhead in settings.items():
            result = one_run(argus, overhead, args.warmup, args.window)
            log(f"run {i + 1} {name}: {result['cpu_share'] * 100:.2f}% of one CPU, "
                f"rate {result['final_rate_hz']} Hz, changes {result['rate_changes']}")
            runs[name].append(result)
    summary = {
        name: {
            "median_cpu_percent": statistics.median(r["cpu_share"] for r in results) * 100,
            "median_final_rate_hz": statistics.median(r["final_rate_hz"] for r in results),
            "runs": results,
        }
        for name, results in runs.items()
    }
    report = {
        "argus": str(argus),
        "workload": str(WORKLOAD.relative_to(ROOT)),
        "requested_rate_hz": 100,
        "warmup_s": args.warmup,
        "window_s": args.window,
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "results": summary,
    }
    for name, s in summary.items():
        print(f"{name:>10}: median {s['median_cpu_percent']:.2f}% of one CPU, "
              f"settled at {s['median_final_rate_hz']:.0f} Hz")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"continuous-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
