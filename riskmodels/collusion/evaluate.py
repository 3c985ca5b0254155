"""Honest evaluation of tender collusion models (the protocol is written up in docs/evaluation.md).

Three splits, each giving out-of-fold probabilities for every tender, pooled before the metrics are computed:
- `tender`: stratified K folds grouped by tender (one row per tender, so no tender is ever on both sides); the headline.
- `bidder`: folds grouped by the winning firm, so a firm's wins are never on both sides. Research labels come from known
  cartel firms, so a model that learns "firm X wins" would look good under `tender` and fail here. Skipped when bidder ids
  are anonymous or unknown.
- `time`: contiguous blocks in publication order (earliest to latest), each held out in turn, plus a forward split (train
  on the earliest share, test on the rest) when both classes occur in the later period. Skipped without dates.
Metrics: ROC-AUC and average precision on the probabilities; balanced accuracy and F1 at the model's flag threshold.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import average_precision_score, balanced_accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold


def _metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict:
    ok = ~np.isnan(p)
    y, p = y[ok], p[ok]
    out = {"n": int(len(y)), "positives": int(y.sum())}
    if len(np.unique(y)) < 2:
        return {**out, "auc": None, "average_precision": None, "balanced_accuracy": None, "f1": None,
                "note": "one class only in the evaluated tenders"}
    pred = (p >= threshold).astype(int)
    return {**out, "auc": float(roc_auc_score(y, p)), "average_precision": float(average_precision_score(y, p)),
            "balanced_accuracy": float(balanced_accuracy_score(y, pred)), "f1": float(f1_score(y, pred, zero_division=0))}


def _folds(n_splits: int, y: np.ndarray, groups: np.ndarray | None) -> int:
    k = min(n_splits, int(np.bincount(y, minlength=2).min()))
    if groups is not None:
        k = min(k, len(np.unique(groups)))
    return k


def _fold_fit(estimator, X: pd.DataFrame, y: np.ndarray, per_row: dict, train, test):
    """One fold, a task on the current engine: a clone of `estimator` fitted on rows `train` (all rows when None), the
    per-row fit arguments cut to them; with `test`, (its collusive-class probabilities for rows `test`, the family it
    chose or None), else the fitted model."""
    if train is None:
        return clone(estimator).fit(X, y, **per_row)
    m = clone(estimator).fit(X.iloc[train], y[train], **{k: np.asarray(v)[train] for k, v in per_row.items()})
    if test is None:
        return m
    return m.predict_proba(X.iloc[test])[:, 1], getattr(m, "family_", None)


def fold_fits(jobs: list, label: str = "collusion cross-validation (fold fits)") -> list:
    """`_fold_fit(estimator, X, y, per_row, train, test)` for each job, results in order: every fold (of every split,
    estimator and final fit given) a separate task submitted together on the current engine (`features.engine`), each
    table, label vector and per-row argument set sent once. Each fit is seeded and single-threaded, so the results are
    those of a loop in this process on every engine (the fits inside a task run in its worker, one after another)."""
    from features import engine

    eng = engine.current()
    sent: dict = {}

    def once(obj):
        if obj is None or (isinstance(obj, dict) and not obj):
            return obj
        if id(obj) not in sent:
            sent[id(obj)] = (obj, eng.share(obj, keep=False))  # the object is held, so its id is not reused meanwhile
        return sent[id(obj)][1]

    return eng.submit_many([(_fold_fit, (est, once(X), once(y), once(kw), tr, te), None)
                            for est, X, y, kw, tr, te in jobs], label=label)


def _fit_sides(y: np.ndarray, splits) -> list:
    """The splits whose training side holds both classes (the others leave their held-out rows unscored)."""
    return [(tr, te) for tr, te in splits if len(np.unique(y[tr])) >= 2]


def _pooled(n: int, splits: list, results: list, chosen: list | None = None) -> np.ndarray:
    """Each row's probability from the fold that held it out (NaN elsewhere); `chosen` receives each fold's family."""
    p = np.full(n, np.nan)
    for (_, te), (pt, family) in zip(splits, results):
        p[te] = pt
        if chosen is not None and family is not None:
            chosen.append(family)
    return p


def _per_row(sample_weight, fit_params) -> dict:
    per_row = dict(fit_params or {})
    if sample_weight is not None:
        per_row["sample_weight"] = sample_weight
    return per_row


def out_of_fold(estimator, X: pd.DataFrame, y: np.ndarray, splits, sample_weight=None,
                fit_params: dict | None = None, chosen: list | None = None) -> np.ndarray:
    """Probabilities for every row from the fold that held it out (NaN for rows never held out or whose training
    side had one class). `fit_params`: keyword arguments of `fit` holding one value per row (e.g. sample_weight,
    markets), cut to each fold's training rows. `chosen`: a list that receives each fold model's `family_` (the family
    a `FamilySelectedClassifier` chose on that fold's training rows). The folds are fitted as tasks (`fold_fits`)."""
    per_row = _per_row(sample_weight, fit_params)
    used = _fit_sides(y, splits)
    return _pooled(len(y), used, fold_fits([(estimator, X, y, per_row, tr, te) for tr, te in used]), chosen)


def cross_fit(estimator, X: pd.DataFrame, y: np.ndarray, splits, fit_params: dict | None = None) -> tuple:
    """(`out_of_fold` probabilities, a clone of `estimator` fitted on all rows): the fit on all rows submitted with the
    folds, as one more task of the same batch (first, as the largest)."""
    per_row = _per_row(None, fit_params)
    used = _fit_sides(y, splits)
    final, *folds = fold_fits([(estimator, X, y, per_row, None, None)]
                              + [(estimator, X, y, per_row, tr, te) for tr, te in used])
    return _pooled(len(y), used, folds), final


def family_counts(chosen: list) -> dict:
    """How often each model family was chosen over the folds (`FamilySelectedClassifier`)."""
    return {f: chosen.count(f) for f in dict.fromkeys(chosen)}


def tender_split(y, tender_ids, n_splits=5, seed=0):
    k = _folds(n_splits, y, None)
    return list(StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y, tender_ids))


def bidder_split(y, winners, n_splits=5, seed=0):
    k = _folds(n_splits, y, winners)
    return list(StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y, winners))


def time_blocks(order_key: np.ndarray, n_blocks=5):
    """Contiguous blocks of rows in time order (ties broken by position); each block held out in turn."""
    idx = np.argsort(order_key, kind="stable")
    blocks = np.array_split(idx, n_blocks)
    return [(np.setdiff1d(idx, b), np.sort(b)) for b in blocks if len(b)]


def winners_of(table: pd.DataFrame, bids: pd.DataFrame | None) -> np.ndarray | None:
    """The winning firm per row of `table` (one per tender); None when bidder ids are anonymous or winners unknown.
    Tenders without a known winner form their own group."""
    if bids is None or "bidder_id" not in bids.columns or "is_winner" not in bids.columns:
        return None
    if "anonymous" in bids.columns and (pd.to_numeric(bids["anonymous"], errors="coerce") == 1).all():
        return None
    w = bids[bids["is_winner"] == 1].drop_duplicates("tender_id")
    if w.empty:
        return None
    m = pd.Series(w["bidder_id"].astype(str).to_numpy(), index=w["tender_id"].astype(str).to_numpy())
    tid = table["tender_id"].astype(str)
    return tid.map(m).fillna("tender:" + tid).to_numpy()


def time_key(table: pd.DataFrame, tenders: pd.DataFrame | None) -> np.ndarray | None:
    """Publication time per row (ns since epoch, or the dataset's own day number `date_index`); None when unknown."""
    if tenders is None:
        return None
    t = tenders.drop_duplicates("tender_id").assign(tender_id=lambda d: d["tender_id"].astype(str)).set_index("tender_id")
    for col in ("published_at", "date_index", "deadline_at", "awarded_at"):
        if col in t.columns:
            s = t[col]
            v = (pd.to_datetime(s, errors="coerce").astype("int64").astype(float).where(s.notna())
                 if col != "date_index" else pd.to_numeric(s, errors="coerce"))
            v = table["tender_id"].astype(str).map(v).to_numpy(dtype=float)
            if np.isfinite(v).mean() > 0.9:
                return np.where(np.isfinite(v), v, np.nanmax(v) + 1)
    return None


def evaluate(estimator, X: pd.DataFrame, y, *, tender_ids=None, winners=None, times=None, n_splits: int = 5,
             seed: int = 0, forward_share: float = 0.7, baseline: Callable | None = None,
             baseline_columns: list | None = None) -> dict:
    """Metrics of `estimator` under the tender, bidder and time splits (module doc). `baseline` (an estimator) is
    evaluated on the same folds over `baseline_columns` of X and reported beside each split as `baseline_auc`."""
    y = np.asarray(y).astype(int)
    tender_ids = np.arange(len(y)) if tender_ids is None else np.asarray(tender_ids)
    thr = float(getattr(estimator, "threshold", 0.5))
    splits: dict = {}
    # every fold of every split (and the baseline's, and the forward split) fitted in one batch of tasks, then reported
    # in the order of the splits
    plans = [("tender", tender_split(y, tender_ids, n_splits, seed), {})]
    if winners is None:
        splits["bidder"] = {"skipped": "bidder ids are anonymous or winners unknown"}
    else:
        winners = np.asarray(winners)
        plans.append(("bidder", bidder_split(y, winners, n_splits, seed), {"groups": int(len(np.unique(winners)))}))
    forward = None
    if times is None:
        splits["time"] = {"skipped": "no publication dates"}
    else:
        times = np.asarray(times, dtype=float)
        plans.append(("time", time_blocks(times, n_splits), {"kind": f"{n_splits} contiguous blocks in time, each held out"}))
        idx = np.argsort(times, kind="stable")
        cut = int(round(forward_share * len(idx)))
        forward = (np.sort(idx[:cut]), np.sort(idx[cut:]))
    Xb = None if baseline is None else (X[baseline_columns] if baseline_columns is not None else X)
    jobs, used = [], {}
    for name, sp, _ in plans:
        used[name] = _fit_sides(y, sp)
        jobs += [(estimator, X, y, {}, tr, te) for tr, te in used[name]]
        if baseline is not None:
            jobs += [(baseline, Xb, y, {}, tr, te) for tr, te in used[name]]
    tr, te = forward if forward is not None else (None, None)
    forward_fits = forward is not None and len(np.unique(y[te])) == 2 and len(np.unique(y[tr])) == 2
    if forward_fits:
        jobs.append((estimator, X, y, {}, tr, te))
    results = iter(fold_fits(jobs, label="collusion evaluation (fold fits)"))
    for name, sp, extra in plans:
        k = len(used[name])
        chosen: list = []
        p = _pooled(len(y), used[name], [next(results) for _ in range(k)], chosen)
        res = {**_metrics(y, p, thr), "folds": len(sp), **extra}
        if chosen:
            res["families"] = family_counts(chosen)
        if baseline is not None:
            mb = _metrics(y, _pooled(len(y), used[name], [next(results) for _ in range(k)]), 0.5)
            res["baseline_auc"] = mb["auc"]
            res["baseline_average_precision"] = mb["average_precision"]
        splits[name] = res
    if forward is not None and not forward_fits:
        splits["time_forward"] = {"skipped": f"one class only on one side of the {forward_share:.0%} time cut",
                                  "positives_train": int(y[tr].sum()), "positives_test": int(y[te].sum())}
    elif forward_fits:
        pt, family = next(results)
        splits["time_forward"] = {**_metrics(y[te], pt, thr),
                                  "kind": f"train on the earliest {forward_share:.0%}, test on the rest"}
        if family is not None:
            splits["time_forward"]["families"] = {family: 1}
    splits = {k: splits[k] for k in ("tender", "bidder", "time", "time_forward") if k in splits}
    head = splits["tender"]
    return {"auc": head["auc"], "average_precision": head["average_precision"],
            "balanced_accuracy": head["balanced_accuracy"], "f1": head["f1"],
            "n_tenders": int(len(y)), "positive_share": float(y.mean()), "splits": splits}


def transfer(estimator, train: list[tuple[pd.DataFrame, np.ndarray]], test: tuple[pd.DataFrame, np.ndarray]) -> dict:
    """Fit on the concatenated training markets and score the held-out market unchanged: its metrics."""
    Xtr = pd.concat([x for x, _ in train], ignore_index=True)
    ytr = np.concatenate([np.asarray(y).astype(int) for _, y in train])
    m = clone(estimator).fit(Xtr, ytr)
    X, y = test
    return _metrics(np.asarray(y).astype(int), m.predict_proba(X[Xtr.columns])[:, 1], float(getattr(m, "threshold", 0.5)))


def round_floats(obj, digits: int = 4):
    """Floats rounded for reports (NaN becomes None so the JSON stays valid)."""
    if isinstance(obj, float):
        return None if math.isnan(obj) else round(obj, digits)
    if isinstance(obj, dict):
        return {k: round_floats(v, digits) for k, v in obj.items()}
    if isinstance(obj, list):
        return [round_floats(v, digits) for v in obj]
    return obj
