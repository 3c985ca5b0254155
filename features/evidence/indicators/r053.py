"""R053 Co-bidding pairs with the same recurrent winner: two firms often bid together and the same one always wins.

The loser is a cover bidder. From the pair evidence (`features.evidence.pairs`): a pair that co-bid in at least `minimum_processes`
tenders with known winners, where one firm won at least `threshold` of them and the other never won. Value for both firms:
the winner's share of their co-bids. The tenders the recurrent winner won against its partner are flagged with the same
value. Meta: pairs (evaluated), pairs_flagged, threshold, minimum_processes."""
from __future__ import annotations

from dataclasses import dataclass

from features.evidence.indicators.base import option
from features.evidence.indicators.canonical import CanonicalIndicator, FlagResult, PairTable, pair_rows, pair_tables


@dataclass
class R053Settings:
    """[R053]: flag co-bidding pairs where the same firm keeps winning."""

    threshold: float | None = option("float", "share of co-bids the same firm must win (default 0.6)")
    minimum_processes: int | None = option("int", "co-bids a pair needs (default 5)")


def compute(bids, settings: R053Settings, shared=None) -> FlagResult:
    res = FlagResult()
    tables = (shared or {}).get("pairs") or pair_tables(bids)
    agg = tables["bidder_pairs"]
    share_min = 0.6 if settings.threshold is None else settings.threshold
    minimum = 5 if settings.minimum_processes is None else settings.minimum_processes
    cand = agg[(agg["co_bids"] >= minimum) & agg["wins_a"].notna()] if len(agg) else agg
    res.meta.update({"pairs": float(len(cand)), "threshold": share_min, "minimum_processes": float(minimum),
                     "pairs_flagged": 0.0})
    flagged = 0
    for a, b, n, wa, wb in cand[["bidder_a", "bidder_b", "co_bids", "wins_a", "wins_b"]].itertuples(index=False):
        for winner, loser, w, lw, col in ((a, b, wa, wb, "win_a"), (b, a, wb, wa, "win_b")):
            share = w / n
            if lw == 0 and share >= share_min and w > 0:
                flagged += 1
                res.flag("Tenderer", winner, share)
                res.flag("Tenderer", loser, share)
                rows = pair_rows(tables, a, b)
                tenders = sorted(rows.loc[rows[col] == 1, "tender_id"].unique())
                for t in tenders:
                    res.flag("OCID", t, share)
                res.evidence.append({"code": "R053", "level": "pair", "tender_id": ";".join(tenders),
                                     "bidders": f"{winner};{loser}", "value": share,
                                     "evidence": f"R053: {winner} and {loser} bid together in {n} tenders; {winner} won "
                                                 f"{int(w)} ({share:.0%}) and {loser} none"})
    res.meta["pairs_flagged"] = float(flagged)
    return res


class R053(CanonicalIndicator):
    code = "R053"
    title = "Co-bidding pairs with the same recurrent winner"
    Settings = R053Settings
    needs = CanonicalIndicator.needs + (PairTable,)
    uses_pairs = True
    compute = staticmethod(compute)
