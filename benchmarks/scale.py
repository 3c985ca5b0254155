"""Per-stage time and memory of `riskmodels demo` with each engine (docs/scale.md).

    python benchmarks/scale.py [--scale tiny|city|province] [--data DIR] [--engines pandas,dask] [--workers 2]
                               [--memory-per-worker 4GiB] [--json FILE]

    python benchmarks/scale.py --scale province --engines dask --memory-per-worker 4GiB   # about an hour

Simulates the city (or uses --data), then runs `riskmodels [--engine dask --workers N] demo --data DIR` once per engine
as a child process. A sampler reads the resident memory of the whole process tree (the driver and, with Dask, the
scheduler's and workers' processes) every 0.2 s; each sample is charged to the demo stage running at that moment (read
from the demo's progress lines on stderr). Prints, per engine and stage: wall seconds, seconds per million rows read,
and the peak memory of the process tree in GiB; then the totals, and with two engines the ratio of each stage's time and
peak (second engine over first, measured in the same run).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
RISKMODELS = [sys.executable, "-c", "import sys; from cli import app; sys.argv[0] = 'riskmodels'; app()"]
STAGE = re.compile(r"^\[\d+/\d+\] (\w+): (?!done)")


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(engine_opts: list[str], data: Path, out: Path, env: dict) -> dict:
    """One demo run: {"stages": {stage: {"seconds", "peak_gib"}}, "peak_gib", "wall", "rows"}."""
    cmd = [*RISKMODELS, *engine_opts, "demo", "--data", str(data), "--out", str(out)]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    proc = psutil.Process(p.pid)
    current = ["start"]
    peaks: dict = {}
    done = threading.Event()

    def sample():
        while not done.is_set():
            rss = tree_rss(proc)
            peaks[current[0]] = max(peaks.get(current[0], 0), rss)
            time.sleep(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    tail = []
    for line in p.stderr:
        m = STAGE.match(line)
        if m:
            current[0] = m.group(1)
        tail = (tail + [line.rstrip()])[-5:]
        print("   ", line.rstrip(), file=sys.stderr)
    p.wait()
    done.set()
    th.join()
    wall = time.perf_counter() - t0
    if p.returncode:
        raise SystemExit(f"demo failed ({' '.join(engine_opts) or 'pandas'}): " + " | ".join(tail))
    summary = json.loads((out / "summary.json").read_text())
    rows = summary["results"].get("validate", {}).get("rows_read", 0)
    stages = {s: {"seconds": sec, "peak_gib": peaks.get(s, 0) / 2**30} for s, sec in summary["seconds"].items()}
    return {"stages": stages, "peak_gib": max(peaks.values()) / 2**30, "wall": wall, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="city", choices=["tiny", "city", "province"])
    ap.add_argument("--data", type=Path, help="an existing dataset directory instead of simulating one")
    ap.add_argument("--engines", default="pandas,dask")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-per-worker", default="")
    ap.add_argument("--json", type=Path, help="write the measurements here as JSON")
    a = ap.parse_args()
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "MLFLOW_DISABLE_TELEMETRY": "true"}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = a.data
        if data is None:
            data = tmp / "data"
            subprocess.run([*RISKMODELS, "data", "simulate", "--scale", a.scale, "--out", str(data)], cwd=ROOT, env=env,
                           check=True, stdout=subprocess.DEVNULL)
        for name in a.engines.split(","):
            opts = [] if name == "pandas" else ["--engine", "dask", "--workers", str(a.workers)] + (
                ["--memory-per-worker", a.memory_per_worker] if a.memory_per_worker else [])
            run_env = {**env, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp}/{name}.db"}
            results[name] = run(opts, data, tmp / f"out-{name}", run_env)
    rows = next(iter(results.values()))["rows"]
    print(f"demo on {a.data or a.scale} ({rows:,} rows read); time in s, s per million rows, peak GiB of the process tree")
    stages = list(next(iter(results.values()))["stages"])
    head = f"{'stage':<12}" + "".join(f"{n + ' s':>12}{'s/Mrow':>9}{'GiB':>7}" for n in results)
    print(head)
    for s in stages:
        line = f"{s:<12}"
        for r in results.values():
            st = r["stages"].get(s, {"seconds": float("nan"), "peak_gib": float("nan")})
            line += f"{st['seconds']:>12.1f}{st['seconds'] / max(rows, 1) * 1e6:>9.1f}{st['peak_gib']:>7.2f}"
        print(line)
    print(f"{'total':<12}" + "".join(f"{r['wall']:>12.1f}{r['wall'] / max(rows, 1) * 1e6:>9.1f}{r['peak_gib']:>7.2f}"
                                     for r in results.values()))
    if len(results) == 2:
        (na, ra), (nb, rb) = results.items()
        print(f"{nb} / {na}: " + ", ".join(
            f"{s} {rb['stages'][s]['seconds'] / max(ra['stages'][s]['seconds'], 1e-9):.2f}x" for s in stages
            if s in ra["stages"] and s in rb["stages"]) + f"; whole demo {rb['wall'] / ra['wall']:.2f}x time, "
              f"{rb['peak_gib'] / max(ra['peak_gib'], 1e-9):.2f}x peak")
    if a.json:
        a.json.write_text(json.dumps({"rows": rows, "engines": results}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
