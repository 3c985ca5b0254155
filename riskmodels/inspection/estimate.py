"""The roster's violation rate estimated from a plan's random draws, with a design-based 95% interval.

A plan draws (department, firm) rows of the eligible roster with unequal, known inclusion probabilities p_i
(`draw.stratum_probabilities`, Pareto order sampling within each (department, tier) stratum, risky firms likelier). The
share of violations among the visits done over-states the roster's rate, because risky firms are drawn more often.

Estimator (`violation_rate`): the Hajek ratio R = sum(y_i / p_i) / sum(1 / p_i) over the drawn rows with a known result.
Its variance is the stratified linearisation for an unequal-probability sample without replacement, taken as a
with-replacement draw within each stratum (the usual conservative approximation): with z_i = (y_i - R) / p_i,
V = sum_h n_h / (n_h - 1) * sum_{i in h} (z_i - mean_h z)^2 / (sum 1 / p_i)^2. Strata with a single row are pooled with the
other small strata of their tier (then of the plan) so none is silently dropped.

Interval: violations are rare in the low tiers and weights are unequal, so a normal interval R +- 1.96 sqrt(V) covers the
truth too rarely (78% of draws in the tiny city). The interval here is Korn and Graubard's (1998): a Clopper-Pearson
interval at the effective sample size n_eff = R (1 - R) / V (at most the number of rows; all rows when V = 0), with
degrees of freedom (rows - strata) adjusting it. `inspect simulate --json` reports how often it covers the simulated
world's true rate (`interval_coverage`).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95


def _strata_for_variance(strata: pd.Series, tiers: pd.Series) -> pd.Series:
    """Stratum labels with every single-row stratum pooled with the other single-row strata of its tier; a pool still
    of one row joins the largest stratum of its tier, or of the sample."""
    s = strata.astype(str).to_numpy(object).copy()
    t = tiers.astype(str).to_numpy(object)
    counts = pd.Series(s).value_counts()
    single = np.array([counts[x] == 1 for x in s])
    s[single] = np.array(["pool:" + x for x in t[single]], dtype=object)
    counts = pd.Series(s).value_counts()
    for i in np.flatnonzero([counts[x] == 1 for x in s]):
        same_tier = [x for x in counts.index if counts[x] > 1 and (x.endswith("|" + t[i]) or x == "pool:" + t[i])]
        s[i] = max(same_tier, key=lambda x: counts[x]) if same_tier else counts.index[0]
    return pd.Series(s, index=strata.index)


def violation_rate(p, y, strata=None, tiers=None, confidence: float = CONFIDENCE) -> dict:
    """Hajek estimate of the rate of y over the population the sample represents, with its linearised standard error
    and the Korn-Graubard interval (see the module doc).

    `p`: inclusion probabilities of the sampled rows with a result; `y`: 1 violation / 0 none; `strata`, `tiers`: the
    stratum (department|tier) and tier of each row (None: one stratum). Returns estimate, se, low, high, n, n_eff."""
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(p)
    if n == 0 or not np.all(p > 0):
        raise ValueError(f"violation_rate needs at least one row and inclusion probabilities above 0; got {n} rows.")
    w = 1.0 / p
    est = float((w * y).sum() / w.sum())
    z = (y - est) * w
    if strata is None:
        h = pd.Series(np.zeros(n, dtype=int)).astype(str)
    else:
        h = pd.Series(np.asarray(strata, dtype=object)).astype(str)
        if tiers is not None:
            h = _strata_for_variance(h, pd.Series(np.asarray(tiers, dtype=object)))
    df = pd.DataFrame({"h": h.to_numpy(), "z": z})
    var = 0.0
    for _, g in df.groupby("h"):
        k = len(g)
        if k > 1:
            var += k / (k - 1) * float(((g["z"] - g["z"].mean()) ** 2).sum())
    var /= float(w.sum()) ** 2
    se = math.sqrt(max(var, 0.0))
    n_strata = int(df["h"].nunique())
    low, high, n_eff = korn_graubard(est, var, n, max(1, n - n_strata), confidence)
    return {"estimate": est, "se": se, "low": low, "high": high, "n": int(n), "n_eff": n_eff}


def korn_graubard(est: float, var: float, n: int, dof: int, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(low, high, effective sample size) of Korn and Graubard's interval for a proportion from a complex sample: the
    Clopper-Pearson interval at n_eff = est (1 - est) / var (capped at n; n when var is 0), with n_eff scaled by
    (t_{n-1} / t_dof)^2 for the design's degrees of freedom."""
    alpha = 1 - confidence
    if var > 0 and 0 < est < 1:
        n_eff = min(float(n), est * (1 - est) / var)
    else:
        n_eff = float(n)
    if n > 1 and dof >= 1:
        n_eff *= (stats.t.ppf(1 - alpha / 2, n - 1) / stats.t.ppf(1 - alpha / 2, dof)) ** 2
    n_eff = max(n_eff, 1.0)
    x = est * n_eff
    low = 0.0 if x <= 0 else float(stats.beta.ppf(alpha / 2, x, n_eff - x + 1))
    high = 1.0 if x >= n_eff else float(stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x))
    return low, high, n_eff
