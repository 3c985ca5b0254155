"""Flags that work on canonical bids (our 'beyond Cardinal' codes), on OCDS or on a dataset directory alike.

Each such flag module has a pure function `compute(bids, settings, shared) -> FlagResult` over a canonical `bids`
DataFrame (`tender_id`, `bidder_id`, `price`, optional `status`, `is_winner`, `submitted_at`). `FlagResult` carries the
results in Cardinal's shape (group -> id -> value), the statistics the flag used (`meta`, published like Cardinal's Meta)
and one evidence row per finding, worded so an investigator can cite it. The `CanonicalIndicator` base class plugs such a
flag into the OCDS engine: its `finalize` runs `compute` on the bids table the `BidsTable` helper built once.

`PairTable` is the shared intermediate for the pair flags (R023, R053, R057): `features.evidence.pairs.bid_pairs` and
`bidder_pairs`, computed once per run.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.evidence.indicators.base import Accumulator, Indicator, Shared
from features.evidence.indicators.shared import BidsTable


@dataclass
class FlagResult:
    results: dict = field(default_factory=dict)   # group -> {id: value}
    meta: dict = field(default_factory=dict)
    evidence: list = field(default_factory=list)  # dicts: code, level, tender_id, bidders, value, evidence

    def flag(self, group: str, key: str, value: float) -> None:
        self.results.setdefault(group, {})[key] = float(value)


def pair_tables(bids: pd.DataFrame) -> dict:
    """{"bid_pairs": per tender pair rows (ids as text), "bidder_pairs": per bidder pair aggregates,
    "rows": (bidder_a, bidder_b) -> positions in bid_pairs} from `features.evidence.pairs`, computed once per run."""
    from features.evidence.pairs import bid_pairs, finalize_pairs, pair_partials, tenders_per_bidder

    if bids is None or not len(bids):
        return {"bid_pairs": pd.DataFrame(columns=["tender_id", "bidder_a", "bidder_b", "log_ratio", "win_a", "win_b"]),
                "bidder_pairs": pd.DataFrame(columns=["bidder_a", "bidder_b", "co_bids", "wins_a", "wins_b", "ratio_mean",
                                                      "ratio_sd"]), "rows": {}}
    bp = bid_pairs(bids)
    agg = finalize_pairs(pair_partials(bp), tenders_per_bidder(bids))
    bp = bp.assign(tender_id=bp["tender_id"].astype(str), bidder_a=bp["bidder_a"].astype(str),
                   bidder_b=bp["bidder_b"].astype(str))
    return {"bid_pairs": bp, "bidder_pairs": agg, "rows": PairIndex(bp["bidder_a"], bp["bidder_b"])}


class PairIndex:
    """Positions of each (bidder_a, bidder_b) pair's rows in a bid-pairs table, ascending: one sorted array of pair keys
    searched per lookup (a dict of arrays per pair costs a few hundred bytes for each of millions of pairs)."""

    def __init__(self, a: pd.Series, b: pd.Series):
        codes, self.ids = pd.factorize(pd.concat([a, b], ignore_index=True), sort=True)
        n = len(a)
        key = codes[:n].astype(np.int64) * (len(self.ids) + 1) + codes[n:]
        self.order = np.argsort(key, kind="stable")
        self.keys = key[self.order]

    def get(self, pair: tuple):
        """The positions of pair (a, b), or None when the pair has no rows."""
        ia, ib = self.ids.get_indexer([pair[0], pair[1]])
        if ia < 0 or ib < 0:
            return None
        k = np.int64(ia) * (len(self.ids) + 1) + ib
        lo, hi = np.searchsorted(self.keys, [k, k + 1])
        return self.order[lo:hi] if hi > lo else None


def pair_rows(tables: dict, a: str, b: str) -> pd.DataFrame:
    """The bid_pairs rows of bidder pair (a, b), a < b."""
    idx = tables["rows"].get((a, b))
    bp = tables["bid_pairs"]
    return bp.iloc[idx] if idx is not None else bp.iloc[:0]


class PairTable(Shared):
    """Shared intermediate: pair evidence of the bids table, computed once (after `BidsTable`)."""

    code = "pair_table"

    def finalize(self, acc: Accumulator) -> None:
        acc.partial[self.code] = pair_tables(acc.partial.get(BidsTable.code))


class CanonicalIndicator(Indicator):
    """An indicator computed from canonical bids; subclasses set `compute` (the module's pure function)."""

    needs = (BidsTable,)
    uses_pairs = False

    @staticmethod
    def compute(bids, settings, shared) -> FlagResult:  # pragma: no cover - overridden
        raise NotImplementedError

    def finalize(self, acc: Accumulator) -> None:
        shared = {"pairs": acc.partial.get(PairTable.code)} if self.uses_pairs else {}
        res = type(self).compute(acc.partial.get(BidsTable.code), self.settings, shared)
        for group, values in res.results.items():
            for key, value in values.items():
                acc.set(group, key, self.code, value)
        for key, value in res.meta.items():
            acc.set_meta(self.code, key, value)


def valid_priced(bids: pd.DataFrame) -> pd.DataFrame:
    """Valid (or status-less) bids with a finite positive price, as tender_id, bidder_id (text) and price (float)."""
    from features.evidence.bids import valid_mask

    if bids is None or not len(bids):
        return pd.DataFrame({"tender_id": pd.Series(dtype=object), "bidder_id": pd.Series(dtype=object),
                             "price": pd.Series(dtype=float)})
    price = pd.to_numeric(bids["price"], errors="coerce")
    keep = valid_mask(bids) & price.gt(0).to_numpy() & price.notna().to_numpy()
    out = pd.DataFrame({"tender_id": bids["tender_id"].astype(str), "bidder_id": bids["bidder_id"].astype(str),
                        "price": price.astype(float)})[keep]
    for c in ("is_winner", "submitted_at"):
        if c in bids.columns:
            out[c] = bids.loc[keep, c]
    return out.reset_index(drop=True)


def money(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".")
