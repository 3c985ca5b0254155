"""R034 Bids submitted in the same order: the same bidders submit their bids in the same order across tenders.

Bids prepared together are often filed together, in a fixed order. Tenders with at least `minimum_bidders` valid bids with
distinct submission times are grouped by their set of bidders; within a set that met in at least `minimum_processes`
tenders, the most common submission order is flagged when it recurs in at least `minimum_processes` tenders. By chance one
order of k bidders recurs in m given tenders with probability (1/k!)^(m-1) (published in the evidence). Value per tender:
the number of tenders with that order; the bidders get 0.0. Meta: bidder_sets (evaluated), orders_flagged."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

import pandas as pd

from features.evidence.indicators.base import option
from features.evidence.indicators.canonical import CanonicalIndicator, FlagResult


@dataclass
class R034Settings:
    """[R034]: flag tenders whose bidders filed in the same order as elsewhere."""

    minimum_bidders: int | None = option("int", "tenders with fewer timed bids are left out (default 3)")
    minimum_processes: int | None = option("int", "times the same order must recur (default 3)")


def _limits(settings: R034Settings) -> tuple[int, int]:
    k_min = 3 if settings.minimum_bidders is None else max(settings.minimum_bidders, 2)
    return k_min, 3 if settings.minimum_processes is None else max(settings.minimum_processes, 2)


def submission_orders(bids, settings: R034Settings) -> dict | None:
    """{tender: its bidders in the order they filed} for the tenders of `bids` with at least `minimum_bidders` valid
    bids with distinct times (a function of each tender alone: a dataset's orders are its partitions' orders); None
    without submission times."""
    from features.evidence.bids import valid_mask

    if bids is None or not len(bids) or "submitted_at" not in bids.columns:
        return None
    k_min = _limits(settings)[0]
    t = pd.to_datetime(bids["submitted_at"], errors="coerce", utc=True, format="mixed")
    b = pd.DataFrame({"tender_id": bids["tender_id"].astype(str), "bidder_id": bids["bidder_id"].astype(str), "t": t})
    b = b[valid_mask(bids) & t.notna().to_numpy()]
    b = b.sort_values(["tender_id", "t"], kind="stable").drop_duplicates(["tender_id", "bidder_id"])
    n = b.groupby("tender_id")["bidder_id"].transform("size")
    ties = b.duplicated(["tender_id", "t"], keep=False).groupby(b["tender_id"]).transform("any")  # ties: order undefined
    b = b[(n >= k_min) & ~ties]
    return b.groupby("tender_id", sort=True)["bidder_id"].agg(tuple).to_dict()


def compute(bids, settings: R034Settings, shared=None) -> FlagResult:
    return finish(submission_orders(bids, settings), settings)


def finish(orders: dict | None, settings: R034Settings) -> FlagResult:
    """R034 from the submission orders of every tender (`submission_orders`; in tender order)."""
    res = FlagResult()
    m_min = _limits(settings)[1]
    res.meta.update({"bidder_sets": 0.0, "orders_flagged": 0.0})
    if orders is None:
        return res
    by_set = defaultdict(list)
    for tender, seq in orders.items():
        by_set[frozenset(seq)].append(tender)
    sets = {s: ts for s, ts in by_set.items() if len(ts) >= m_min}
    res.meta["bidder_sets"] = float(len(sets))
    flagged = 0
    for s, tenders in sets.items():
        seq, m = Counter(orders[t] for t in tenders).most_common(1)[0]
        if m < m_min:
            continue
        flagged += 1
        hits = sorted(t for t in tenders if orders[t] == seq)
        chance = (1 / math.factorial(len(seq))) ** (m - 1)
        for t in hits:
            res.flag("OCID", t, m)
        for bidder in seq:
            res.flag("Tenderer", bidder, 0.0)
        res.evidence.append({"code": "R034", "level": "group", "tender_id": ";".join(hits), "bidders": ";".join(seq),
                             "value": float(m),
                             "evidence": f"R034: {' -> '.join(seq)} submitted in this order in {m} of the {len(tenders)} "
                                         f"tenders they all bid in (chance of one order recurring: {chance:.2g})"})
    res.meta["orders_flagged"] = float(flagged)
    return res


class R034(CanonicalIndicator):
    code = "R034"
    title = "Bids submitted in the same order"
    Settings = R034Settings
    compute = staticmethod(compute)
