"""R057 Bid rotation: firms that bid together take turns winning.

From the pair evidence (`features.evidence.pairs`): a pair that co-bid in at least `minimum_processes` tenders with known winners,
won at least `threshold` of them between the two, each won at least once, and the less successful one won at least
`minimum_balance` times as often as the other. Value for both firms: the pair's share of wins. The tenders either won
against the other are flagged with the same value. Meta: pairs (evaluated), pairs_flagged and the settings used."""
from __future__ import annotations

from dataclasses import dataclass

from features.evidence.indicators.base import option
from features.evidence.indicators.canonical import CanonicalIndicator, FlagResult, PairTable, pair_rows, pair_tables


@dataclass
class R057Settings:
    """[R057]: flag pairs of firms that take turns winning."""

    threshold: float | None = option("float", "share of co-bids won by one of the two (default 0.4)")
    minimum_processes: int | None = option("int", "co-bids a pair needs (default 6)")
    minimum_balance: float | None = option("float", "fewer wins / more wins of the two (default 0.34)")


def compute(bids, settings: R057Settings, shared=None) -> FlagResult:
    res = FlagResult()
    tables = (shared or {}).get("pairs") or pair_tables(bids)
    agg = tables["bidder_pairs"]
    share_min = 0.4 if settings.threshold is None else settings.threshold
    minimum = 6 if settings.minimum_processes is None else settings.minimum_processes
    balance_min = 0.34 if settings.minimum_balance is None else settings.minimum_balance
    cand = agg[(agg["co_bids"] >= minimum) & agg["wins_a"].notna()] if len(agg) else agg
    res.meta.update({"pairs": float(len(cand)), "threshold": share_min, "minimum_processes": float(minimum),
                     "minimum_balance": balance_min, "pairs_flagged": 0.0})
    flagged = 0
    for a, b, n, wa, wb in cand[["bidder_a", "bidder_b", "co_bids", "wins_a", "wins_b"]].itertuples(index=False):
        if wa < 1 or wb < 1:
            continue
        share, balance = (wa + wb) / n, min(wa, wb) / max(wa, wb)
        if share < share_min or balance < balance_min:
            continue
        flagged += 1
        res.flag("Tenderer", a, share)
        res.flag("Tenderer", b, share)
        rows = pair_rows(tables, a, b)
        tenders = sorted(rows.loc[(rows["win_a"] == 1) | (rows["win_b"] == 1), "tender_id"].unique())
        for t in tenders:
            res.flag("OCID", t, share)
        res.evidence.append({"code": "R057", "level": "pair", "tender_id": ";".join(tenders), "bidders": f"{a};{b}",
                             "value": share,
                             "evidence": f"R057: {a} and {b} bid together in {n} tenders and took turns winning: "
                                         f"{a} won {int(wa)}, {b} won {int(wb)} ({share:.0%} of them)"})
    res.meta["pairs_flagged"] = float(flagged)
    return res


class R057(CanonicalIndicator):
    code = "R057"
    title = "Bid rotation"
    Settings = R057Settings
    needs = CanonicalIndicator.needs + (PairTable,)
    uses_pairs = True
    compute = staticmethod(compute)
