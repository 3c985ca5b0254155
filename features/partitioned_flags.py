"""The red flags (`features.evidence.flags.collusion_flags`) over partitions of tenders on the current engine, with the findings
and statistics of the one-process run. The bid pairs never leave the workers.

1. The dataset-wide facts the per-tender flags read, by a shuffle on the shared VALUE: each partition's distinct
   (field, value, bidder) cut into buckets by a hash of the value, each bucket counted by one task; only the values
   that can matter come back (Article 40(1)'s generic values: shared by at least `generic_bidders` bidders; Article
   40(2)'s reach: agents of two or more bidders) and go to the tasks once (`engine.share`), with Article 34's registry
   ties (representatives of two or more firms, controlling holders, the firms that can be tied at all).
2. Per tender partition (bids split by `tender_id`, bill items with them), one task: the legal flags that look inside
   one tender (A34, A40.1, A40.2, A40.3, A40.4, A40.6) on the partition's bid pairs; R022's tender spreads and R034's
   submission orders (functions of one tender, finished on the driver: a fence over every tender, tenders grouped by
   their set of bidders); and the pieces of two shuffles into the same buckets: the partition's partials per bidder
   pair (co-bids, wins, and the count, mean and M2 of R023's price gap; by a hash of the pair's first bidder) and R029's
   per-bidder first-digit counts (by a hash of the bidder). Each bucket adds up its bidders' counts (the bidders R029
   evaluates come back) and judges its bidder pairs: the number of pairs each of R023, R053, R057 evaluates and the
   pairs they flag come back (R023's within a hair of its tolerance too: it decides again on the exact rows).
3. Per tender partition again, the bid pairs of those few bidder pairs only; on the driver the R0NN functions run on
   them (the same rows in the same order as in one process: the same values, bit for bit), with the evaluated counts
   summed over the buckets (each bidder pair lies in one bucket). A39 restates R057, R053 and R023.

Cardinal's codes (when enabled) run on the driver over OCDS-like processes, as in one process.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from features import engine as _engine

PER_TENDER = ("A34", "A40.1", "A40.2", "A40.3", "A40.4", "A40.6")
PAIR_CODES = ("R023", "R053", "R057")
SPLIT_CODES = ("R022", "R029", "R034")
_ROWS = ["tender_id", "bidder_a", "bidder_b", "log_ratio", "win_a", "win_b"]


def flags_by_partition(ctx, codes: list, eng=None) -> dict | None:
    """The per-tender legal codes among `codes` computed per tender partition on `eng` ({code: findings}), with the
    results of R022, R023, R029, R034, R053, R057 placed in `ctx`'s cache (where `LegalContext.canonical` finds them;
    A39 and the R0NN loop read them there). None when the engine gives the bids one partition or no flag here is
    enabled (the caller runs everything)."""
    from features.evidence.indicators import REGISTRY
    from features.evidence.legal.a34 import registry_ties
    from features.evidence.legal.a40_1 import FIELDS

    eng = eng or _engine.current()
    bids, settings = ctx.bids, ctx.settings
    local = [c for c in PER_TENDER if c in codes]
    pair_codes = [c for c in PAIR_CODES if c in codes or ("A39" in codes)]
    split = [c for c in SPLIT_CODES if c in codes]
    if not (local or pair_codes or split) or eng.partitions(len(bids)) <= 1:
        return None
    parts = eng.split(bids, "tender_id")
    items = ctx.table("bid_items")
    items = eng.split(items, "tender_id", len(parts)) if items is not None and len(items) else [None] * len(parts)
    # 1. facts: bidders per shared value (a shuffle on the value), registry ties
    minimum = {}
    if "A40.1" in local:
        minimum.update({f: max(1, int(settings.generic_bidders)) for f in FIELDS if f in bids.columns})
    if "A40.2" in local and "agent_id" in bids.columns:
        minimum["agent_id"] = min(minimum.get("agent_id", 2), 2)  # an agent in a finding acts for two bidders at least
    facts = {}
    if minimum:
        columns = eng.chunks(bids[["bidder_id", *minimum]], len(parts))  # any split will do: only these columns travel
        counted, _ = eng.shuffle(_values_part, columns, _values_bucket, list(minimum), len(parts),
                                 combine_args=(minimum,), label="flags: shared values")
        facts["bidders_per_value"] = _per_field(counted, list(minimum))
    if "A34" in local:
        facts["registry_ties"] = registry_ties(ctx, shared_only=True)
    # 2. per-tender flags and the pair codes' partials, shuffled by bidder pair
    cfg = _pair_settings(settings, pair_codes + split)
    shared = eng.share(facts, keep=False)
    judged, found = eng.shuffle(_flags_part, list(zip(parts, items)), _pairs_bucket, settings, shared, local,
                                pair_codes + split, cfg, len(parts), combine_args=(cfg,), label="flags per tender")
    out = {c: [f for part in found for f in part["found"][c]] for c in local}
    results = ctx.cache.setdefault("results", {})
    if "R022" in split:
        from features.evidence.indicators import r022

        results["R022"] = r022.finish([part["R022"] for part in found], cfg["R022"])
    if "R034" in split:
        from features.evidence.indicators import r034

        orders = [part["R034"] for part in found if part["R034"] is not None]
        merged = {t: o for part in orders for t, o in part.items()}
        results["R034"] = r034.finish({t: merged[t] for t in sorted(merged)} if orders else None, cfg["R034"])
    if "R029" in split:
        from features.evidence.indicators import r029

        total = (sum(part["R029"][0] for part in found), sum(part["R029"][1] for part in found))
        results["R029"] = r029.finish([j["R029"] for j in judged], cfg["R029"], total=total)
    del found
    # 3. the bid pairs of the flagged bidder pairs, and the pair codes on them
    if pair_codes:
        agg = pd.concat([j["agg"] for j in judged], ignore_index=True)
        evaluated = {c: sum(j["pairs"][c] for j in judged) for c in pair_codes}
        rows = _flagged_rows(eng, bids, len(parts), agg)
        tables = _pair_tables(rows, agg)
        for code in pair_codes:
            res = REGISTRY[code].compute(None, cfg[code], {"pairs": tables})
            res.meta["pairs"] = float(evaluated[code])
            results[code] = res
    return out


def _pair_settings(settings, codes: list) -> dict:
    from features.evidence.indicators.config import build

    return {c: build({c: dict(settings.indicators.get(c, {}))}, "[flags] indicators").enabled[c] for c in codes}


# --- 1. bidders per value ------------------------------------------------------------------------------------------

def _values_part(bids: pd.DataFrame, fields: list, buckets: int):
    """Distinct (field, value, bidder) of one partition, cut into `buckets` by a hash of the value."""
    from features.evidence.legal.base import value_bidders

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

def _flags_part(part: tuple, settings, facts: dict, codes: list, canonical: list, cfg: dict, buckets: int):
    """One (bids, bid_items) partition: the per-tender legal findings of `codes`, R022's tender spreads, R034's
    submission orders and R029's first-digit counts of all its bids (the shuffle's extra), and the pieces of bucket j
    (the shuffle's pieces): the partials of its bidder pairs (cut by a hash of bidder_a) and R029's per-bidder counts
    (cut by a hash of the bidder), for the pair codes and R029 among `canonical`."""
    from features.evidence.legal import LEGAL
    from features.evidence.legal.base import LegalContext

    bids, items = part
    ctx = LegalContext(tables={"bids": bids, "bid_items": items}, settings=settings, facts=facts)
    extra = {"found": {c: LEGAL[c].compute(ctx) for c in codes}}
    pairs = digits = None
    if any(c in PAIR_CODES for c in canonical):
        if ctx._pairs is None:
            from features.evidence.pairs import bid_pairs

            ctx._pairs = bid_pairs(bids)
        pairs = _engine.split_frame(_pair_partial(ctx._pairs), "bidder_a", buckets)
        ctx._pairs = None
    if "R022" in canonical:
        from features.evidence.indicators.r022 import tender_spread

        extra["R022"] = tender_spread(bids, cfg["R022"])
    if "R034" in canonical:
        from features.evidence.indicators.r034 import submission_orders

        extra["R034"] = submission_orders(bids, cfg["R034"])
    if "R029" in canonical:
        from features.evidence.indicators.r029 import DIGITS, bidder_digits

        t = bidder_digits(bids, cfg["R029"])
        extra["R029"] = (int(t["n"].sum()), t[DIGITS].to_numpy().sum(axis=0) if len(t) else np.zeros(9, dtype=np.int64))
        digits = _engine.split_frame(t, "bidder_id", buckets)
    if pairs is None and digits is None:
        return [], extra
    return [((pairs[j] if pairs is not None else None), (digits[j] if digits is not None else None))
            for j in range(buckets)], extra


def _pair_partial(bp: pd.DataFrame) -> pd.DataFrame:
    """Per bidder pair of one partition's bid pairs: co-bids and wins (`features.evidence.pairs.pair_partials`, as the pair
    tables of R053 and R057 sum them), and R023's count, mean, M2 and times-higher of |log price ratio| over the first
    pair row per tender with a finite ratio (a tender lies in one partition, so these are the rows R023 reads)."""
    from features.evidence.pairs import pair_partials

    p = pair_partials(bp[["bidder_a", "bidder_b", "price_gap", "log_ratio", "win_a", "win_b"]])
    cats = bp["bidder_a"].cat.categories  # bid_pairs gives both bidder columns the same categories
    names = np.asarray(cats.astype(str), dtype=object)
    nb = len(cats) + 1
    pa_, pb_ = p["bidder_a"].cat.codes.to_numpy().astype(np.int64), p["bidder_b"].cat.codes.to_numpy().astype(np.int64)
    out = pd.DataFrame({"bidder_a": names[pa_], "bidder_b": names[pb_],
                        **{c: p[c].to_numpy(dtype=np.float64) for c in ("co_bids", "win_known", "wins_a", "wins_b")}})
    lr = bp["log_ratio"].to_numpy(dtype=np.float64)
    rows = np.flatnonzero(np.isfinite(lr))
    key = (bp["bidder_a"].cat.codes.to_numpy().astype(np.int64) * nb + bp["bidder_b"].cat.codes.to_numpy())[rows]
    pairs, pid = np.unique(key, return_inverse=True)
    tender = bp["tender_id"].cat.codes.to_numpy().astype(np.int64)[rows]
    _, first = np.unique(tender * max(len(pairs), 1) + pid, return_index=True)  # a pair's first row in each tender
    rows, pid = rows[first], pid[first]
    gap = np.abs(lr[rows])
    k = len(pairs)
    n = np.bincount(pid, minlength=k).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(pid, weights=gap, minlength=k) / n
    m2 = np.bincount(pid, weights=(gap - mean[pid]) ** 2, minlength=k)
    hi = np.bincount(pid, weights=(lr[rows] > 0).astype(np.float64), minlength=k)
    at = np.searchsorted(pairs, pa_ * nb + pb_)
    found = at < k
    found[found] = pairs[at[found]] == (pa_ * nb + pb_)[found]
    at = np.where(found, at, 0)
    for c, v in (("g_n", n), ("g_mean", mean), ("g_hi", hi), ("g_m2", m2)):
        out[c] = np.where(found, v[at] if k else 0.0, 0.0)
    return out


def _pairs_bucket(pieces: list, cfg: dict) -> dict:
    """One bucket: R029's per-bidder counts of every partition added up (the bidders it evaluates come back), and for
    the pair codes `_pair_bucket`."""
    out = {}
    if "R029" in cfg:
        from features.evidence.indicators.r029 import DIGITS, _limits

        t = pd.concat([p[1] for p in pieces], ignore_index=True)
        code, ids = pd.factorize(t["bidder_id"].to_numpy(dtype=object), sort=True)
        sums = {c: np.bincount(code, weights=t[c].to_numpy(dtype=np.float64), minlength=len(ids)).astype(np.int64)
                for c in ("n", "round", *DIGITS)}
        t = pd.DataFrame({"bidder_id": np.asarray(ids, dtype=object), **sums})
        out["R029"] = t[t["n"].to_numpy() >= max(_limits(cfg["R029"])[0], 1)].reset_index(drop=True)
    if any(c in PAIR_CODES for c in cfg):
        out.update(_pair_bucket([p[0] for p in pieces], cfg))
    return out


def _pair_bucket(pieces: list, cfg: dict) -> dict:
    """One bucket of bidder pairs: the partials of every partition combined (sums add; R023's moments merge by Chan's
    formula), each pair code's evaluated pairs counted, and the pairs it flags returned (bidder_a, bidder_b, co_bids, wins_a, wins_b). R023's pairs
    within a hair of its tolerance come back too: its decision is taken again on the exact rows."""
    from features.evidence.indicators.r023 import limits

    t = pd.concat(pieces, ignore_index=True)
    fa, ua = pd.factorize(t["bidder_a"].to_numpy(dtype=object))
    fb, ub = pd.factorize(t["bidder_b"].to_numpy(dtype=object))
    nb = max(len(ub), 1)
    keys, gid = np.unique(fa.astype(np.int64) * nb + fb, return_inverse=True)
    k = len(keys)

    def total(c):
        return np.bincount(gid, weights=t[c].to_numpy(dtype=np.float64), minlength=k)

    w, gm = t["g_n"].to_numpy(dtype=np.float64), t["g_mean"].to_numpy(dtype=np.float64)
    n = total("g_n")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(gid, weights=w * gm, minlength=k) / n
        dev = np.where(w > 0, t["g_m2"].to_numpy(dtype=np.float64) + w * (gm - mean[gid]) ** 2, 0.0)
        sd = np.sqrt(np.bincount(gid, weights=dev, minlength=k) / (n - 1))
    known = total("win_known") > 0
    agg = pd.DataFrame({"bidder_a": np.asarray(ua, dtype=object)[keys // nb],
                        "bidder_b": np.asarray(ub, dtype=object)[keys % nb],
                        "co_bids": total("co_bids").astype(np.int64),
                        "wins_a": np.where(known, total("wins_a"), np.nan),
                        "wins_b": np.where(known, total("wins_b"), np.nan)})
    pairs, keep = {}, np.zeros(k, dtype=bool)
    for code in ("R053", "R057"):
        if code in cfg:
            res = _judge(code, agg, cfg[code])
            pairs[code] = int(res.meta["pairs"])
            flagged = [sorted(e["bidders"].split(";")) for e in res.evidence]
            if flagged:
                a = pd.Index(ua).get_indexer([x[0] for x in flagged]).astype(np.int64)
                b = pd.Index(ub).get_indexer([x[1] for x in flagged]).astype(np.int64)
                keep[np.searchsorted(keys, a * nb + b)] = True
    if "R023" in cfg:
        tol, minimum = limits(cfg["R023"])
        cand = n >= minimum
        pairs["R023"] = int(cand.sum())
        slack = 1e-9 * tol + 1e-12
        keep |= cand & (sd <= tol + slack) & (mean > tol - slack)
    return {"pairs": pairs, "agg": agg[keep].reset_index(drop=True)}


def _judge(code: str, agg: pd.DataFrame, settings):
    """R053 or R057 itself on bidder-pair rows without their bid pairs (which pairs it flags and how many it evaluated)."""
    from features.evidence.indicators import REGISTRY
    from features.evidence.indicators.canonical import PairIndex

    empty = pd.DataFrame({c: pd.Series(dtype=object if c in _ROWS[:3] else float) for c in _ROWS})
    tables = {"bid_pairs": empty, "bidder_pairs": agg, "rows": PairIndex(empty["bidder_a"], empty["bidder_b"])}
    return REGISTRY[code].compute(None, settings, {"pairs": tables})


# --- 3. the bid pairs of the flagged bidder pairs ---------------------------------------------------------------------

def _rows_part(bids: pd.DataFrame, wanted: pd.DataFrame) -> pd.DataFrame:
    """The bid pairs (`_ROWS` columns, ids as text) of one partition between the bidder pairs of `wanted`, computed on the
    bids of their bidders only (the pairs between them, in the same order as among all the partition's bids)."""
    from features.evidence.pairs import bid_pairs

    who = pd.unique(np.concatenate([wanted["bidder_a"].to_numpy(dtype=object), wanted["bidder_b"].to_numpy(dtype=object)]))
    sub = bids[bids["bidder_id"].astype(str).isin(who).to_numpy()]
    if not len(sub):
        return pd.DataFrame({c: pd.Series(dtype=object if c in _ROWS[:3] else float) for c in _ROWS})
    bp = bid_pairs(sub, fields=())
    out = pd.DataFrame({c: bp[c].astype(str).to_numpy() if c in _ROWS[:3] else bp[c].to_numpy() for c in _ROWS})
    hit = pd.MultiIndex.from_frame(out[["bidder_a", "bidder_b"]]).isin(
        pd.MultiIndex.from_frame(wanted[["bidder_a", "bidder_b"]]))
    return out[hit].reset_index(drop=True)


def _flagged_rows(eng, bids: pd.DataFrame, n: int, agg: pd.DataFrame) -> pd.DataFrame:
    """The bid pairs of the bidder pairs in `agg`, computed per tender partition of their bidders' bids (`n` partitions),
    in the order of a one-pass `bid_pairs`: by tender id as text (a tender's rows come from one partition, in their
    order there)."""
    if not len(agg):
        return _rows_part(pd.DataFrame({"tender_id": [], "bidder_id": [], "price": []}), agg)
    who = pd.unique(np.concatenate([agg["bidder_a"].to_numpy(dtype=object), agg["bidder_b"].to_numpy(dtype=object)]))
    sub = bids[bids["bidder_id"].astype(str).isin(who).to_numpy()]
    wanted = eng.share(agg[["bidder_a", "bidder_b"]], keep=False)
    found = eng.map(_rows_part, eng.split(sub, "tender_id", n), wanted, label="flags: flagged pairs")
    rows = pd.concat(found, ignore_index=True)
    return rows.iloc[np.argsort(rows["tender_id"].to_numpy(dtype=object), kind="stable")].reset_index(drop=True)


def _pair_tables(rows: pd.DataFrame, agg: pd.DataFrame) -> dict:
    """`features.evidence.indicators.canonical.pair_tables` restricted to the bidder pairs of `agg` (their every bid pair)."""
    from features.evidence.indicators.canonical import PairIndex

    agg = agg.sort_values(["bidder_a", "bidder_b"], kind="stable").reset_index(drop=True)
    return {"bid_pairs": rows, "bidder_pairs": agg, "rows": PairIndex(rows["bidder_a"], rows["bidder_b"])}
