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
import pandas as pd

from features.evidence.indicators import stats
from features.evidence.indicators.base import option
from features.evidence.indicators.canonical import CanonicalIndicator, FlagResult, valid_priced

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


def mad_of_counts(counts: np.ndarray) -> float:
    """Nigrini's mean absolute deviation of first-digit counts from Benford; NaN for none."""
    n = int(counts.sum())
    return float(np.abs(counts / n - BENFORD).mean()) if n else float("nan")


def p_of_counts(counts: np.ndarray) -> float:
    """p-value of the chi-square goodness-of-fit test of first-digit counts against Benford's law (df = 8)."""
    from scipy.special import chdtrc  # the chi-square survival function (scipy.stats.chi2.sf), without importing scipy.stats

    n = int(counts.sum())
    if not n:
        return float("nan")
    expected = BENFORD * n
    return float(chdtrc(8, ((counts - expected) ** 2 / expected).sum()))


def is_round(prices, significant_digits: int = 2) -> np.ndarray:
    p = np.asarray(prices, dtype=float)
    scale = 10.0 ** (np.floor(np.log10(p)) - (significant_digits - 1))
    q = p / scale
    return np.isclose(q, np.round(q), rtol=0, atol=1e-6)


DIGITS = [f"d{k}" for k in range(1, 10)]


def _limits(settings: R029Settings) -> tuple[int, float, int]:
    minimum = 30 if settings.minimum_bids is None else settings.minimum_bids
    alpha = 0.001 if settings.alpha is None else settings.alpha
    return minimum, alpha, 2 if settings.significant_digits is None else max(settings.significant_digits, 1)


def bidder_digits(bids, settings: R029Settings) -> pd.DataFrame:
    """Per bidder of `bids`: valid priced bids `n`, round prices `round` and first-digit counts `d1` ... `d9`, all
    additive: the table of a dataset is the sum of its partitions' tables (`finish`)."""
    b = valid_priced(bids)
    sig = _limits(settings)[2]
    codes, ids = pd.factorize(b["bidder_id"], sort=True)
    price = b["price"].to_numpy(dtype=np.float64)
    ok = np.isfinite(price) & (price > 0)
    k = len(ids)
    digits = np.bincount(codes[ok] * 10 + first_digits(price[ok]), minlength=10 * k).reshape(k, 10)[:, 1:]
    out = pd.DataFrame(digits, columns=DIGITS)
    out.insert(0, "round", np.bincount(codes, weights=is_round(price, sig), minlength=k).astype(np.int64))
    out.insert(0, "n", np.bincount(codes, minlength=k).astype(np.int64))
    out.insert(0, "bidder_id", np.asarray(ids, dtype=object))
    return out


def bucket_digits(tables: list, settings: R029Settings) -> tuple[int, np.ndarray, pd.DataFrame]:
    """The `bidder_digits` tables of one bucket of bidders (each bidder's rows of every partition in it) added up:
    (valid priced bids, their first-digit counts, the rows of the bidders with at least `minimum_bids`)."""
    tables = [t for t in tables if t is not None]
    if not tables:
        tables = [bidder_digits(None, settings)]
    t = tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True).groupby("bidder_id", sort=True).sum().reset_index()
    digits = t[DIGITS].to_numpy().sum(axis=0) if len(t) else np.zeros(9, dtype=np.int64)
    return int(t["n"].sum()), digits, t[t["n"] >= max(_limits(settings)[0], 1)]


def compute(bids, settings: R029Settings, shared=None) -> FlagResult:
    return finish([bidder_digits(bids, settings)], settings)


def finish(tables: list, settings: R029Settings, total: tuple | None = None) -> FlagResult:
    """R029 from per-bidder tables (`bidder_digits`) of parts of the dataset (a bidder's rows are added up); `total`:
    (valid priced bids, their first-digit counts) of the dataset when `tables` hold only some bidders (those evaluated)."""
    res = FlagResult()
    minimum, alpha, sig = _limits(settings)
    t = pd.concat(tables, ignore_index=True) if len(tables) != 1 else tables[0]
    if len(tables) != 1:
        t = t.groupby("bidder_id", sort=True).sum().reset_index()
    if total is None:
        total = (int(t["n"].sum()), t[DIGITS].to_numpy().sum(axis=0) if len(t) else np.zeros(9, dtype=np.int64))
    none, total = total[0] == 0, total[1]
    res.meta.update({"alpha": alpha, "dataset_mad": float("nan") if none else mad_of_counts(total),
                     "dataset_p": float("nan") if none else p_of_counts(total)})
    if none:
        res.meta["tenderers"] = 0.0
        return res
    t = t[t["n"] >= max(minimum, 1)]
    res.meta["tenderers"] = float(len(t))
    if not len(t):
        return res
    counts = t[DIGITS].to_numpy()
    mads = [mad_of_counts(c) for c in counts]
    pvals = [p_of_counts(c) for c in counts]
    shares = t["round"].to_numpy() / t["n"].to_numpy()
    q1, q3 = stats.quartiles(shares)
    fence = stats.upper_fence(q1, q3)
    res.meta.update({"round_q1": q1, "round_q3": q3, "round_upper_fence": fence})
    for i, n, mad, p, share in zip(t["bidder_id"], t["n"], mads, pvals, shares):
        share, n = float(share), int(n)
        reasons = []
        if p < alpha:
            reasons.append(f"first digits depart from Benford's law (chi-square p = {p:.2g} < {alpha}; MAD {mad:.4f})")
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
    by = "bidder_id"

    def fold_bids(self, bids, pairs=None) -> pd.DataFrame:
        return bidder_digits(bids, self.settings)

    def combine_bids(self, pieces: list, tables=None) -> tuple:
        return bucket_digits(pieces, self.settings)

    def finalize_bids(self, results: list) -> FlagResult:
        total = (sum(r[0] for r in results), np.sum([r[1] for r in results], axis=0))
        return finish([r[2] for r in results], self.settings, total=total)
