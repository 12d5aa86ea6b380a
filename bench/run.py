#!/usr/bin/env python3
"""Times `argus review` on real code bases against a bare tree-sitter parse-and-walk of
the same files and against the peers installed from PyPI (ruff, bandit, semgrep).

Corpora (downloaded or installed once into bench/.cache):
  django  the Django sdist from PyPI (Python)
  jdk     the java.base sources of the JDK, from a JDK's lib/src.zip or Debian's
          openjdk-17-source package (Java)

Every command runs --runs times after one warm-up run; the report gives medians, the
spread (min-max), peak memory, and ratios. Machines are noisy: quote medians and ratios.

Usage: python3 bench/run.py [--runs 5] [--corpus django jdk] [--no-peers]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
DJANGO_VERSION = "5.2.8"
PEERS = {"ruff": "0.17.6", "bandit": "1.9.4", "semgrep": "1.185.0"}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def django_corpus() -> Path:
    target = CACHE / f"django-{DJANGO_VERSION}"
    if target.is_dir():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    log(f"downloading the Django {DJANGO_VERSION} sdist from PyPI")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
         f"django=={DJANGO_VERSION}", "-d", str(CACHE)],
        check=True,
    )
    sdist = next(CACHE.glob(f"[dD]jango-{DJANGO_VERSION}.tar.gz"))
    with tarfile.open(sdist) as tar:
        tar.extractall(CACHE, filter="data")
    return target


def jdk_src_zip() -> Path:
    candidates = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]) / "lib" / "src.zip")
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/jvm/*/lib/src.zip"))]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    log("no JDK src.zip found; installing Debian's openjdk-17-source")
    subprocess.run(["apt-get", "install", "-y", "-qq", "openjdk-17-source"], check=True)
    for candidate in sorted(glob.glob("/usr/lib/jvm/*/lib/src.zip")):
        if Path(candidate).is_file():
            return Path(candidate)
    raise SystemExit("cannot find or install a JDK src.zip")


def jdk_corpus() -> Path:
    target = CACHE / "jdk-java.base"
    if target.is_dir():
        return target
    src = jdk_src_zip()
    log(f"extracting java.base from {src}")
    with zipfile.ZipFile(src) as archive:
        members = [m for m in archive.namelist() if m.startswith("java.base/") and m.endswith(".java")]
        archive.extractall(target, members)
    return target


def peers_venv() -> Path:
    venv = CACHE / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        log("creating a virtualenv for the peers")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wanted = [f"{name}=={version}" for name, version in PEERS.items()]
    missing = [name for name in PEERS if not (venv / "bin" / name).exists()]
    if missing:
        log(f"installing {', '.join(wanted)} from PyPI")
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *wanted], check=True)
    return venv / "bin"


def build_argus() -> Path:
    log("building argus (release)")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return ROOT / "target" / "release" / "argus"


def corpus_stats(path: Path, suffix: str) -> dict:
    files = [p for p in path.rglob(f"*{suffix}") if p.is_file()]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def measure(name: str, command: list[str], runs: int) -> dict:
    """Runs `command` once to warm the caches, then `runs` times; wall time and peak RSS."""
    times, rss = [], []
    for i in range(runs + 1):
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{name} failed with status {proc.returncode}:\n{stderr[-2000:]}")
        if i > 0:
            times.append(elapsed)
            rss.append(usage.ru_maxrss / 1024)
    result = {
        "name": name,
        "command": command,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "peak_rss_mb": statistics.median(rss),
    }
    log(f"  {name:<28} median {result['median_s']:7.3f}s  "
        f"(min {result['min_s']:.3f}, max {result['max_s']:.3f})  {result['peak_rss_mb']:.0f} MB")
    return result


def bench_corpus(corpus: str, argus: Path, peers: Path | None, runs: int) -> dict:
    if corpus == "django":
        path, suffix = django_corpus(), ".py"
    else:
        path, suffix = jdk_corpus(), ".java"
    stats = corpus_stats(path, suffix)
    log(f"{corpus}: {stats['files']} files, {stats['bytes'] / 1e6:.1f} MB")
    results = [
        measure("tree-sitter parse+walk", [str(argus), "debug", "parse-walk", str(path)], runs),
        measure("argus review (all rules)",
                [str(argus), "review", str(path), "--format", "json", "--output", os.devnull,
                 "--exit-zero", "--max-file-size", "50MB"], runs),
    ]
    if peers is not None:
        semgrep_cmd = [str(peers / "semgrep"), "scan", "--config", str(ROOT / "bench" / "semgrep-rules.yml"),
                       "--metrics=off", "--disable-version-check", "--json", "--output", os.devnull,
                       "--jobs", str(os.cpu_count() or 1), "--quiet", str(path)]
        if corpus == "django":
            results.append(measure("ruff check --select ALL",
                                   [str(peers / "ruff"), "check", "--select", "ALL", "--no-cache",
                                    "--exit-zero", "--output-format", "json", "--output-file", os.devnull,
                                    str(path)], runs))
            results.append(measure("bandit -r",
                                   [str(peers / "bandit"), "-r", "-q", "-f", "json", "-o", os.devnull,
                                    "--exit-zero", str(path)], runs))
        results.append(measure("semgrep (local rules)", semgrep_cmd, runs))
    by_name = {r["name"]: r for r in results}
    argus_median = by_name["argus review (all rules)"]["median_s"]
    ratios = {"argus / parse+walk": argus_median / by_name["tree-sitter parse+walk"]["median_s"]}
    for r in results[2:]:
        ratios[f"{r['name']} / argus"] = r["median_s"] / argus_median
    for label, ratio in ratios.items():
        log(f"  {label:<40} {ratio:6.2f}x")
    return {"corpus": corpus, "path": str(path), **stats, "results": results, "ratios": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpus", nargs="+", choices=["django", "jdk"], default=["django", "jdk"])
    parser.add_argument("--no-peers", action="store_true", help="time only argus and the parse floor")
    args = parser.parse_args()

    argus = build_argus()
    peers = None if args.no_peers else peers_venv()
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "argus": subprocess.run([str(argus), "--version"], capture_output=True, text=True).stdout.strip(),
        "peers": None if peers is None else PEERS,
        "runs": args.runs,
        "corpora": [bench_corpus(c, argus, peers, args.runs) for c in args.corpus],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"review-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    log(f"wrote {out}")


if __name__ == "__main__":
    if shutil.which("cargo") is None:
        raise SystemExit("cargo is needed to build argus")
    main()
