"""Time collusion training as the demo runs it (the `collusion` spec: tender table, 5-fold tender-grouped
cross-validation, the final fit) with the pandas engine and with a local Dask cluster, and check both give the same
model and metrics.

    python benchmarks/collusion_fits.py --data DIR [--workers 2]

The dataset is loaded and its evidence (bidder graph, red flags) computed once, outside the timing; then `train` is timed
alone on each engine (the cluster's start is timed apart). Prints one line per engine and whether the out-of-fold
probabilities, the final model's probabilities and the metrics agree (within 1e-12).
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
    a = ap.parse_args()

    from experiments.specs import load_spec
    from experiments.tasks import _dataset, _truth_labels, collusion_evidence
    from features import engine
    from features.settings import EngineSettings, Settings
    from riskmodels.collusion import pipeline as C

    settings = Settings()
    spec = dataclasses.replace(load_spec("collusion"), data=a.data)
    t = time.perf_counter()
    ds = _dataset(spec, settings, None, ("tenders", "bids", "bid_items", "enterprises", "shareholders"))
    labels = _truth_labels(a.data, ds.get("tenders"))
    ev = collusion_evidence(ds, spec.features, settings)
    print(f"loaded and evidence computed in {time.perf_counter() - t:.1f}s (not timed below)", flush=True)

    def train():
        t = time.perf_counter()
        model, table, y, info = C.train([ds], kind=spec.features.get("kind", "full"), flags=spec.features.get("flags", True),
                                        seed=spec.seed, params={**C.model_params(settings), **spec.model}, cv=True,
                                        labels=[labels], settings=settings, method="lightgbm", folds=spec.folds,
                                        evidence=[ev])
        seconds = time.perf_counter() - t
        return seconds, model.predict_proba(table[info["features"]].astype(float))[:, 1], info

    s_pd, p_pd, i_pd = train()
    print(f"pandas: train {s_pd:.1f}s ({i_pd['tenders']} tenders, {len(i_pd['features'])} columns, "
          f"{i_pd['folds']} folds, AUC {i_pd['metrics']['auc']:.4f})", flush=True)
    t = time.perf_counter()
    eng = engine.start(EngineSettings(name="dask", workers=a.workers))
    print(f"dask: {eng.describe()} started in {time.perf_counter() - t:.1f}s", flush=True)
    try:
        with engine.using(eng):
            s_dk, p_dk, i_dk = train()
    finally:
        eng.close()
    same = (np.abs(p_pd - p_dk).max() <= 1e-12 and np.abs(i_pd["oof"] - i_dk["oof"]).max() <= 1e-12
            and i_pd["metrics"] == i_dk["metrics"])
    print(f"dask ({a.workers} workers): train {s_dk:.1f}s, AUC {i_dk['metrics']['auc']:.4f}; "
          f"same model and metrics as pandas: {same} (max probability difference {np.abs(p_pd - p_dk).max():.2e})")


if __name__ == "__main__":
    main()
