"""Time per stage of `riskmodels demo`, wall time and peak memory.

    /tmp/venv/bin/python benchmarks/demo.py --scale tiny
    /tmp/venv/bin/python benchmarks/demo.py --scale city          # the 15-minute / 8 GB goal

Runs the console script in a subprocess against a fresh tracking store in a temporary folder (nothing in the repository
changes), then prints the seconds of every stage from the demo's `summary.json`, the wall time and the peak resident
memory of the demo process (ru_maxrss of the child).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="tiny", choices=["tiny", "city"])
    ap.add_argument("--keep", type=Path, default=None, help="Copy the demo output and store here afterwards.")
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("riskmodels")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from cli import app; app()"]
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{d}/mlflow.db", OMP_WAIT_POLICY="PASSIVE")
        t = time.perf_counter()
        r = subprocess.run([*cmd, "demo", "--scale", args.scale, "--out", f"{d}/demo"], env=env, text=True,
                           capture_output=True)
        wall = time.perf_counter() - t
        peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 ** 2
        summary = Path(d) / "demo" / "summary.json"
        doc = json.loads(summary.read_text()) if summary.exists() else {}
        print(f"riskmodels demo --scale {args.scale}: exit {r.returncode}, wall {wall:.1f}s, peak RSS {peak_gb:.2f} GB")
        for stage, s in doc.get("seconds", {}).items():
            print(f"  {stage:<11} {s:8.1f}s")
        if doc.get("failed_stage"):
            print(f"  failed at stage {doc['failed_stage']}")
        if r.returncode:
            print("stderr tail:\n  " + "\n  ".join(r.stderr.strip().splitlines()[-5:]))
        if args.keep:
            shutil.copytree(d, args.keep, dirs_exist_ok=True)
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
