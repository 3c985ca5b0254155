"""Per-stage time and memory of `riskmodels demo` with each engine (docs/scale.md).

    python benchmarks/scale.py [--scale tiny|city|province] [--data DIR] [--engines pandas,dask,scheduler]
                               [--workers 2] [--memory-per-worker 4GiB] [--json FILE]

    python benchmarks/scale.py --scale province --engines dask --memory-per-worker 4GiB   # about an hour

Simulates the city (or uses --data), then runs `riskmodels [ENGINE OPTIONS] demo --data DIR` once per engine as a child
process. The engines: `pandas` (one process), `dask` (`--engine dask --workers N`: a local cluster the command starts)
and `scheduler` (`--engine dask --scheduler ADDR` against a `dask scheduler` and N `dask worker` processes started here
as separate processes, one thread each, as a team's cluster runs them). A sampler reads every 0.2 s the resident memory
of the driver (the command's own process) and of the whole tree (the driver, and with Dask the scheduler's and
workers' processes, the command's children or the cluster started here); each sample is charged to the demo stage
running at that moment (read from the demo's progress lines on stderr). Prints, per engine and stage: wall seconds,
seconds per million rows read, the peak of the tree and the peak of the driver in GiB; then the totals, and with two
engines or more the ratio of each stage's time and peak (each engine over the first, measured in the same run).
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
from contextlib import contextmanager
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
RISKMODELS = [sys.executable, "-c", "import sys; from cli import app; sys.argv[0] = 'riskmodels'; app()"]
STAGE = re.compile(r"^\[\d+/\d+\] (\w+): (?!done)")


def tree_rss(*procs: psutil.Process) -> int:
    """Resident bytes of `procs` and all their descendants."""
    total = 0
    for p in [q for proc in procs for q in (proc, *_children(proc))]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _children(proc: psutil.Process) -> list:
    try:
        return proc.children(recursive=True)
    except psutil.Error:
        return []


def _rss(proc: psutil.Process) -> int:
    try:
        return proc.memory_info().rss
    except psutil.Error:
        return 0


def run(engine_opts: list[str], data: Path, out: Path, env: dict, cluster: tuple = ()) -> dict:
    """One demo run: {"stages": {stage: {"seconds", "peak_gib", "driver_gib"}}, "peak_gib", "driver_gib", "wall",
    "rows"}. `cluster`: processes started outside the command (an external scheduler and its workers), counted in the
    tree."""
    cmd = [*RISKMODELS, *engine_opts, "demo", "--data", str(data), "--out", str(out)]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    proc = psutil.Process(p.pid)
    others = [psutil.Process(c.pid) for c in cluster]
    current = ["start"]
    peaks: dict = {}
    drivers: dict = {}
    done = threading.Event()

    def sample():
        while not done.is_set():
            rss = tree_rss(proc, *others)
            peaks[current[0]] = max(peaks.get(current[0], 0), rss)
            drivers[current[0]] = max(drivers.get(current[0], 0), _rss(proc))
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
    stages = {s: {"seconds": sec, "peak_gib": peaks.get(s, 0) / 2**30, "driver_gib": drivers.get(s, 0) / 2**30}
              for s, sec in summary["seconds"].items()}
    return {"stages": stages, "peak_gib": max(peaks.values()) / 2**30, "driver_gib": max(drivers.values()) / 2**30,
            "wall": wall, "rows": rows}


@contextmanager
def external_cluster(workers: int, memory: str, folder: Path, env: dict):
    """A `dask scheduler` and `workers` `dask worker` processes (one thread each, pinned as the engine pins its own)
    started as separate processes on 127.0.0.1, as a team's cluster runs them: yields (the scheduler's address, the
    processes); stopped on exit."""
    from features.engine.engine import THREAD_ENV

    dask = str(Path(sys.executable).with_name("dask"))
    sched_file = folder / "scheduler.json"
    env = {**env, **THREAD_ENV}
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(sched_file)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)]
    try:
        for _ in range(300):
            if sched_file.exists() and sched_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        for _ in range(workers):
            procs.append(subprocess.Popen([dask, "worker", "--scheduler-file", str(sched_file), "--nworkers", "1",
                                           "--nthreads", "1", "--no-dashboard", "--memory-limit", memory or "auto"],
                                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True))
        from distributed import Client

        with Client(scheduler_file=str(sched_file), timeout=60) as c:
            c.wait_for_workers(workers, timeout=120)
        yield address, procs
    finally:
        for p in procs[::-1]:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="city", choices=["tiny", "city", "province"])
    ap.add_argument("--data", type=Path, help="an existing dataset directory instead of simulating one")
    ap.add_argument("--engines", default="pandas,dask", help="of pandas, dask (a local cluster), scheduler (an external one)")
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
            if name not in ("pandas", "dask", "scheduler"):
                raise SystemExit(f"--engines: {name!r} is not one of pandas, dask, scheduler")
            memory = ["--memory-per-worker", a.memory_per_worker] if a.memory_per_worker else []
            run_env = {**env, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp}/{name}.db"}
            if name == "scheduler":
                with external_cluster(a.workers, a.memory_per_worker, tmp, env) as (address, procs):
                    results[name] = run(["--engine", "dask", "--scheduler", address], data, tmp / f"out-{name}",
                                        run_env, cluster=tuple(procs))
            else:
                opts = [] if name == "pandas" else ["--engine", "dask", "--workers", str(a.workers), *memory]
                results[name] = run(opts, data, tmp / f"out-{name}", run_env)
    report(results, a.data or a.scale)
    if a.json:
        a.json.write_text(json.dumps({"rows": next(iter(results.values()))["rows"], "engines": results}, indent=1),
                          encoding="utf-8")


def report(results: dict, what) -> None:
    """The table: per stage and engine, seconds, seconds per million rows, the tree's and the driver's peak (GiB)."""
    rows = next(iter(results.values()))["rows"]
    print(f"demo on {what} ({rows:,} rows read); time in s, s per million rows, peak GiB of the process tree and of "
          f"the driver process")
    stages = list(next(iter(results.values()))["stages"])
    print(f"{'stage':<12}" + "".join(f"{n + ' s':>14}{'s/Mrow':>9}{'GiB':>7}{'driver':>8}" for n in results))
    nan = {"seconds": float("nan"), "peak_gib": float("nan"), "driver_gib": float("nan")}
    for s in stages:
        line = f"{s:<12}"
        for r in results.values():
            st = {**nan, **r["stages"].get(s, {})}
            line += (f"{st['seconds']:>14.1f}{st['seconds'] / max(rows, 1) * 1e6:>9.1f}{st['peak_gib']:>7.2f}"
                     f"{st['driver_gib']:>8.2f}")
        print(line)
    print(f"{'total':<12}" + "".join(f"{r['wall']:>14.1f}{r['wall'] / max(rows, 1) * 1e6:>9.1f}{r['peak_gib']:>7.2f}"
                                     f"{r.get('driver_gib', float('nan')):>8.2f}" for r in results.values()))
    (na, ra), *others = results.items()
    for nb, rb in others:
        print(f"{nb} / {na}: " + ", ".join(
            f"{s} {rb['stages'][s]['seconds'] / max(ra['stages'][s]['seconds'], 1e-9):.2f}x" for s in stages
            if s in ra["stages"] and s in rb["stages"]) + f"; whole demo {rb['wall'] / ra['wall']:.2f}x time, "
              f"{rb['peak_gib'] / max(ra['peak_gib'], 1e-9):.2f}x peak")


if __name__ == "__main__":
    main()
