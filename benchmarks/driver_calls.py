"""Where the driver's memory goes: the demo in this process, its resident memory sampled every 10 ms around each big
call of each stage (docs/scale.md, "The province on the tender side's code").

    python benchmarks/driver_calls.py --data DIR [--out FOLDER] [--workers 2] [--engine dask|pandas]

Runs `riskmodels demo --data DIR` in this process (Dask on a local cluster of `--workers` processes, or pandas) and
prints, for each call listed in `CALLS` as it returns, its seconds and the process's resident memory before it, at its
peak and after it, in GiB, and the rise (peak minus before). Resident memory, not `tracemalloc`: pandas keeps text in
Arrow buffers, which `tracemalloc` does not see. The calls are wrapped where the demo looks them up (module
attributes), so the demo runs as it always does. FOLDER (default: a temporary folder) receives the demo's outputs.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (module, attribute): the calls whose memory is sampled, in the order the demo makes them
CALLS = [("features.io.dataset", "load_dataset"), ("riskmodels.evidence", "Evidence.screens_table"),
         ("riskmodels.evidence", "Evidence.bidder_pair_evidence"), ("graphs.pipeline", "analyse"),
         ("graphs.pipeline", "write_bidder_graph"), ("experiments.runner", "run_spec"),
         ("experiments.demo", "evaluate_stage"), ("experiments.tasks", "score_collusion"),
         ("riskmodels.report.casefile", "collusion_report"), ("experiments.tasks", "tier_credit"),
         ("experiments.tasks", "monitor_credit"), ("riskmodels.inspection.planner", "load_inputs"),
         ("riskmodels.inspection", "make_plan"), ("riskmodels.inspection", "verify_plan"),
         ("riskmodels.inspection.evaluate", "simulate_plans"), ("experiments.demo", "decision_report"),
         ("features.io.export", "write_table")]
GIB = 2 ** 30


class Sampled:
    """The resident memory of this process every 10 ms while a block runs: before, peak and after."""

    def __init__(self, name: str):
        self.name, self.proc = name, psutil.Process()

    def __enter__(self):
        self.before = self.peak = self.proc.memory_info().rss
        self.running, self.start = True, time.perf_counter()

        def sample():
            while self.running:
                self.peak = max(self.peak, self.proc.memory_info().rss)
                time.sleep(0.01)

        self.thread = threading.Thread(target=sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        after = self.proc.memory_info().rss
        print(f"  {self.name:<34}{time.perf_counter() - self.start:>8.1f} s  before {self.before / GIB:.3f}  peak "
              f"{self.peak / GIB:.3f} (+{(self.peak - self.before) / GIB:.3f})  after {after / GIB:.3f} GiB", flush=True)


def sampled(fn, name: str):
    def call(*args, **kwargs):
        with Sampled(name):
            return fn(*args, **kwargs)
    return call


def wrap_calls() -> None:
    for module, attr in CALLS:
        owner = importlib.import_module(module)
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part)
        setattr(owner, name, sampled(getattr(owner, name), attr))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="a dataset folder (riskmodels data simulate)")
    ap.add_argument("--out", type=Path, default=None, help="folder for the demo's outputs (default: temporary)")
    ap.add_argument("--engine", choices=("dask", "pandas"), default="dask")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    from experiments import demo
    from features import engine
    from features.core.settings import Settings

    s = Settings()
    if a.engine == "dask":
        engine.configure(dataclasses.replace(s.engine, name="dask", workers=a.workers), progress=lambda line: None)
    wrap_calls()
    with tempfile.TemporaryDirectory() as tmp:
        out = a.out or Path(tmp) / "demo"
        demo.run_demo(out, data=a.data, settings=s, log=lambda line: print(line, flush=True), force=True)


if __name__ == "__main__":  # the local cluster's worker processes import this file again
    main()
