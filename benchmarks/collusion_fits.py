"""Time collusion training as the demo runs it (the `collusion` spec: tender table, 5-fold tender-grouped
cross-validation, the final fit) with the pandas engine and with a local Dask cluster, and check both give the same
model and metrics.

    python benchmarks/collusion_fits.py --data DIR [--workers 2] [--rounds 2]

The dataset is loaded and its evidence (bidder graph, red flags) computed once, outside the timing; then `train` is timed
alone, on each engine in turn (`--rounds` times; the cluster's start is timed apart). Prints one line per run: the
whole call, its fits (the folds and the final fit, one batch of tasks) and the CPU seconds used in this process and on
the workers (on a shared machine wall time follows the others' load, CPU time less so); then whether the
out-of-fold probabilities, the final model's probabilities and the metrics agree (within 1e-12).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2, help="times each engine trains, in turn")
    a = ap.parse_args()

    import psutil

    from experiments.specs import load_spec
    from experiments.tasks import _dataset, _truth_labels, collusion_evidence
    from features import engine
    from features.core.settings import EngineSettings, Settings
    from riskmodels.collusion import evaluate as E, pipeline as C

    settings = Settings()
    spec = dataclasses.replace(load_spec("collusion"), data=a.data)
    t = time.perf_counter()
    ds = _dataset(spec, settings, None, ("tenders", "bids", "bid_items", "enterprises", "shareholders"))
    labels = _truth_labels(a.data, ds.get("tenders"))
    ev = collusion_evidence(ds, spec.features, settings)
    print(f"loaded and evidence computed in {time.perf_counter() - t:.1f}s (not timed below)", flush=True)

    fits = []
    cross_fit = E.cross_fit

    def timed_cross_fit(*args, **kwargs):  # the fits alone: the folds and the final fit, one batch of tasks
        t = time.perf_counter()
        try:
            return cross_fit(*args, **kwargs)
        finally:
            fits.append(time.perf_counter() - t)

    E.cross_fit = timed_cross_fit

    def train():
        t = time.perf_counter()
        model, table, y, info = C.train([ds], kind=spec.features.get("kind", "full"), flags=spec.features.get("flags", True),
                                        seed=spec.seed, params={**C.model_params(settings), **spec.model}, cv=True,
                                        labels=[labels], settings=settings, method="lightgbm", folds=spec.folds,
                                        evidence=[ev])
        seconds = time.perf_counter() - t
        return seconds, model.predict_proba(table[info["features"]].astype(float))[:, 1], info

    t = time.perf_counter()
    eng = engine.start(EngineSettings(name="dask", workers=a.workers))
    print(f"dask: {eng.describe()} started in {time.perf_counter() - t:.1f}s", flush=True)

    def workers_cpu():
        """CPU seconds the workers have used so far, together."""
        return sum(eng.client.run(lambda: sum(psutil.Process().cpu_times()[:2])).values())

    runs: dict = {"pandas": [], "dask": []}
    try:
        for _ in range(a.rounds):  # the engines in turn, so that both see the machine's load alike
            for who in ("pandas", "dask"):
                c, w = time.process_time(), workers_cpu()
                with engine.using(eng if who == "dask" else engine.PandasEngine()):
                    seconds, p, info = train()
                c, w = time.process_time() - c, workers_cpu() - w
                runs[who].append((seconds, fits[-1], c, w, p, info))
                print(f"{who}: train {seconds:.1f}s, of which the fits {fits[-1]:.1f}s; CPU {c:.1f}s here + {w:.1f}s on "
                      f"the workers; {info['tenders']} tenders, {len(info['features'])} columns, {info['folds']} folds, "
                      f"AUC {info['metrics']['auc']:.4f}", flush=True)
    finally:
        eng.close()
    (*_, p_pd, i_pd), (*_, p_dk, i_dk) = runs["pandas"][0], runs["dask"][0]
    same = (np.abs(p_pd - p_dk).max() <= 1e-12 and np.abs(i_pd["oof"] - i_dk["oof"]).max() <= 1e-12
            and i_pd["metrics"] == i_dk["metrics"])
    print(f"same model and metrics on both engines: {same} (max probability difference {np.abs(p_pd - p_dk).max():.2e})")


if __name__ == "__main__":
    main()
