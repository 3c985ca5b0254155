"""The red flags (`features.flags.collusion_flags`) over partitions of tenders on the current engine, with the findings
and statistics of the one-process run. The bid pairs never leave the workers.

Three passes over the bids split by `tender_id` (bill items with them), then the codes that need the whole dataset:

1. the dataset-wide facts the per-tender flags read, by a shuffle on the shared VALUE: each partition's distinct
   (field, value, bidder) cut into buckets by a hash of the value, each bucket counted by one task; only the values
   that can matter come back (Article 40(1)'s generic values: shared by at least `generic_bidders` bidders; Article
   40(2)'s reach: agents of two or more bidders) and go to the tasks once (`engine.share`), with the registry ties of
   Article 34 (legal representatives of two or more firms, controlling holders);
2. per tender partition: the legal flags that look inside one tender (A34, A40.1, A40.2, A40.3, A40.4, A40.6) on the
   partition's bid pairs, and, for the cross-tender pair codes (R023, R053, R057 and so A39), the partition's partials per
   bidder pair (co-bids, wins, and the count, mean and M2 of R023's price gap), shuffled by bidder pair; each bucket of
   bidder pairs is combined and judged by one task, which returns the number of pairs evaluated and the pairs flagged
   (R023: flagged within a hair of its tolerance, to be decided exactly below);
3. per tender partition again, the bid pairs of those few pairs only; on the driver the R0NN functions themselves then
   run on them (the same rows in the same order: the same values, bit for bit) and the evaluated counts are those summed
   over the buckets (each bidder pair lies in one bucket).

R022 (a fence over every tender's price spread), R029 (per bidder, with a fence over bidders) and R034 (tenders grouped
by their set of bidders) read only the bids, not their pairs, and run on the driver; so do Cardinal's codes when enabled.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from features import engine as _engine

PER_TENDER = ("A34", "A40.1", "A40.2", "A40.3", "A40.4", "A40.6")
PAIR_CODES = ("R023", "R053", "R057")
_AGG = ["bidder_a", "bidder_b", "co_bids", "wins_a", "wins_b"]
_ROWS = ["tender_id", "bidder_a", "bidder_b", "log_ratio", "win_a", "win_b"]


def flags_by_partition(ctx, codes: list, eng=None) -> dict | None:
    """The per-tender legal codes among `codes` computed per tender partition on `eng` ({code: findings}), with the
    results of the pair codes R023, R053, R057 placed in `ctx`'s cache (where `LegalContext.canonical` finds them; A39
    and the R0NN loop read them there). None when the engine gives the bids one partition (the caller runs everything)."""
    from features.indicators import REGISTRY
    from features.legal.a34 import registry_ties
    from features.legal.a40_1 import FIELDS

    eng = eng or _engine.current()
    bids, settings = ctx.bids, ctx.settings
    parts = eng.split(bids, "tender_id")
    if len(parts) <= 1:
        return None
    items = ctx.table("bid_items")
    items = eng.split(items, "tender_id", len(parts)) if items is not None and len(items) else [None] * len(parts)
    local = [c for c in PER_TENDER if c in codes]
    pair_codes = [c for c in PAIR_CODES if c in codes or ("A39" in codes)]
    # 1. facts: bidders per shared value (a shuffle on the value), registry ties
    minimum = {}
    if "A40.1" in local:
        minimum.update({f: max(1, int(settings.generic_bidders)) for f in FIELDS if f in bids.columns})
    if "A40.2" in local and "agent_id" in bids.columns:
        minimum["agent_id"] = min(minimum.get("agent_id", 2), 2)  # an agent in a finding acts for two bidders at least
    facts = {}
    if minimum:
        counted, _ = eng.shuffle(_values_part, parts, _values_bucket, list(minimum), len(parts),
                                 combine_args=(minimum,), label="flags: shared values")
        facts["bidders_per_value"] = _per_field(counted, list(minimum))
    if "A34" in local:
        facts["registry_ties"] = registry_ties(ctx, shared_only=True)
    # 2. per-tender flags and the pair codes' partials, shuffled by bidder pair
    cfg = _pair_settings(settings, pair_codes)
    shared = eng.share(facts, keep=False)
    judged, found = eng.shuffle(_flags_part, list(zip(parts, items)), _pairs_bucket, settings, shared, local,
                                bool(pair_codes), len(parts), combine_args=(cfg,), label="flags per tender")
    out = {c: [f for part in found for f in part[c]] for c in local}
    del found
    # 3. the bid pairs of the flagged bidder pairs, and the pair codes on them
    if pair_codes:
        agg = pd.concat([j["agg"] for j in judged], ignore_index=True)
        evaluated = {c: sum(j["pairs"][c] for j in judged) for c in pair_codes}
        rows = _flagged_rows(eng, parts, agg)
        tables = _pair_tables(rows, agg)
        results = ctx.cache.setdefault("results", {})
        for code in pair_codes:
            res = REGISTRY[code].compute(None, cfg[code], {"pairs": tables})
            res.meta["pairs"] = float(evaluated[code])
            results[code] = res
    return out


def _pair_settings(settings, codes: list) -> dict:
    from features.indicators.config import build

    return {c: build({c: dict(settings.indicators.get(c, {}))}, "[flags] indicators").enabled[c] for c in codes}


# --- 1. bidders per value ------------------------------------------------------------------------------------------

def _values_part(bids: pd.DataFrame, fields: list, buckets: int):
    """Distinct (field, value, bidder) of one partition, cut into `buckets` by a hash of the value."""
    from features.legal.base import value_bidders

    frames = [value_bidders(bids, f).assign(f=f) for f in fields if f in bids.columns]
    t = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"v": [], "b": [], "f": []}, dtype=object)
    return _engine.split_frame(t, "v", buckets), None


def _values_bucket(pieces: list, minimum: dict) -> pd.DataFrame:
    """Bidders per (field, value) of one bucket of values, those with at least `minimum[field]` of them."""
    t = pd.concat(pieces, ignore_index=True).drop_duplicates()
    n = t.groupby(["f", "v"], sort=False).size().rename("n").reset_index()
    return n[n["n"].to_numpy() >= n["f"].map(minimum).to_numpy()]


def _per_field(counted: list, fields: list) -> dict:
    t = pd.concat(counted, ignore_index=True)
    return {f: pd.Series(t.loc[t["f"] == f, "n"].to_numpy(), index=t.loc[t["f"] == f, "v"].to_numpy(), name="b")
            for f in fields}


# --- 2. per tender partition -----------------------------------------------------------------------------------------

def _flags_part(part: tuple, settings, facts: dict, codes: list, pairs: bool, buckets: int):
    """The per-tender legal findings of one (bids, bid_items) partition ({code: rows}, the shuffle's extra) and its
    partials per bidder pair cut into `buckets` by a hash of bidder_a (the shuffle's pieces)."""
    from features.legal import LEGAL
    from features.legal.base import LegalContext

    bids, items = part
    ctx = LegalContext(tables={"bids": bids, "bid_items": items}, settings=settings, facts=facts)
    found = {c: LEGAL[c].compute(ctx) for c in codes}
    if not pairs:
        return [], found
    if ctx._pairs is None:
        from features.pairs import bid_pairs

        ctx._pairs = bid_pairs(bids)
    partial = _pair_partial(ctx._pairs)
    ctx._pairs = None
    return _engine.split_frame(partial, "bidder_a", buckets), found


def _pair_partial(bp: pd.DataFrame) -> pd.DataFrame:
    """Per bidder pair of one partition's bid pairs: co-bids and wins (`features.pairs.pair_partials`, as the pair
    tables of R053 and R057 sum them), and R023's count, mean, M2 and times-higher of |log price ratio| over one pair row
    per tender with a finite ratio (a tender lies in one partition, so these rows are those R023 reads)."""
    from features.pairs import pair_partials

    p = pair_partials(bp[["bidder_a", "bidder_b", "price_gap", "log_ratio", "win_a", "win_b"]])
    out = pd.DataFrame({"bidder_a": p["bidder_a"].astype(str).to_numpy(), "bidder_b": p["bidder_b"].astype(str).to_numpy(),
                        **{c: p[c].to_numpy(dtype=np.float64) for c in ("co_bids", "win_known", "wins_a", "wins_b")}})
    d = pd.DataFrame({"tender_id": bp["tender_id"].astype(str).to_numpy(), "bidder_a": bp["bidder_a"].astype(str).to_numpy(),
                      "bidder_b": bp["bidder_b"].astype(str).to_numpy(), "gap": bp["log_ratio"].abs().to_numpy(),
                      "hi": (bp["log_ratio"] > 0).to_numpy(dtype=np.float64)})
    d = d[np.isfinite(d["gap"])].drop_duplicates(["tender_id", "bidder_a", "bidder_b"])
    d = d.assign(dev=(d["gap"] - d.groupby(["bidder_a", "bidder_b"], sort=False)["gap"].transform("mean")) ** 2)
    gap = d.groupby(["bidder_a", "bidder_b"], sort=False).agg(g_n=("gap", "size"), g_mean=("gap", "mean"), g_hi=("hi", "sum"), g_m2=("dev", "sum")).reset_index()
    out = out.merge(gap, on=["bidder_a", "bidder_b"], how="left")
    return out.fillna({"g_n": 0.0, "g_mean": 0.0, "g_hi": 0.0, "g_m2": 0.0})


def _pairs_bucket(pieces: list, cfg: dict) -> dict:
    """One bucket of bidder pairs: the partials of every partition combined (sums add; R023's moments merge by Chan's
    formula), each pair code's evaluated pairs counted, and the pairs it flags returned (`_AGG` columns). R023's pairs
    within a hair of its tolerance come back too: its decision is taken again on the exact rows."""
    from features.indicators.r023 import limits

    t = pd.concat(pieces, ignore_index=True)
    g = t.groupby(["bidder_a", "bidder_b"], sort=True)
    s = g[["co_bids", "win_known", "wins_a", "wins_b"]].sum()
    gid = g.ngroup().to_numpy()
    k = len(s)
    w = t["g_n"].to_numpy()
    n = np.bincount(gid, weights=w, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(gid, weights=w * t["g_mean"].to_numpy(), minlength=k) / n
        dev = np.where(w > 0, t["g_m2"].to_numpy() + w * (t["g_mean"].to_numpy() - mean[gid]) ** 2, 0.0)
        sd = np.sqrt(np.bincount(gid, weights=dev, minlength=k) / (n - 1))
    known = s["win_known"].to_numpy() > 0
    agg = pd.DataFrame({"bidder_a": s.index.get_level_values(0).to_numpy(dtype=object),
                        "bidder_b": s.index.get_level_values(1).to_numpy(dtype=object),
                        "co_bids": s["co_bids"].to_numpy().astype(np.int64),
                        "wins_a": np.where(known, s["wins_a"].to_numpy(), np.nan),
                        "wins_b": np.where(known, s["wins_b"].to_numpy(), np.nan)})
    pairs, keep = {}, np.zeros(k, dtype=bool)
    for code in ("R053", "R057"):
        if code in cfg:
            res = _judge(code, agg, cfg[code])
            pairs[code] = int(res.meta["pairs"])
            flagged = {tuple(sorted(e["bidders"].split(";"))) for e in res.evidence}
            keep |= pd.MultiIndex.from_frame(agg[["bidder_a", "bidder_b"]]).isin(flagged)
    if "R023" in cfg:
        tol, minimum = limits(cfg["R023"])
        cand = n >= minimum
        pairs["R023"] = int(cand.sum())
        slack = 1e-9 * tol + 1e-12
        keep |= cand & (sd <= tol + slack) & (mean > tol - slack)
    return {"pairs": pairs, "agg": agg[keep].reset_index(drop=True)}


def _judge(code: str, agg: pd.DataFrame, settings):
    """R053 or R057 itself on bidder-pair rows without their bid pairs (which pairs it flags and how many it evaluated)."""
    from features.indicators import REGISTRY
    from features.indicators.canonical import PairIndex

    empty = pd.DataFrame({c: pd.Series(dtype=object if c in _ROWS[:3] else float) for c in _ROWS})
    tables = {"bid_pairs": empty, "bidder_pairs": agg, "rows": PairIndex(empty["bidder_a"], empty["bidder_b"])}
    return REGISTRY[code].compute(None, settings, {"pairs": tables})


# --- 3. the bid pairs of the flagged bidder pairs ---------------------------------------------------------------------

def _rows_part(bids: pd.DataFrame, wanted: pd.DataFrame) -> pd.DataFrame:
    """The bid pairs (`_ROWS` columns, ids as text) of one partition between the bidder pairs of `wanted`, computed on the
    bids of their bidders only (the pairs between them, in the same order as among all the partition's bids)."""
    from features.pairs import bid_pairs

    who = pd.unique(np.concatenate([wanted["bidder_a"].to_numpy(dtype=object), wanted["bidder_b"].to_numpy(dtype=object)]))
    sub = bids[bids["bidder_id"].astype(str).isin(who).to_numpy()]
    if not len(sub):
        return pd.DataFrame({c: pd.Series(dtype=object if c in _ROWS[:3] else float) for c in _ROWS})
    bp = bid_pairs(sub, fields=())
    out = pd.DataFrame({c: bp[c].astype(str).to_numpy() if c in _ROWS[:3] else bp[c].to_numpy() for c in _ROWS})
    hit = pd.MultiIndex.from_frame(out[["bidder_a", "bidder_b"]]).isin(
        pd.MultiIndex.from_frame(wanted[["bidder_a", "bidder_b"]]))
    return out[hit].reset_index(drop=True)


def _flagged_rows(eng, parts: list, agg: pd.DataFrame) -> pd.DataFrame:
    """The bid pairs of the bidder pairs in `agg` from every partition, in the order of a one-pass `bid_pairs`: by tender
    id as text (a tender's rows come from one partition, in their order there)."""
    if not len(agg):
        return _rows_part(pd.DataFrame({"tender_id": [], "bidder_id": [], "price": []}), agg)
    wanted = eng.share(agg[["bidder_a", "bidder_b"]], keep=False)
    found = eng.map(_rows_part, parts, wanted, label="flags: flagged pairs")
    rows = pd.concat(found, ignore_index=True)
    return rows.iloc[np.argsort(rows["tender_id"].to_numpy(dtype=object), kind="stable")].reset_index(drop=True)


def _pair_tables(rows: pd.DataFrame, agg: pd.DataFrame) -> dict:
    """`features.indicators.canonical.pair_tables` restricted to the bidder pairs of `agg` (their every bid pair)."""
    from features.indicators.canonical import PairIndex

    agg = agg.sort_values(["bidder_a", "bidder_b"], kind="stable").reset_index(drop=True)
    return {"bid_pairs": rows, "bidder_pairs": agg, "rows": PairIndex(rows["bidder_a"], rows["bidder_b"])}
