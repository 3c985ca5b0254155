"""A40.4 - Article 40(4): abnormally identical bid documents, or bid prices with a regular pattern.

Abnormally identical: two bids of one tender with the same file hash; or bills that price at least `identical_items`
shared items identically, share an identically priced odd item, or carry the same arithmetic slip (their totals miss their
itemised sums by the same amount) (`features.evidence.pairs`). Regular pattern: the valid bids of a tender (at least 3) form an
arithmetic or geometric progression, or at least 4 of them do in a row (sorted by price) (`features.evidence.screens.bid_progressions`,
equal steps within 0.1%)."""
from __future__ import annotations

import pandas as pd

from features.evidence.legal.base import LegalContext, finding, same_field_findings

CODE, ARTICLE = "A40.4", "Article 40(4)"
RUN = 4  # bids in a row in one progression that make a pattern when the tender has others too


def compute(ctx: LegalContext) -> list[dict]:
    from features.evidence.screens import bid_progressions

    out = same_field_findings(ctx, {"file_hash": "contain the same file, hash"}, CODE, ARTICLE, "Article 40(4)")
    bp = ctx.pairs
    if "items_shared" in bp.columns and len(bp):
        ident = (bp["item_identical_share"].fillna(0) * bp["items_shared"].fillna(0)).round()
        odd = bp["same_odd_items"].fillna(0)
        slip = bp["same_wrong_total"] == 1 if "same_wrong_total" in bp.columns else pd.Series(False, index=bp.index)
        hit = (ident >= ctx.settings.identical_items) | (odd > 0) | slip
        for row, n_ident, n_odd, s in zip(bp[hit].itertuples(index=False), ident[hit], odd[hit], slip[hit]):
            a, b = str(row.bidder_a), str(row.bidder_b)
            parts = []
            if n_ident >= ctx.settings.identical_items:
                parts.append(f"price {int(n_ident)} of {int(row.items_shared)} shared bill items identically")
            if n_odd > 0:
                parts.append(f"share {int(n_odd)} identically priced odd item(s)")
            if s:
                parts.append("miss their itemised totals by the same amount")
            out.append(finding(CODE, ARTICLE, str(row.tender_id), (a, b),
                               f"Article 40(4): the bills of {a} and {b} in tender {row.tender_id} " + "; ".join(parts)))
    bids = ctx.bids
    prog = bid_progressions(bids)
    whole = (prog["n_bids"] >= 3) & (prog["arithmetic"].astype(bool) | prog["geometric"].astype(bool))
    run = (prog["arith_run"] >= RUN) | (prog["geom_run"] >= RUN)
    patterned = prog[whole | run]
    rows_of = bids.groupby(bids["tender_id"].astype(str), sort=False).indices if len(patterned) else {}
    for t, n, arith, ar, gr, all_of in zip(patterned["tender_id"], patterned["n_bids"], patterned["arithmetic"].astype(bool),
                                          patterned["arith_run"], patterned["geom_run"], whole[patterned.index]):
        t = str(t)
        who = bids.iloc[rows_of[t]]
        if "status" in who.columns:
            who = who[who["status"].isna() | (who["status"].astype(str) == "valid")]
        if all_of:
            kind = "an arithmetic" if arith else "a geometric"
            what = f"the {n} valid bids in tender {t} form {kind} progression"
        else:
            kind, k = ("an arithmetic", int(ar)) if ar >= gr else ("a geometric", int(gr))
            what = f"{k} of the {n} valid bids in tender {t} form {kind} progression in a row"
        out.append(finding(CODE, ARTICLE, t, set(who["bidder_id"].astype(str)),
                           f"Article 40(4): {what} "
                           f"({', '.join(f'{p:,.2f}' for p in sorted(pd.to_numeric(who['price'], errors='coerce').dropna()))})",
                           level="tender"))
    return out
