"""The inspection stage on Dask against pandas, measured in the same run: the goal is
that Dask is not slower than pandas at city scale.

    python benchmarks/inspection_engines.py [--scale city|tiny] [--seed 1] [--data DIR] [--workers 2] [--rounds 2]
                                             [--runs 5] [--json FILE]

Simulates a dataset (or uses --data, a folder written by `riskmodels data simulate`) and writes a tiers file from its
truth (`truth/enterprises.csv`: the true violation probability as the risk score, tiers A-D by its quartiles, as of the
last day of the data): the shape the credit stage hands the inspection stage, without training a model. Then, per
engine, the demo's inspection stage as `experiments/demo.py` runs it: the plan's inputs read once (`load_inputs`), the
plan drawn and written (`make_plan`), verified from its published files (`verify_plan`) and `--runs` plans simulated
for the lift (`simulate_plans`). The local Dask cluster (`--workers` processes, one thread each) is started before the
clock runs; its start is reported apart. Engines alternate for `--rounds` rounds (pandas, dask, pandas, dask, ...) so
both see the same load; each engine's best round counts. Prints the seconds per step and engine, and the ratio
dask / pandas of the whole stage (below 1: Dask is faster). The plans of both engines must be the same bytes.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from features import engine  # noqa: E402
from features.core.settings import EngineSettings, Settings  # noqa: E402
from riskmodels.inspection import make_plan, verify_plan  # noqa: E402
from riskmodels.inspection.evaluate import simulate_plans  # noqa: E402
from riskmodels.inspection.planner import load_inputs, locate_inputs  # noqa: E402

SEED = "benchmark"


def tiers_from_truth(data: Path, out: Path) -> Path:
    """A tiers file (enterprise_id, tier, probability, as_of) from the simulated truth."""
    truth = pd.read_csv(data / "truth" / "enterprises.csv", dtype={"enterprise_id": str})
    p = truth["violation_prob"].to_numpy(dtype=float)
    q = np.quantile(p, [0.25, 0.5, 0.75])
    tier = np.select([p <= q[0], p <= q[1], p <= q[2]], ["A", "B", "C"], "D")
    pd.DataFrame({"enterprise_id": truth["enterprise_id"], "tier": tier, "probability": p,
                  "as_of": "2025-12-31"}).to_csv(out, index=False)
    return out


def stage(data: Path, tiers: Path, out: Path, settings: Settings, runs: int) -> dict:
    """The demo's inspection stage, each step timed: {step: seconds}."""
    t, times = time.perf_counter(), {}

    def lap(name):
        nonlocal t
        now = time.perf_counter()
        times[name] = now - t
        t = now

    loaded = load_inputs(locate_inputs(data, tiers), settings)
    lap("read inputs")
    make_plan(data, tiers, None, SEED, out, settings, loaded=loaded)
    lap("plan")
    verify_plan(out)
    lap("verify")
    simulate_plans(data, tiers, None, SEED, runs=runs, settings=settings, loaded=loaded)
    lap(f"{runs} simulated plans")
    times["stage"] = sum(times.values())
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="city")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = a.data
        if data is None:
            data = tmp / "data"
            subprocess.run([sys.executable, "-c", "import sys; from cli import app; sys.argv[0] = 'riskmodels'; app()",
                            "data", "simulate", "--scale", a.scale, "--seed", str(a.seed), "--out", str(data)],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        tiers = tiers_from_truth(data, tmp / "tiers.csv")
        settings = Settings()
        t0 = time.perf_counter()
        dask = engine.start(EngineSettings(name="dask", workers=a.workers))
        started = time.perf_counter() - t0
        engines = {"pandas": engine.PandasEngine(), "dask": dask}
        best: dict = {}
        try:
            for r in range(a.rounds):
                for name, eng in engines.items():
                    with engine.using(eng):
                        times = stage(data, tiers, tmp / f"{name}-{r}", settings, a.runs)
                    print(f"round {r + 1} {name}: " + ", ".join(f"{k} {v:.2f}s" for k, v in times.items()), flush=True)
                    if name not in best or times["stage"] < best[name]["stage"]:
                        best[name] = times
        finally:
            dask.close()
        same = all((tmp / "pandas-0" / f).read_bytes() == (tmp / "dask-0" / f).read_bytes()
                   for f in ("plan.csv", "strata.csv", "inclusion.csv", "notice.csv", "manifest.json"))
    ratio = best["dask"]["stage"] / best["pandas"]["stage"]
    print(f"dask cluster start {started:.1f}s (not in the stage times)")
    for step in best["pandas"]:
        print(f"{step:>20}: pandas {best['pandas'][step]:7.2f}s  dask {best['dask'][step]:7.2f}s  "
              f"ratio {best['dask'][step] / max(best['pandas'][step], 1e-9):.2f}")
    print(f"inspection stage dask / pandas: {ratio:.2f}x (best of {a.rounds} round(s) each); same plan files: {same}")
    if a.json:
        a.json.write_text(json.dumps({"best": best, "ratio": ratio, "same": same, "cluster_start": started}, indent=1))


if __name__ == "__main__":
    main()
