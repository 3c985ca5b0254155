"""Early warnings on new tenders against a full `collusion score` of the city, measured in one run.

A simulated city is split by publication date: the earliest 75% of tenders are the history, the rest arrive as new
tenders. Verdicts are recorded on the history (which keeps its market statistics in the case store), then
`riskmodels cases warn NEW` is timed against `riskmodels collusion score CITY` (the whole city, no model), both as the
commands a user runs (new processes, imports included), each `--repeat` times; the medians and their ratio are printed.
The goal: warn takes at most 0.6 of the full score's time.

    python benchmarks/early_warning.py [--scale tiny] [--seed 5] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

RISKMODELS = [sys.executable, "-c", "from cli import app; app()"]


def run(*args, env=None) -> float:
    t = time.perf_counter()
    r = subprocess.run([*RISKMODELS, *map(str, args)], capture_output=True, text=True, env=env,
                       cwd=Path(__file__).resolve().parents[1])
    if r.returncode:
        raise SystemExit(f"riskmodels {' '.join(map(str, args[:2]))} failed: {r.stderr.strip()[-300:]}")
    return time.perf_counter() - t


def split(city: Path, root: Path) -> tuple[Path, Path, pd.DataFrame]:
    """history and new folders (by publication date, 75/25), and the verdicts an investigation would give on the history."""
    S = {"dtype": str}
    tenders = pd.read_csv(city / "tenders.csv", **S)
    order = tenders.sort_values(["published_at", "tender_id"])["tender_id"].tolist()
    cut = int(len(order) * 0.75)
    for name, ids in (("hist", set(order[:cut])), ("new", set(order[cut:]))):
        (root / name).mkdir()
        for f in city.glob("*.csv"):
            t = pd.read_csv(f, **S)
            if f.stem in ("tenders", "bids", "bid_items"):
                t = t[t["tender_id"].isin(ids)]
            t.to_csv(root / name / f.name, index=False)
    truth = pd.read_csv(city / "truth" / "tenders.csv", **S).set_index("tender_id").loc[order[:cut]]
    conf = truth[truth["collusive"] == "1"].groupby("cartel_id").head(3)
    clean = truth[truth["collusive"] == "0"].sample(30, random_state=0)
    v = pd.concat([pd.DataFrame({"tender_id": conf.index, "verdict": "collusive"}),
                   pd.DataFrame({"tender_id": clean.index, "verdict": "clean"})])
    v["by"], v["note"] = "benchmark", ""
    return root / "hist", root / "new", v


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="tiny")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{d}/mlflow.db")
        run("data", "simulate", "--scale", a.scale, "--seed", a.seed, "--out", d / "city", env=env)
        hist, new, v = split(d / "city", d)
        v.to_csv(d / "v.csv", index=False)
        run("cases", "verdict", hist, "--store", d / "s.db", "--verdicts", d / "v.csv", env=env)
        warn, full = [], []
        for i in range(a.repeat):  # alternate, so that a busy moment hurts both
            warn.append(run("cases", "warn", new, "--store", d / "s.db", "--out", d / f"w{i}.csv",
                            env=env))
            full.append(run("collusion", "score", d / "city", "--out", d / f"full{i}.csv", env=env))
        w, f = statistics.median(warn), statistics.median(full)
        n_new = pd.read_csv(new / "tenders.csv").shape[0]
        n_all = pd.read_csv(d / "city" / "tenders.csv").shape[0]
        print(f"cases warn on {n_new:,} new tenders: median {w:.1f}s over {a.repeat} runs ({', '.join(f'{x:.1f}' for x in warn)})")
        print(f"collusion score on the city's {n_all:,} tenders: median {f:.1f}s ({', '.join(f'{x:.1f}' for x in full)})")
        print(f"warn / full score time: {w / f:.2f} (goal <= 0.60)")


if __name__ == "__main__":
    main()
