#!/usr/bin/env python3
"""Accuracy and cost of `argus profile`, measured on real processes.

  attribution  workloads that spend known shares of CPU in three named functions
               (60/30/10) are recorded for 10 s at 100 Hz; the recorded shares must be
               within 5 percentage points of the truth (Python, Java, native C)
  latency      a worker that waits half its time: its waiting share in wall mode
               (about half) and in cpu mode (none)
  overhead     the slowdown of a CPU-bound Python workload recorded at 100 Hz by
               argus and, side by side, by py-spy record (installed from PyPI);
               medians of interleaved runs
  rendering    a profile of one million samples turned into an SVG

Usage: python3 bench/profile.py [--only attribution latency overhead rendering] [--runs 7]
Results are printed and written to bench/results/profile-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
WORKLOADS = ROOT / "fixtures" / "workloads"
PY_SPY_VERSION = "0.4.3"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def argus() -> Path:
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return ROOT / "target" / "release" / "argus"


def python() -> str:
    """The interpreter itself, not a launcher such as a pyenv shim."""
    return subprocess.run([sys.executable, "-c", "import sys; print(sys.executable)"],
                          capture_output=True, text=True, check=True).stdout.strip()


def py_spy() -> Path:
    venv = CACHE / "venv-py-spy"
    exe = venv / "bin" / "py-spy"
    if not exe.exists():
        log(f"installing py-spy=={PY_SPY_VERSION} from PyPI")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        f"py-spy=={PY_SPY_VERSION}"], check=True)
    return exe


def leaf_shares(folded: Path, within: str | None = None) -> dict[str, float]:
    """Share of the weight per leaf function, among stacks containing `within`."""
    weights: dict[str, int] = {}
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if within and within not in stack:
            continue
        leaf = stack.split(";")[-1].split(" (")[0]
        leaf = leaf.rsplit(".", 1)[-1] if "(" not in stack.split(";")[-1] else leaf
        weights[leaf] = weights.get(leaf, 0) + int(count)
        total += int(count)
    return {k: 100.0 * v / total for k, v in sorted(weights.items(), key=lambda kv: -kv[1])} if total else {}


def record(binary: Path, args: list[str], command: list[str], out: Path) -> None:
    subprocess.run([str(binary), "profile", *args, "-o", str(out), "--", *command],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def attribution(binary: Path, tmp: Path) -> dict:
    expected = {"hot_a": 60.0, "warm_b": 30.0, "cool_c": 10.0}
    commands: dict[str, list[str]] = {
        "python": [python(), str(WORKLOADS / "python" / "hot_functions.py"), "10"],
    }
    java_dir = WORKLOADS / "java"
    if (java_dir / "HotFunctions.java").exists() and shutil.which("javac"):
        subprocess.run(["javac", "-d", str(tmp), str(java_dir / "HotFunctions.java")], check=True)
        commands["java"] = ["java", "-Xmx64m", "-cp", str(tmp), "HotFunctions", "10"]
    native_src = WORKLOADS / "native" / "hot_functions.c"
    if native_src.exists() and shutil.which("gcc"):
        exe = tmp / "hot_functions"
        subprocess.run(["gcc", "-O2", "-g", "-fno-omit-frame-pointer", "-o", str(exe), str(native_src)], check=True)
        commands["native"] = [str(exe), "10"]
    results = {}
    for language, command in commands.items():
        out = tmp / f"attribution-{language}.folded"
        record(binary, ["--rate", "100"], command, out)
        shares = leaf_shares(out)
        measured = {name: round(shares.get(name, 0.0), 1) for name in expected}
        worst = max(abs(measured[n] - expected[n]) for n in expected)
        results[language] = {"shares": measured, "worst_error_points": round(worst, 1), "within_5": worst <= 5.0}
        log(f"  attribution {language:<7} {measured}  worst error {worst:.1f} points")
    return results


def latency(binary: Path, tmp: Path) -> dict:
    command = [python(), str(WORKLOADS / "python" / "half_waiting.py"), "10"]
    results = {}
    for mode in ("wall", "cpu"):
        out = tmp / f"latency-{mode}.folded"
        record(binary, ["--mode", mode], command, out)
        shares = leaf_shares(out, within="worker (")
        waiting = shares.get("nap", 0.0) + shares.get("wait_for_lock", 0.0)
        results[mode] = {"worker_waiting_percent": round(waiting, 1), "worker_shares": {k: round(v, 1) for k, v in shares.items()}}
        log(f"  latency {mode}: the worker waits in {waiting:.1f}% of its samples")
    return results


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def overhead(binary: Path, tmp: Path, runs: int) -> dict:
    workload = [python(), str(WORKLOADS / "python" / "hot_functions.py"), "--rounds", "1200"]
    spy = py_spy()
    variants = {
        "alone": workload,
        "argus (non-blocking)": [str(binary), "profile", "--rate", "100", "-o", str(tmp / "o.pb.gz"), "--", *workload],
        "py-spy record --nonblocking": [str(spy), "record", "--rate", "100", "--nonblocking", "-o", str(tmp / "s.svg"), "--", *workload],
        "py-spy record (default, blocking)": [str(spy), "record", "--rate", "100", "-o", str(tmp / "b.svg"), "--", *workload],
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    timed(workload)  # warm the file cache
    for _ in range(runs):
        order = list(variants.items())
        random.shuffle(order)
        for name, command in order:
            times[name].append(timed(command))
    base = statistics.median(times["alone"])
    results = {}
    for name, samples in times.items():
        median = statistics.median(samples)
        slowdown = 100.0 * (median / base - 1.0)
        results[name] = {"median_s": round(median, 4), "slowdown_percent": round(slowdown, 2),
                         "min_s": round(min(samples), 4), "max_s": round(max(samples), 4)}
        log(f"  overhead {name:<36} median {median:.3f}s  slowdown {slowdown:+.2f}%")
    return results


def synthetic_folded(path: Path, samples: int) -> int:
    """One million single-sample lines drawn from a call tree of realistic shape."""
    rng = random.Random(42)
    modules = [f"service.module{m}" for m in range(40)]
    functions = [f"{rng.choice(modules)}.function{f}" for f in range(4000)]
    stacks = []
    for _ in range(50_000):
        depth = rng.randint(8, 40)
        stacks.append(";".join(["main", "serve", "handle"] + rng.sample(functions, depth)))
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(stacks))]
    with path.open("w") as f:
        for stack in rng.choices(stacks, weights=weights, k=samples):
            f.write(f"{stack} 1\n")
    return len(stacks)


def rendering(binary: Path, tmp: Path, runs: int) -> dict:
    folded = tmp / "million.folded"
    unique = synthetic_folded(folded, 1_000_000)
    pprof = tmp / "million.pb.gz"
    # `argus flamegraph` writes whatever format the output's extension names.
    subprocess.run([str(binary), "flamegraph", str(folded), "-o", str(pprof)], check=True,
                   stderr=subprocess.DEVNULL)
    results = {"samples": 1_000_000, "distinct_stacks_drawn_from": unique}
    for name, source in (("from folded (1M lines)", folded), ("from pprof", pprof)):
        times = [timed([str(binary), "flamegraph", str(source), "-o", str(tmp / "million.svg")]) for _ in range(runs)]
        median = statistics.median(times)
        results[name] = {"median_s": round(median, 3), "min_s": round(min(times), 3), "max_s": round(max(times), 3)}
        log(f"  rendering {name:<24} median {median:.3f}s (min {min(times):.3f}, max {max(times):.3f})")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=["attribution", "latency", "overhead", "rendering"],
                        default=["attribution", "latency", "overhead", "rendering"])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    binary = argus()
    report = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if "attribution" in args.only:
            report["attribution"] = attribution(binary, tmp)
        if "latency" in args.only:
            report["latency"] = latency(binary, tmp)
        if "overhead" in args.only:
            report["overhead"] = overhead(binary, tmp, args.runs)
        if "rendering" in args.only:
            report["rendering"] = rendering(binary, tmp, args.runs)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"profile-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
