"""Flags that work on canonical bids (our 'beyond Cardinal' codes), on OCDS or on a dataset directory alike.

Each such flag module has a pure function `compute(bids, settings, shared) -> FlagResult` over a canonical `bids`
DataFrame (`tender_id`, `bidder_id`, `price`, optional `status`, `is_winner`, `submitted_at`). `FlagResult` carries the
results in Cardinal's shape (group -> id -> value), the statistics the flag used (`meta`, published like Cardinal's Meta)
and one evidence row per finding, worded so an investigator can cite it. The `CanonicalIndicator` base class plugs such a
flag into the OCDS engine: its `finalize` runs `compute` on the bids table the `BidsTable` helper built once.

`PairTable` is the shared intermediate for the pair flags (R023, R053, R057): `features.evidence.pairs.bid_pairs` and
`bidder_pairs`, computed once per run.

Over a dataset's tender partitions (`features.evidence.flag_steps`, on either engine) every such flag is the same three
steps, the fold / combine / finalize shape of the OCDS indicators with a tender partition as the unit folded:

- `fold_bids(bids, pairs)`: the flag's partial of one tender partition (its bids, and their bid pairs);
- `combine_bids(pieces, tables)`: the partials that meet in one bucket: those of one key (`by`: a bidder, the first bidder
  of a pair) from every partition, or with `by` None all of them; `tables` is `PairTable`'s bucket (the bid pairs and
  bidder pairs of the bucket's pairs) for the flags that read pairs;
- `finalize_bids(results)`: the buckets' results -> one `FlagResult` (fences over every tender or bidder, counts added).

With one partition these are `compute` on the whole table (each module's `compute` is its steps on one partition, or
reads the `PairTable` built by them), so the flags are written once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

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


PAIR_ROWS = ["tender_id", "bidder_a", "bidder_b", "price_gap", "log_ratio", "win_a", "win_b"]


def pair_tables(bids: pd.DataFrame) -> dict:
    """{"bid_pairs": per tender pair rows (ids as text), "bidder_pairs": per bidder pair aggregates,
    "rows": (bidder_a, bidder_b) -> positions in bid_pairs} from `features.evidence.pairs`, computed once per run (`PairTable`'s
    steps on one partition)."""
    from features.evidence.pairs import bid_pairs

    if bids is None or not len(bids):
        return _no_pairs()
    return PairTable().combine_bids([PairTable().fold_bids(bids, bid_pairs(bids))])


def _no_pairs() -> dict:
    return {"bid_pairs": pd.DataFrame(columns=["tender_id", "bidder_a", "bidder_b", "log_ratio", "win_a", "win_b"]),
            "bidder_pairs": pd.DataFrame(columns=["bidder_a", "bidder_b", "co_bids", "wins_a", "wins_b", "ratio_mean",
                                                  "ratio_sd"]), "rows": {}}


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
    """Shared intermediate: pair evidence of the bids table, computed once (after `BidsTable`). As steps over tender
    partitions: each partition's bid pairs (`PAIR_ROWS`, ids as text) go by the pair's first bidder to one bucket, which
    makes the pair tables of its pairs, rows in the one-pass order (by tender id as text; a tender lies in one partition)."""

    code = "pair_table"
    by: ClassVar[str | None] = "bidder_a"

    def finalize(self, acc: Accumulator) -> None:
        acc.partial[self.code] = pair_tables(acc.partial.get(BidsTable.code))

    def fold_bids(self, bids: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({c: pairs[c].astype(str).to_numpy() if c in PAIR_ROWS[:3] else pairs[c].to_numpy()
                             for c in PAIR_ROWS})

    def combine_bids(self, pieces: list, tables=None) -> dict:
        from features.evidence.pairs import finalize_pairs, pair_partials

        pieces = [p for p in pieces if p is not None and len(p)]
        if not pieces:
            return _no_pairs()
        bp = pieces[0]
        if len(pieces) > 1:
            bp = pd.concat(pieces, ignore_index=True)
            bp = bp.iloc[np.argsort(bp["tender_id"].to_numpy(dtype=object), kind="stable")].reset_index(drop=True)
        agg = finalize_pairs(pair_partials(bp))
        return {"bid_pairs": bp, "bidder_pairs": agg, "rows": PairIndex(bp["bidder_a"], bp["bidder_b"])}


class CanonicalIndicator(Indicator):
    """An indicator computed from canonical bids; subclasses set `compute` (the module's pure function) and, to run over
    tender partitions without gathering the bids, the three steps (module doc). The default steps gather the partitions'
    bids into one combine (`by` None) and run `compute` there."""

    needs = (BidsTable,)
    uses_pairs = False
    by: ClassVar[str | None] = None

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

    def fold_bids(self, bids: pd.DataFrame, pairs: pd.DataFrame | None) -> Any:
        return None if self.uses_pairs else bids

    def combine_bids(self, pieces: list, tables: dict | None) -> Any:
        if self.uses_pairs:  # the bucket's pairs are whole: the flag judges them here
            return type(self).compute(None, self.settings, {"pairs": tables})
        return [pd.concat(pieces, ignore_index=True)] if pieces else []

    def finalize_bids(self, results: list) -> FlagResult:
        if self.uses_pairs:
            return merge_results(results, ("pairs", "pairs_flagged"))
        bids = [b for r in results for b in r]
        return type(self).compute(pd.concat(bids, ignore_index=True) if len(bids) > 1 else (bids or [None])[0],
                                  self.settings, {})


def merge_results(results: list, additive: tuple = ()) -> FlagResult:
    """One `FlagResult` from those of disjoint parts of the dataset's keys (buckets of bidder pairs): results and
    evidence in bucket order, the meta counts in `additive` added up, the other meta (settings used) as given."""
    out = FlagResult()
    for r in results:
        for group, values in r.results.items():
            out.results.setdefault(group, {}).update(values)
        for k, v in r.meta.items():
            out.meta[k] = out.meta.get(k, 0.0) + v if k in additive else v
        out.evidence += r.evidence
    return out


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
