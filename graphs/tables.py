"""Graph features back to tables, for the models and the case lists.

Per bidder (`bidder_features`): `degree` (firms it met in at least `min_cobids` tenders), `relation_degree` (firms tied
to it by a registry or metadata relation), `exclusivity` (the share of its co-bidding that is with its own group),
`top_winner`, `loss_share_top` (the share of its losses that went to one winner: a cover bidder keeps losing to the
same firm), `max_relation` (its strongest relation strength), `group_id`, `group_size`, `group_score`.

Per tender (`tender_features`): `n_bidders`, `top_group` (the group with most bidders in the tender), `group_share`
(their share of the bidders), `group_score`, `max_relation` (strength of the strongest relation between two of its
bidders) with `relation` (which relations) and `tied_pairs` (bidder pairs tied by any relation).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from graphs import cobid
from graphs.groups import BidderGraphs, _settings


def _membership(groups: pd.DataFrame) -> pd.DataFrame:
    if groups is None or groups.empty:
        return pd.DataFrame({"bidder_id": pd.Series(dtype=object), "group_id": pd.Series(dtype=np.int64),
                             "group_size": pd.Series(dtype=np.int64), "group_score": pd.Series(dtype=float)})
    m = groups[["group_id", "members", "score", "size"]].copy()
    m["bidder_id"] = m["members"].str.split(";")
    m = m.explode("bidder_id")
    return m.rename(columns={"score": "group_score", "size": "group_size"})[
        ["bidder_id", "group_id", "group_size", "group_score"]].drop_duplicates("bidder_id")


def bidder_features(bg: BidderGraphs, groups: pd.DataFrame | None = None, settings=None) -> pd.DataFrame:
    """One row per bidder in the bids (see the module doc); bidders outside every group get group_id 0, score 0."""
    s = _settings(settings)
    out = bg.stats.copy()
    p = bg.pairs[bg.pairs["co_bids"] >= s.min_cobids]
    deg = pd.concat([p["bidder_a"], p["bidder_b"]]).value_counts()
    out["degree"] = out["bidder_id"].map(deg).fillna(0).astype(np.int64)
    st = bg.strength
    if len(st):
        ends = pd.concat([st[["firm_a", "strength"]].rename(columns={"firm_a": "f"}),
                          st[["firm_b", "strength"]].rename(columns={"firm_b": "f"})])
        rdeg = ends.groupby("f")["strength"].agg(["size", "max"])
        out["relation_degree"] = out["bidder_id"].map(rdeg["size"]).fillna(0).astype(np.int64)
        out["max_relation"] = out["bidder_id"].map(rdeg["max"]).fillna(0.0)
    else:
        out["relation_degree"] = 0
        out["max_relation"] = 0.0
    lw = cobid.loss_to_one_winner(bg.bids)[["bidder_id", "top_winner", "loss_share_top"]]
    out = out.merge(lw, on="bidder_id", how="left")
    out["top_winner"] = out["top_winner"].fillna("").astype(str)
    mem = _membership(groups)
    out = out.merge(mem, on="bidder_id", how="left")
    out["group_id"] = out["group_id"].fillna(0).astype(np.int64)
    out["group_size"] = out["group_size"].fillna(1).astype(np.int64)
    out["group_score"] = out["group_score"].fillna(0.0).astype(float)
    # exclusivity: share of the bidder's co-bidding (sum over its tenders of rivals met) that is with its own group
    b = bg.bids[["tender_id", "bidder_id"]].drop_duplicates()
    b = b.assign(n_t=b.groupby("tender_id")["bidder_id"].transform("size"),
                 g=b["bidder_id"].map(dict(zip(out["bidder_id"], out["group_id"]))))
    b["m_t"] = b.groupby(["tender_id", "g"])["bidder_id"].transform("size")
    b.loc[b["g"] == 0, "m_t"] = 1
    num = (b["m_t"] - 1).groupby(b["bidder_id"]).sum()
    den = (b["n_t"] - 1).groupby(b["bidder_id"]).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        ex = (num / den).where(den > 0, 0.0)
    out["exclusivity"] = out["bidder_id"].map(ex).fillna(0.0).astype(float)
    cols = ["bidder_id", "n_bids", "n_wins", "degree", "relation_degree", "exclusivity", "top_winner",
            "loss_share_top", "max_relation", "group_id", "group_size", "group_score"]
    return out[cols]


def tender_features(bg: BidderGraphs, groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per tender in the bids (see the module doc)."""
    b = bg.bids[["tender_id", "bidder_id"]].drop_duplicates()
    n = b.groupby("tender_id").size().rename("n_bidders")
    mem = _membership(groups)
    bm = b.merge(mem, on="bidder_id", how="inner")
    out = n.to_frame().reset_index()
    if len(bm):
        cnt = bm.groupby(["tender_id", "group_id"]).agg(k=("bidder_id", "size"), score=("group_score", "first"))
        cnt = cnt.reset_index().sort_values(["tender_id", "k", "score"], ascending=[True, False, False])
        top = cnt.drop_duplicates("tender_id").set_index("tender_id")
        out["top_group"] = out["tender_id"].map(top["group_id"]).fillna(0).astype(np.int64)
        out["group_share"] = (out["tender_id"].map(top["k"]) / out["n_bidders"]).fillna(0.0)
        out["group_score"] = out["tender_id"].map(top["score"]).fillna(0.0)
        one = out["tender_id"].map(top["k"]).fillna(0) < 2  # a single member is no group presence
        out.loc[one, ["top_group", "group_share", "group_score"]] = [0, 0.0, 0.0]
    else:
        out["top_group"], out["group_share"], out["group_score"] = 0, 0.0, 0.0
    st = bg.strength
    out["max_relation"], out["relation"], out["tied_pairs"] = 0.0, "", 0
    if len(st):
        tied = set(st["firm_a"]) | set(st["firm_b"])
        bt = b[b["bidder_id"].isin(tied)]
        pr = bt.merge(bt, on="tender_id", suffixes=("_a", "_b"))
        pr = pr[pr["bidder_id_a"] < pr["bidder_id_b"]]
        pr = pr.merge(st[["firm_a", "firm_b", "strength", "relations"]], left_on=["bidder_id_a", "bidder_id_b"],
                      right_on=["firm_a", "firm_b"], how="inner")
        if len(pr):
            pr = pr.sort_values(["tender_id", "strength"], ascending=[True, False])
            agg = pr.groupby("tender_id").agg(max_relation=("strength", "first"), relation=("relations", "first"),
                                              tied_pairs=("strength", "size"))
            for c in agg.columns:
                out[c] = out["tender_id"].map(agg[c]).fillna(0.0 if c == "max_relation" else "" if c == "relation"
                                                             else 0)
            out["tied_pairs"] = out["tied_pairs"].astype(np.int64)
    return out[["tender_id", "n_bidders", "top_group", "group_share", "group_score", "max_relation", "relation",
                "tied_pairs"]]
