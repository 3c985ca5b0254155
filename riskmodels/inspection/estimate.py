"""The roster's violation rate estimated from a plan's random draws, with a design-based 95% interval.

A plan draws (department, firm) rows of the eligible roster with unequal, known inclusion probabilities p_i
(`draw.stratum_probabilities`, Pareto order sampling within each (department, tier) stratum, risky firms likelier). The
share of violations among the visits done over-states the roster's rate, because risky firms are drawn more often.

Estimator (`violation_rate`): the model-assisted difference estimator (Sarndal, Swensson and Wretman 1992, ch. 6). A
working model m_i = P(violation | risk_i) is fitted on the drawn rows (logistic on the logit of the tiers' risk, each row
weighted by 1 / p_i); the rate is (sum over the roster of m_i + sum over the draws of (y_i - m_i) / p_i) / N. It is
design-consistent whatever the model's quality (a poor model only widens the interval); with no risk known, m_i is the
Hajek mean and the estimator is the Hajek ratio.

Variance: the larger of (a) the stratified linearised variance of the residuals z_i = (y_i - m_i) / p_i, taken as a
with-replacement draw within each tier, and (b) the anticipated variance sum over the roster of (1 - p_i) / p_i m_i (1 - m_i)
/ N^2 (Isaki and Fuller 1982). (b) matters because violations are rare in the tiers drawn least: three draws among 259
tier A rows seldom see one, and (a) alone then says the rate is known far better than it is (a normal interval on it
covered the truth in 78-86% of the tiny city's draws).

Interval: Korn and Graubard's (1998) Clopper-Pearson interval at the effective sample size n_eff = R (1 - R) / V (at most
the number of rows), with degrees of freedom (rows - tiers). `inspect simulate --json` reports how often it covers the
simulated world's true rate (`interval_coverage`; 0.96 over 200 draws of the tiny city, mean width 0.35).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95


def _logit(v: np.ndarray) -> np.ndarray:
    v = np.clip(np.asarray(v, dtype=float), 1e-4, 1 - 1e-4)
    return np.log(v / (1 - v))


def working_model(y: np.ndarray, w: np.ndarray, risk: np.ndarray | None, risk_all: np.ndarray | None):
    """(m on the sample, m on the population) of the working model: design-weighted logistic regression of y on
    logit(risk); the weighted mean where risk is unknown or y does not vary."""
    mean = float((w * y).sum() / w.sum())
    n_all = len(risk_all) if risk_all is not None else 0
    if risk is None or risk_all is None or y.min() == y.max() or not np.isfinite(risk).all() \
            or not np.isfinite(risk_all).all():
        return np.full(len(y), mean), np.full(n_all, mean)
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e4).fit(_logit(risk)[:, None], y, sample_weight=w / w.mean())
    return fit.predict_proba(_logit(risk)[:, None])[:, 1], fit.predict_proba(_logit(risk_all)[:, None])[:, 1]


def violation_rate(sample: pd.DataFrame, population: pd.DataFrame, confidence: float = CONFIDENCE) -> dict:
    """The roster's violation rate from the drawn rows with a result (see the module doc).

    `sample`: inclusion_probability, y (1 violation / 0 none), tier, and risk when known; `population`: every eligible
    roster row with its inclusion_probability (and risk). Returns estimate, se, low, high, n, n_eff, model."""
    p = sample["inclusion_probability"].to_numpy(float)
    y = sample["y"].to_numpy(float)
    P = population["inclusion_probability"].to_numpy(float)
    n, N = len(p), len(P)
    if n == 0 or N == 0 or not np.all(p > 0) or not np.all(P > 0):
        raise ValueError(f"violation_rate needs drawn rows and a roster with inclusion probabilities above 0; got {n} "
                         f"and {N} rows.")
    w = 1.0 / p
    has_risk = "risk" in sample.columns and "risk" in population.columns
    risk = pd.to_numeric(sample["risk"], errors="coerce").to_numpy(float) if has_risk else None
    risk_all = pd.to_numeric(population["risk"], errors="coerce").to_numpy(float) if has_risk else None
    m, M = working_model(y, w, risk, risk_all)
    if len(M) != N:
        M = np.full(N, float((w * y).sum() / w.sum()))
    e = y - m
    est = float(min(1.0, max(0.0, (M.sum() + (w * e).sum()) / N)))
    tiers = sample["tier"].astype(str).to_numpy() if "tier" in sample.columns else np.zeros(n, dtype=object)
    v_sample = 0.0
    for t in np.unique(tiers):
        k = tiers == t
        if k.sum() > 1:
            z = w[k] * e[k]
            v_sample += k.sum() / (k.sum() - 1) * float(((z - z.mean()) ** 2).sum())
    v_sample /= N ** 2
    v_anticipated = float((((1 - P) / P) * M * (1 - M)).sum() / N ** 2)
    var = max(v_sample, v_anticipated)
    low, high, n_eff = korn_graubard(est, var, n, max(1, n - len(np.unique(tiers))), confidence)
    return {"estimate": est, "se": math.sqrt(var), "low": low, "high": high, "n": int(n), "n_eff": n_eff,
            "model": "logistic on risk" if risk is not None and len(np.unique(m)) > 1 else "weighted mean"}


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
