"""R029 Bid prices that deviate from Benford's law or cluster on round numbers (per tenderer).

Invented prices betray themselves: their first digits stray from Benford's law, or they sit on round numbers. For each
tenderer with at least `minimum_bids` valid priced bids: the first-digit mean absolute deviation from Benford (Nigrini's MAD)
and the share of round prices (at most `significant_digits` significant digits, e.g. 1,200,000). Flagged when the
first digits fail a chi-square goodness-of-fit test against Benford (8 degrees of freedom, p < `alpha`; a test rather than
Nigrini's fixed MAD cut-offs, which assume thousands of numbers) or the round share is >= the upper fence Q3 + 1.5 IQR of all
evaluated tenderers' round shares (and above zero). Value: the MAD (Nigrini: above 0.015 is nonconformity in large samples).
Meta: tenderers, alpha, dataset_mad and dataset_p (all prices), round_q1, round_q3, round_upper_fence."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.indicators import stats
from features.indicators.base import option
from features.indicators.canonical import CanonicalIndicator, FlagResult, valid_priced

BENFORD = np.log10(1 + 1 / np.arange(1, 10))


@dataclass
class R029Settings:
    """[R029]: flag tenderers whose prices look invented (Benford first digits, round numbers)."""

    minimum_bids: int | None = option("int", "tenderers with fewer valid priced bids are left out (default 30)")
    alpha: float | None = option("float", "significance level of the chi-square test against Benford (default 0.001)")
    significant_digits: int | None = option("int", "a price with at most this many significant digits is round (default 2)")


def first_digits(prices: np.ndarray) -> np.ndarray:
    p = np.asarray(prices, dtype=float)
    p = p[np.isfinite(p) & (p > 0)]
    return (p / 10.0 ** np.floor(np.log10(p))).astype(int).clip(1, 9)


def benford_mad(prices) -> float:
    d = first_digits(prices)
    if not len(d):
        return float("nan")
    observed = np.bincount(d, minlength=10)[1:10] / len(d)
    return float(np.abs(observed - BENFORD).mean())


def benford_p(prices) -> float:
    """p-value of the chi-square goodness-of-fit test of the first digits against Benford's law (df = 8)."""
    from scipy.stats import chi2

    d = first_digits(prices)
    if not len(d):
        return float("nan")
    observed = np.bincount(d, minlength=10)[1:10]
    expected = BENFORD * len(d)
    return float(chi2.sf(((observed - expected) ** 2 / expected).sum(), df=8))


def is_round(prices, significant_digits: int = 2) -> np.ndarray:
    p = np.asarray(prices, dtype=float)
    scale = 10.0 ** (np.floor(np.log10(p)) - (significant_digits - 1))
    q = p / scale
    return np.isclose(q, np.round(q), rtol=0, atol=1e-6)


def compute(bids, settings: R029Settings, shared=None) -> FlagResult:
    res = FlagResult()
    b = valid_priced(bids)
    minimum = 30 if settings.minimum_bids is None else settings.minimum_bids
    alpha = 0.001 if settings.alpha is None else settings.alpha
    sig = 2 if settings.significant_digits is None else max(settings.significant_digits, 1)
    res.meta.update({"alpha": alpha, "dataset_mad": benford_mad(b["price"]) if len(b) else float("nan"),
                     "dataset_p": benford_p(b["price"]) if len(b) else float("nan")})
    if not len(b):
        res.meta["tenderers"] = 0.0
        return res
    b = b.assign(round=is_round(b["price"].to_numpy(), sig))
    g = b.groupby("bidder_id")
    counts = g.size()
    ids = counts.index[counts >= max(minimum, 1)]
    res.meta["tenderers"] = float(len(ids))
    if not len(ids):
        return res
    mads = {i: benford_mad(g.get_group(i)["price"].to_numpy()) for i in ids}
    pvals = {i: benford_p(g.get_group(i)["price"].to_numpy()) for i in ids}
    shares = g["round"].mean().loc[ids]
    q1, q3 = stats.quartiles(shares)
    fence = stats.upper_fence(q1, q3)
    res.meta.update({"round_q1": q1, "round_q3": q3, "round_upper_fence": fence})
    for i in ids:
        mad, share, n = mads[i], float(shares.loc[i]), int(counts.loc[i])
        reasons = []
        if pvals[i] < alpha:
            reasons.append(f"first digits depart from Benford's law (chi-square p = {pvals[i]:.2g} < {alpha}; MAD {mad:.4f})")
        if share > 0 and share >= fence:
            reasons.append(f"{share:.0%} of prices are round (<= {sig} significant digits), fence {fence:.0%}")
        if reasons:
            res.flag("Tenderer", i, mad)
            res.evidence.append({"code": "R029", "level": "bidder", "tender_id": "", "bidders": i, "value": mad,
                                 "evidence": f"R029: over {n} valid bids of {i}, " + "; ".join(reasons)})
    return res


class R029(CanonicalIndicator):
    code = "R029"
    title = "Bid prices deviating from Benford's law or clustering on round numbers"
    Settings = R029Settings
    compute = staticmethod(compute)
