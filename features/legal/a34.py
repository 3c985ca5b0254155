"""A34 - Article 34: units whose responsible person is the same, or with a controlling relation, bid in the same lot.

From `enterprises.legal_rep_id` (the same legal representative) and `shareholders` (`holder_id` holds at least
`control_share` of `enterprise_id`): two bidders of one tender are flagged when they have the same legal representative,
when one holds a controlling share of the other, or when the same holder controls both. Withdrawn bids do not count."""
from __future__ import annotations

import itertools

import pandas as pd

from features.legal.base import LegalContext, finding, text

CODE, ARTICLE = "A34", "Article 34"


def compute(ctx: LegalContext) -> list[dict]:
    bids = ctx.bids
    ents, holders = ctx.table("enterprises"), ctx.table("shareholders")
    rep = {}
    if ents is not None and "legal_rep_id" in ents.columns:
        rep = {str(e): r for e, r in zip(ents["enterprise_id"], ents["legal_rep_id"].map(text)) if r is not None}
    controllers: dict[str, set] = {}
    if holders is not None and len(holders):
        share = pd.to_numeric(holders["share"], errors="coerce") if "share" in holders.columns else pd.Series(1.0, index=holders.index)
        share = share.where(share <= 1, share / 100)  # percentages
        ctl = holders[share >= ctx.settings.control_share]
        for e, h in zip(ctl["enterprise_id"].astype(str), ctl["holder_id"].map(text)):
            if h is not None:
                controllers.setdefault(e, set()).add(h)
    if not rep and not controllers:
        return []
    live = bids if "status" not in bids.columns else bids[bids["status"].astype(str) != "withdrawn"]
    out = []
    for tender, group in live.groupby(live["tender_id"].astype(str), sort=True):
        firms = sorted(set(group["bidder_id"].astype(str)))
        for a, b in itertools.combinations(firms, 2):
            reasons = []
            if rep.get(a) is not None and rep.get(a) == rep.get(b):
                reasons.append(f"have the same legal representative '{rep[a]}'")
            ca, cb = controllers.get(a, set()), controllers.get(b, set())
            if a in cb:
                reasons.append(f"{a} holds a controlling share of {b}")
            if b in ca:
                reasons.append(f"{b} holds a controlling share of {a}")
            common = sorted(ca & cb)
            if common:
                reasons.append(f"are both controlled by '{common[0]}'")
            if reasons:
                out.append(finding(CODE, ARTICLE, tender, (a, b),
                                   f"Article 34: {a} and {b}, both bidding in tender {tender}, " + "; ".join(reasons),
                                   value=float(len(reasons))))
    return out
