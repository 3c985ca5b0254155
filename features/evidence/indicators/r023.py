"""R023 Fixed multiple bid prices: two firms bid with the same percentage gap between their prices across processes.

A cover bidder told "bid 5% above the winner" leaves a constant price gap. From the pair evidence (`features.evidence.pairs.bid_pairs`):
a bidder pair that co-bid in at least `minimum_processes` tenders whose absolute log price ratio |log(p_a / p_b)| has a
standard deviation (ddof=1) <= `tolerance` and a mean of more than `tolerance` (equal prices are R028's business). The
absolute value makes the gap count whichever firm is the higher one, so a fixed markup over a rotating winner is caught too.
Value per tenderer and per tender: the fixed gap exp(mean) - 1 (e.g. 0.05 for 5%). Meta: pairs (evaluated), tolerance,
minimum_processes, pairs_flagged."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.evidence.indicators.base import option
from features.evidence.indicators.canonical import CanonicalIndicator, FlagResult, PairTable, pair_tables


@dataclass
class R023Settings:
    """[R023]: flag bidder pairs whose prices keep a fixed ratio."""

    tolerance: float | None = option("float", "largest sd of |log price ratio| that counts as fixed (default 0.005, about 0.5 points)")
    minimum_processes: int | None = option("int", "co-bids a pair needs (default 4; with 3 a small spread is common by chance)")


def limits(settings: R023Settings) -> tuple[float, int]:
    """(tolerance, minimum co-bids) with their defaults."""
    tol = 0.005 if settings.tolerance is None else settings.tolerance
    return tol, 4 if settings.minimum_processes is None else max(settings.minimum_processes, 2)


def compute(bids, settings: R023Settings, shared=None) -> FlagResult:
    res = FlagResult()
    tables = (shared or {}).get("pairs") or pair_tables(bids)
    bp = tables["bid_pairs"]
    tol, minimum = limits(settings)
    res.meta.update({"pairs": 0.0, "tolerance": tol, "minimum_processes": float(minimum), "pairs_flagged": 0.0})
    if not len(bp):
        return res
    d = pd.DataFrame({"tender_id": bp["tender_id"].astype(str), "a": bp["bidder_a"].astype(str),
                      "b": bp["bidder_b"].astype(str), "gap": bp["log_ratio"].abs(), "hi_a": bp["log_ratio"] > 0})
    d = d[np.isfinite(d["gap"])].drop_duplicates(["tender_id", "a", "b"]).reset_index(drop=True)
    g = d.groupby(["a", "b"], sort=True)["gap"].agg(["count", "mean", "std"])
    cand = g[g["count"] >= minimum]
    res.meta["pairs"] = float(len(cand))
    hits = cand[(cand["std"] <= tol) & (cand["mean"] > tol)]
    res.meta["pairs_flagged"] = float(len(hits))
    d = d[pd.MultiIndex.from_frame(d[["a", "b"]]).isin(hits.index)]  # the rows of the flagged pairs, in their order
    where = d.groupby(["a", "b"], sort=False).indices
    for (a, b), n, mean, sd in hits[["count", "mean", "std"]].itertuples(index=True, name=None):
        gap = math.exp(mean) - 1.0
        rows = d.iloc[where[(a, b)]]
        tenders = sorted(rows["tender_id"].unique())
        res.flag("Tenderer", a, gap)
        res.flag("Tenderer", b, gap)
        for t in tenders:
            res.flag("OCID", t, gap)
        higher = int(rows["hi_a"].sum())
        who = (f"{a} above {b} every time" if higher == n else f"{b} above {a} every time" if higher == 0
               else f"{a} higher in {higher}, {b} higher in {n - higher}")
        res.evidence.append({"code": "R023", "level": "pair", "tender_id": ";".join(tenders), "bidders": f"{a};{b}",
                             "value": gap,
                             "evidence": f"R023: in {n} tenders together the prices of {a} and {b} were {gap:.2%} apart "
                                         f"({who}); sd of the gap {sd:.4f} <= {tol}"})
    return res


class R023(CanonicalIndicator):
    code = "R023"
    title = "Fixed multiple bid prices"
    Settings = R023Settings
    needs = CanonicalIndicator.needs + (PairTable,)
    uses_pairs = True
    compute = staticmethod(compute)
