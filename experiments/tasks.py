"""Task adapters: from a spec and a dataset directory to a fitted model with its evaluation, over the library layers.

Each trainer returns a `Fitted` (model, parameters, cross-validated metrics, out-of-fold predictions, the training table and
a few rows as input example). When the library code a task needs is not in this installation, `trainer()` raises
`StageUnavailable` with the reason: nothing is faked.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable


class StageUnavailable(Exception):
    """The library code this stage needs is not in this installation (yet)."""


@dataclass
class Fitted:
    model: Any
    metrics: dict
    params: dict = field(default_factory=dict)
    input_example: Any = None
    table: Any = None  # the training feature table (DataFrame): its digest and schema are logged
    predictions: tuple | None = None  # (y_true, y_score) out of fold
    importance: Any = None
    figures: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def require(module: str, *names: str, issue: str = ""):
    """Import `module` and return the named attributes, or raise StageUnavailable naming what is missing."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and (module == e.name or module.startswith(e.name + ".")):
            raise StageUnavailable(f"{module} is not in this installation yet{f' ({issue})' if issue else ''}") from None
        raise
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        raise StageUnavailable(f"{module} has no {', '.join(missing)} yet{f' ({issue})' if issue else ''}")
    got = tuple(getattr(mod, n) for n in names)
    return got[0] if len(got) == 1 else got


def _dataset(spec, settings, cache, tables):
    """The spec's dataset: the one the demo already loaded (same directory) or a fresh load. A shallow copy, so that
    adding labels never changes the caller's tables."""
    import copy
    from pathlib import Path

    from features.dataset import load_dataset

    ds = (cache or {}).get("ds")
    if ds is not None and Path(ds.path).resolve() == Path(spec.data).resolve():
        ds = copy.copy(ds)
        ds.tables = dict(ds.tables)
        return ds
    return load_dataset(spec.data, settings, tables=tables)


def _labels_from_truth(data_dir, tenders):
    """Tender labels: `tenders.collusive` where the data carry it, else the simulator's `truth/tenders.csv`."""
    import pandas as pd
    from pathlib import Path

    if tenders is not None and "collusive" in tenders.columns and tenders["collusive"].notna().any():
        return tenders
    truth = Path(data_dir) / "truth" / "tenders.csv"
    if not truth.exists():
        from features.errors import InputError

        raise InputError(f"{data_dir}: no labels to train on (tenders.csv has no 'collusive' column and there is no "
                         f"truth/tenders.csv)")
    t = pd.read_csv(truth, dtype={"tender_id": str})
    lab = dict(zip(t["tender_id"].astype(str), pd.to_numeric(t["collusive"], errors="coerce")))
    return tenders.assign(collusive=tenders["tender_id"].astype(str).map(lab).astype(float))


def flag_features(evidence):
    """Per tender, the number of findings of each red-flag code (`flag_<code>`) and in all (`n_flags`), from the evidence
    rows of `features.legal.run.collusion_flags` (a finding naming several tenders 'a;b' counts for each)."""
    import pandas as pd

    if evidence is None or len(evidence) == 0:
        return pd.DataFrame(columns=["tender_id", "n_flags"])
    ev = evidence[["tender_id", "code"]].dropna().astype(str)
    ev = ev.assign(tender_id=ev["tender_id"].str.split(";")).explode("tender_id")
    ev = ev[ev["tender_id"] != ""]
    table = pd.crosstab(ev["tender_id"], ev["code"]).add_prefix("flag_").astype("float64")
    table["n_flags"] = table.sum(axis=1)
    return table.reset_index()


def collusion_table(ds, features: dict, settings=None, progress=None, cache: dict | None = None):
    """The tender feature table of a dataset (issue 7's `tender_feature_table`) with the evidence the spec switches on:
    pair aggregates, red flags (when issue 5's flags exist) and graph features (issue 6). Returns (table, extras)."""
    tender_feature_table = require("riskmodels.collusion_features", "tender_feature_table", issue="issue 7")
    bids, tenders = ds.get("bids"), ds.get("tenders")
    graph = flags = None
    extras = {}
    if features.get("graph", True):
        analyse = require("graphs.pipeline", "analyse", issue="issue 6")
        from graphs import tables as gtables

        if cache is not None and "graph" in cache:  # the demo's graphs stage already analysed the same bids
            groups, bg = cache["graph"]
        else:
            groups, bg, _ = analyse(ds, settings)
            if cache is not None:
                cache["graph"] = (groups, bg)
        graph = gtables.tender_features(bg, groups)
        extras["groups"] = groups
    if features.get("flags", True):
        if cache is not None and "flags" in cache:
            evidence = cache["flags"]
        else:
            try:
                collusion_flags = require("features.legal.run", "collusion_flags", issue="issue 5")
            except StageUnavailable as e:
                extras["flags_skipped"] = str(e)
                evidence = None
            else:
                from features.settings import Settings

                evidence, _ = collusion_flags(ds.tables, (settings or Settings()).flags)
        if evidence is not None:
            flags = flag_features(evidence)
    table = tender_feature_table(bids, tenders, flags=flags, graph=graph, use_pairs=features.get("pairs", True))
    return table, extras


def _collusion(spec, *, settings=None, progress=None, cache: dict | None = None) -> Fitted:
    """Tender model on the spec's dataset: features, honest cross-validation (one row per tender, so stratified folds
    are grouped by tender), then the model refitted on every labelled tender."""
    import numpy as np
    from sklearn.metrics import average_precision_score, balanced_accuracy_score, brier_score_loss, f1_score, roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    model_columns = require("riskmodels.collusion_features", "model_columns", issue="issue 7")
    Classifier = require("riskmodels.collusion_model", "TenderCollusionClassifier", issue="issue 7")
    ds = _dataset(spec, settings, cache, ("tenders", "bids", "bid_items", "enterprises", "shareholders"))
    ds.tables["tenders"] = _labels_from_truth(spec.data, ds.get("tenders"))
    table, extras = collusion_table(ds, spec.features, settings, progress, cache)
    table = table[table["collusive"].notna()].reset_index(drop=True)
    cols = model_columns(table)
    X, y = table[cols], table["collusive"].astype(int).to_numpy()
    try:
        model = Classifier(**spec.model)
    except TypeError as e:
        from features.errors import InputError

        raise InputError(f"{spec.path}: [model] {e}") from None
    folds = max(2, min(int(spec.folds), int(np.bincount(y, minlength=2).min())))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=spec.seed)
    oof = cross_val_predict(model, X, y, cv=cv, method="predict_proba")[:, 1]
    thr = float(model.get_params().get("threshold", 0.5))
    metrics = {"auc": roc_auc_score(y, oof), "average_precision": average_precision_score(y, oof),
               "balanced_accuracy": balanced_accuracy_score(y, oof >= thr), "f1": f1_score(y, oof >= thr),
               "brier": brier_score_loss(y, oof), "n_tenders": len(y), "n_collusive": int(y.sum()), "n_features": len(cols)}
    model.fit(X, y)
    params = {"estimator": type(model).__name__, "estimator_params": model.get_params(), "cv": f"stratified {folds}-fold by tender"}
    if "flags_skipped" in extras:
        params["flags"] = "skipped: " + extras["flags_skipped"]
    return Fitted(model=model, metrics=metrics, params=params, input_example=X.head(5), table=table,
                  predictions=(y, oof), extra={"columns": cols, **extras})


def score_collusion(model, ds, features: dict, settings=None, top_reasons: int = 3, cache: dict | None = None):
    """Score every tender of a dataset with a fitted tender model: `tender_id`, `score`, `flag`, `reasons`."""
    import pandas as pd

    table, _ = collusion_table(ds, features, settings, cache=cache)
    cols = list(getattr(model, "feature_names_in_", []))
    missing = [c for c in cols if c not in table.columns]
    for c in missing:  # evidence this dataset cannot give (e.g. no reserve prices): unknown, as LightGBM allows
        table[c] = float("nan")
    X = table[cols]
    p = model.predict_proba(X)[:, 1]
    thr = float(model.get_params().get("threshold", 0.5))
    reasons = model.explain(X, top=top_reasons, context=table) if hasattr(model, "explain") else [""] * len(X)
    out = pd.DataFrame({"tender_id": table["tender_id"].astype(str), "score": p, "flag": (p >= thr).astype(int),
                        "reasons": reasons})
    return out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def _credit(spec, *, settings=None, progress=None, cache: dict | None = None) -> Fitted:
    raise StageUnavailable("the credit model is not wired in yet (issue 8)")


_TRAINERS: dict[str, Callable[..., Fitted]] = {"collusion": _collusion, "credit": _credit}


def trainer(task: str) -> Callable[..., Fitted]:
    """The trainer of `task`, after checking its library code is importable (StageUnavailable otherwise)."""
    check = _CHECKS.get(task)
    if check is not None:
        check()
    return _TRAINERS[task]


def _check_collusion():
    require("riskmodels.collusion_features", "tender_feature_table", "model_columns", issue="issue 7")
    require("riskmodels.collusion_model", "TenderCollusionClassifier", issue="issue 7")


def _check_credit():
    raise StageUnavailable("the credit model is not wired in yet (issue 8)")


_CHECKS: dict[str, Callable[[], None]] = {"collusion": _check_collusion, "credit": _check_credit}
