"""A34 - Article 34: units whose responsible person is the same, or with a controlling relation, bid in the same lot.

From `enterprises.legal_rep_id` (the same legal representative) and `shareholders` (`holder_id` holds at least
`control_share` of `enterprise_id`): two bidders of one tender are flagged when they have the same legal representative,
when one holds a controlling share of the other, or when the same holder controls both. Withdrawn bids do not count."""
from __future__ import annotations

import itertools
from collections import Counter

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.evidence.legal.base import LegalContext, finding, texts

CODE, ARTICLE = "A34", "Article 34"


def compute(ctx: LegalContext) -> list[dict]:
    rep, controllers, tied = ctx.facts["registry_ties"] if "registry_ties" in ctx.facts else registry_ties(ctx)
    if not rep and not controllers:
        return []
    bids = ctx.bids
    live = bids if "status" not in bids.columns else bids[bids["status"].astype(str) != "withdrawn"]
    live = pd.DataFrame({"t": live["tender_id"].astype(str).to_numpy(dtype=object),
                         "b": live["bidder_id"].astype(str).to_numpy(dtype=object)})
    live = live[pc.is_in(pa.array(live["b"].to_numpy(), type=pa.string()), value_set=tied).to_numpy(zero_copy_only=False)]
    live = live[live.groupby("t")["b"].transform("nunique").to_numpy() >= 2]
    out = []
    for tender, group in live.groupby("t", sort=True):
        firms = sorted(set(group["b"]))
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


def registry_ties(ctx: LegalContext, shared_only: bool = False) -> tuple[dict, dict, pa.Array]:
    """(enterprise -> legal representative, enterprise -> its controlling holders, the firms that can be flagged at all)
    from the registry tables and the bidders of `ctx.bids` (the whole dataset's, so that it holds for any partition). With
    `shared_only`, only the representatives of two or more enterprises (no other can tie two bidders): what is sent to
    the tasks that flag a partition of the tenders."""
    ents, holders = ctx.table("enterprises"), ctx.table("shareholders")
    rep = {}
    if ents is not None and "legal_rep_id" in ents.columns:
        t = pd.DataFrame({"e": ents["enterprise_id"].astype(str).to_numpy(), "r": texts(ents["legal_rep_id"]).to_numpy()})
        t = t[t["r"].notna()].drop_duplicates("e", keep="last")  # an enterprise listed twice: its last row, as a dict
        if shared_only:
            t = t[t["r"].map(t["r"].value_counts()).to_numpy() >= 2]
        rep = dict(zip(t["e"], t["r"]))
    controllers: dict[str, set] = {}
    if holders is not None and len(holders):
        share = pd.to_numeric(holders["share"], errors="coerce") if "share" in holders.columns else pd.Series(1.0, index=holders.index)
        share = share.where(share <= 1, share / 100)  # percentages
        ctl = holders[share >= ctx.settings.control_share]
        for e, h in zip(ctl["enterprise_id"].astype(str), texts(ctl["holder_id"])):
            if h is not None:
                controllers.setdefault(e, set()).add(h)
    # who can be flagged: a firm sharing its representative, a holder (it may bid against a firm it controls), a firm
    # controlled by a holder that controls another firm too or that bids itself
    reps, holds = Counter(rep.values()), Counter(h for hs in controllers.values() for h in hs)
    bidders = set(ctx.bids["bidder_id"].astype(str).unique()) if "bidder_id" in ctx.bids.columns else set()
    tied = {e for e, r in rep.items() if reps[r] >= 2} | set(holds)
    tied |= {e for e, hs in controllers.items() if any(holds[h] >= 2 or h in bidders for h in hs)}
    if shared_only:  # only tied firms are ever looked up
        controllers = {e: hs for e, hs in controllers.items() if e in tied}
    return rep, controllers, pa.array(sorted(tied), type=pa.string())
