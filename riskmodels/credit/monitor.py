"""Monitoring a credit model: discrimination (KS, AUC, Gini), calibration (Brier, calibration table), stability (PSI of the
score and of each feature between two periods) and tier migration between two tier lists.

Conventions: `y` is 1 for bad (serious violation / default), `p` the predicted probability of bad. PSI uses the reference
period's deciles as bins (missing values get a bin of their own; categorical features compare category shares) and a
small floor on empty bins; the usual reading is < 0.1 stable, 0.1-0.25 watch, > 0.25 shifted.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodels.credit.tiers import TIERS

_EPS = 1e-4


def ks_statistic(y, p) -> float:
    """Kolmogorov-Smirnov distance between the score distributions of bad and good rows."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if len(np.unique(y)) < 2:
        return float("nan")
    order = np.argsort(p, kind="stable")
    ys, ps = y[order], p[order]
    bad = np.cumsum(ys) / ys.sum()
    good = np.cumsum(1 - ys) / (1 - ys).sum()
    last = np.r_[ps[1:] != ps[:-1], True]  # evaluate only at the end of runs of tied scores
    return float(np.max(np.abs(bad - good)[last]))


def discrimination(y, p) -> dict:
    """AUC, Gini (2 AUC - 1), KS and Brier score."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    auc = float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")
    return {"auc": auc, "gini": 2 * auc - 1, "ks": ks_statistic(y, p), "brier": float(brier_score_loss(y, p))}


def calibration_table(y, p, bins: int = 10) -> pd.DataFrame:
    """Rows per quantile bin of the score: n, mean predicted, observed bad rate, and their difference."""
    df = pd.DataFrame({"y": np.asarray(y, dtype=float), "p": np.asarray(p, dtype=float)})
    df["bin"] = pd.qcut(df["p"].rank(method="first"), q=min(bins, len(df)), labels=False)
    g = df.groupby("bin")
    out = pd.DataFrame({"n": g.size(), "p_min": g["p"].min(), "p_max": g["p"].max(), "predicted": g["p"].mean(),
                        "observed": g["y"].mean()})
    out["difference"] = out["observed"] - out["predicted"]
    return out.reset_index(drop=True)


def psi(reference, current, bins: int = 10) -> float:
    """Population stability index of one variable between a reference and a current sample."""
    a = pd.Series(reference)
    b = pd.Series(current)
    if isinstance(a.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(a):
        pa = a.astype("string").fillna("<missing>").value_counts(normalize=True)
        pb = b.astype("string").fillna("<missing>").value_counts(normalize=True)
        keys = pa.index.union(pb.index)
        ea, eb = pa.reindex(keys, fill_value=0).to_numpy(), pb.reindex(keys, fill_value=0).to_numpy()
    else:
        av, bv = a.to_numpy(float), b.to_numpy(float)
        fa, fb = av[np.isfinite(av)], bv[np.isfinite(bv)]
        edges = np.unique(np.quantile(fa, np.linspace(0, 1, bins + 1)[1:-1])) if len(fa) else np.array([])
        ca = np.bincount(np.searchsorted(edges, fa, side="right"), minlength=len(edges) + 1)
        cb = np.bincount(np.searchsorted(edges, fb, side="right"), minlength=len(edges) + 1)
        ca = np.r_[ca, np.sum(~np.isfinite(av))]
        cb = np.r_[cb, np.sum(~np.isfinite(bv))]
        ea, eb = ca / max(1, len(av)), cb / max(1, len(bv))
    ea, eb = np.maximum(ea, _EPS), np.maximum(eb, _EPS)
    return float(np.sum((eb - ea) * np.log(eb / ea)))


def stability(reference: pd.DataFrame, current: pd.DataFrame, score: str | None = None, bins: int = 10) -> pd.DataFrame:
    """PSI of every column present in both periods (the score column first when named), largest shift first."""
    cols = [c for c in reference.columns if c in current.columns and c not in ("enterprise_id", "as_of")]
    rows = [{"variable": c, "psi": psi(reference[c], current[c], bins)} for c in cols]
    out = pd.DataFrame(rows, columns=["variable", "psi"])
    out["is_score"] = out["variable"] == score
    return out.sort_values(["is_score", "psi"], ascending=[False, False]).reset_index(drop=True)


def migration_matrix(previous, current, normalize: bool = False) -> pd.DataFrame:
    """Counts (or row shares) of firms by previous tier (rows; 'new' for firms without one) and current tier (columns)."""
    prev = pd.Series(np.asarray(previous, dtype=object)).fillna("new").astype(str)
    cur = pd.Series(np.asarray(current, dtype=object)).astype(str)
    m = pd.crosstab(prev, cur).reindex(index=[*TIERS, "new"], columns=list(TIERS), fill_value=0)
    m = m.loc[(m.sum(axis=1) > 0) | m.index.isin(TIERS)]
    m.index.name, m.columns.name = "previous", "current"
    if normalize:
        m = m.div(m.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    return m
