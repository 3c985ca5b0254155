"""Credit model against two baselines on the same folds: German credit and Polish bankruptcy (year 1).

    python benchmarks/credit.py [--data ../shared/data/credit] [--folds 5] [--seeds 0 [1 2 ...]] [--only german|polish]

For each dataset and fold seed, stratified 5-fold CV (shuffled; rows identical in every feature kept in one fold; seed 0
gives the folds `riskmodels credit evaluate` uses) and the models on identical folds: ours
(`riskmodels.credit.CreditClassifier`, default settings; also with the best candidate alone), a default scikit-learn
HistGradientBoostingClassifier (categorical columns as categories), and an optbinning scorecard (BinningProcess ->
LogisticRegression). Prints out-of-fold AUC, KS and Brier, our bad rate per tier, and seconds per model; with several
`--seeds`, also each model's AUC per seed and the mean (one seed's folds move the AUC by several thousandths).
optbinning is not a dependency of the toolkit: `pip install optbinning` to run the scorecard (it is skipped otherwise).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from features.core.settings import Settings  # noqa: E402
from riskmodels.credit.evaluate import fold_splits, make_model, read_labelled_table  # noqa: E402
from riskmodels.credit.model import infer_categories  # noqa: E402
from riskmodels.credit.monitor import discrimination  # noqa: E402
from riskmodels.credit.tiers import assign_tiers, tier_table  # noqa: E402

DATASETS = {"german": ("germancredit.csv", "creditability"), "polish": ("polish_bankruptcy_1year.arff", "bankruptcy")}


def _ours(Xtr, ytr, Xte):
    return make_model().fit(Xtr, ytr).predict_proba(Xte)[:, 1]


def _ours_single(Xtr, ytr, Xte):
    """Ours without the runner-up blend (the best candidate alone; the model before the blend)."""
    return make_model().set_params(blend=False).fit(Xtr, ytr).predict_proba(Xte)[:, 1]


def _as_categories(X, cats):
    X = X.copy()
    for c in cats:
        X[c] = pd.Categorical(X[c].astype("string").astype(object).where(X[c].notna(), None), categories=cats[c])
    return X


def _hgb(Xtr, ytr, Xte):
    from sklearn.ensemble import HistGradientBoostingClassifier

    cats = infer_categories(Xtr)
    m = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
    return m.fit(_as_categories(Xtr, cats), ytr).predict_proba(_as_categories(Xte, cats))[:, 1]


def _scorecard(Xtr, ytr, Xte):
    from optbinning import BinningProcess
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    cats = list(infer_categories(Xtr))
    conv = lambda X: X.assign(**{c: X[c].astype(object) for c in cats})  # noqa: E731
    m = make_pipeline(BinningProcess(list(Xtr.columns), categorical_variables=cats), LogisticRegression(max_iter=1000))
    return m.fit(conv(Xtr), ytr).predict_proba(conv(Xte))[:, 1]


def run(path: Path, target: str, folds: int, seed: int) -> dict:
    """Print one dataset's comparison on the folds of `seed`; return {model: out-of-fold AUC}."""
    X, y, info = read_labelled_table(path, target)
    print(f"\n{path.name}: {info['rows']} rows, {info['features']} features, {info['bad_rate']:.1%} bad "
          f"({target} = {info['bad_value']!r}); stratified {folds}-fold CV, seed {seed}")
    splits = fold_splits(X, y, folds, seed)  # the folds of `credit evaluate`: duplicate rows kept with their twin
    models = {"ours (calibrated LightGBM)": _ours, "HistGradientBoosting default": _hgb,
              "optbinning scorecard + LR": _scorecard, "ours, best candidate alone": _ours_single}
    print(f"{'model':<30} {'auc':>7} {'ks':>7} {'brier':>7} {'seconds':>8}")
    aucs = {}
    for name, fn in models.items():
        t = time.perf_counter()
        oof = np.full(len(y), np.nan)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for tr, te in splits:
                    oof[te] = fn(X.iloc[tr], y[tr], X.iloc[te])
        except ImportError as e:
            print(f"{name:<30} skipped ({e})")
            continue
        m = discrimination(y, oof)
        aucs[name] = m["auc"]
        print(f"{name:<30} {m['auc']:7.4f} {m['ks']:7.4f} {m['brier']:7.4f} {time.perf_counter() - t:8.1f}", flush=True)
        if name.startswith("ours"):
            tiers = tier_table(y, oof, assign_tiers(oof, Settings().tiers)["tier"])
            print(" " * 4 + "bad rate by tier: " + ", ".join(f"{k} {v['bad_rate']:.1%} (n {v['n']})" for k, v in tiers.items()))
    return aucs


def summary(name: str, seeds: list[int], aucs: list[dict]) -> None:
    """AUC per model and seed, and the mean over the seeds."""
    print(f"\n{name}: out-of-fold AUC per fold seed")
    print(f"{'model':<30} " + " ".join(f"{'seed ' + str(s):>8}" for s in seeds) + f" {'mean':>8}")
    for model in aucs[0]:
        vals = [a.get(model, np.nan) for a in aucs]
        print(f"{model:<30} " + " ".join(f"{v:8.4f}" for v in vals) + f" {np.mean(vals):8.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "credit")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", "--seed", type=int, nargs="+", default=[0], help="fold seeds (each gives its own folds)")
    ap.add_argument("--only", choices=sorted(DATASETS))
    a = ap.parse_args()
    for key, (fname, target) in DATASETS.items():
        if a.only and key != a.only:
            continue
        p = a.data / fname
        if not p.exists():
            print(f"{p}: absent, skipped")
            continue
        aucs = [run(p, target, a.folds, seed) for seed in a.seeds]
        if len(a.seeds) > 1:
            summary(fname, a.seeds, aucs)


if __name__ == "__main__":
    main()
