"""The red flags (`features.evidence.flags.collusion_flags`) as steps over tender partitions, on either engine: the same findings
and statistics from one partition (the pandas engine: the whole dataset) or many (Dask: the bid pairs never leave the
workers).

1. With several partitions, the dataset-wide facts the per-tender flags read, by a shuffle on the shared VALUE
   (`VALUE_STEPS`): each partition's distinct (field, value, bidder) cut into buckets by a hash of the value, each
   bucket counted by one task; only the values that can matter come back (Article 40(1)'s generic values: shared by at
   least `generic_bidders` bidders; Article 40(2)'s reach: agents of two or more bidders) and go to the tasks once, with
   Article 34's registry ties. One partition is the whole dataset: its flags read the tables themselves.
2. `FLAG_STEPS`, one run: per tender partition (bids split by `tender_id`, bill items with them) the legal flags that
   look inside one tender (A34, A40.1, A40.2, A40.3, A40.4, A40.6; their findings come back as the extras) and the fold
   of each canonical flag (`features.evidence.indicators.canonical`: R022, R023, R029, R034, R053, R057, and `PairTable`, the bid
   pairs they share); each bucket combines what its keys' partials from every partition hold (a bidder's first-digit
   counts, a bidder pair's bid pairs: each such flag judges its pairs there, on the rows one process would read, in its
   order); the driver finalizes each flag from the buckets' results (fences over every tender or bidder, counts added).

A39 restates R057, R053 and R023 and runs on the driver from their results; Cardinal's codes (when enabled) too.
"""
from __future__ import annotations

import pandas as pd

from features import engine as _engine
from features.engine.steps import Steps, made_split, run

PER_TENDER = ("A34", "A40.1", "A40.2", "A40.3", "A40.4", "A40.6")


def flags_by_partition(ctx, codes: list, eng=None) -> dict:
    """The per-tender legal codes among `codes` computed per tender partition on `eng` (default: the current engine),
    {code: findings}, with the results of the canonical codes (those among `codes`, and R023, R053, R057 for A39) placed
    in `ctx`'s cache, where `LegalContext.canonical` finds them."""
    from features.evidence.indicators import REGISTRY
    from features.evidence.indicators.canonical import CanonicalIndicator, PairTable
    from features.evidence.legal.a39 import CLAUSES

    eng = eng or _engine.current()
    bids, settings = ctx.bids, ctx.settings
    local = [c for c in PER_TENDER if c in codes]
    canonical = [c for c, cls in REGISTRY.items() if issubclass(cls, CanonicalIndicator)
                 and (c in codes or ("A39" in codes and c in CLAUSES))]
    if not (local or canonical):
        return {}
    items = ctx.table("bid_items")
    # (bids, items) of a tender partition, cut in turn
    parts = made_split("tender_id", bids, items if items is not None and len(items) else None, eng=eng)
    # one partition is the dataset: its context holds every table; several read the dataset-wide facts instead
    tables, facts = (ctx.tables, {}) if parts.n == 1 else (None, _facts(ctx, local, parts.n, eng))
    indicators = {c: REGISTRY[c](_indicator_settings(settings, c)) for c in canonical}
    by = {c: ind.by for c, ind in indicators.items()}
    if any(ind.uses_pairs for ind in indicators.values()):
        by[PairTable.code] = PairTable.by
    steps = Steps(map=_flags_part, combine=_flags_bucket, finalize=_flags_final, by=by, extra=True,
                  label="flags per tender")
    results, found = run(steps, parts, settings, eng.share(facts, keep=False), tables, local,
                         indicators, combine_args=(indicators,), finalize_args=(indicators,), eng=eng)
    ctx.cache.setdefault("results", {}).update(results)
    return {c: [f for part in found for f in part[c]] for c in local}


def _indicator_settings(settings, code: str):
    from features.evidence.indicators.config import build

    return build({code: dict(settings.indicators.get(code, {}))}, "[flags] indicators").enabled[code]


def _flags_part(part: tuple, settings, facts: dict, tables: dict | None, local: list, indicators: dict):
    """The map step of one (bids, bid_items) partition: ({flag: its fold}, {legal code: findings})."""
    from features.evidence.indicators.canonical import PairTable
    from features.evidence.legal import LEGAL
    from features.evidence.legal.base import LegalContext

    bids, items = part
    ctx = LegalContext(tables={**(tables or {}), "bids": bids, "bid_items": items}, settings=settings, facts=facts)
    found = {c: LEGAL[c].compute(ctx) for c in local}
    pairs = ctx.pairs if any(ind.uses_pairs for ind in indicators.values()) else None
    folds = {c: ind.fold_bids(bids, pairs) for c, ind in indicators.items()}
    if pairs is not None:
        folds[PairTable.code] = PairTable().fold_bids(bids, pairs)
    return folds, found


def _flags_bucket(pieces: dict, indicators: dict) -> dict:
    """The combine step of one bucket: the shared pair tables of its pairs, then each flag's combine."""
    from features.evidence.indicators.canonical import PairTable

    tables = PairTable().combine_bids(pieces[PairTable.code]) if PairTable.code in pieces else None
    return {c: ind.combine_bids(pieces[c], tables) for c, ind in indicators.items()}


def _flags_final(results: list, indicators: dict) -> dict:
    """The finalize step: each flag's `FlagResult` from the buckets' results."""
    return {c: ind.finalize_bids([r[c] for r in results]) for c, ind in indicators.items()}


# --- 1. bidders per value ------------------------------------------------------------------------------------------

def _facts(ctx, local: list, n: int, eng) -> dict:
    """What the per-tender flags of a partition read from the whole dataset: bidders per shared value (`VALUE_STEPS`)
    and Article 34's registry ties."""
    from features.evidence.legal.a34 import registry_ties
    from features.evidence.legal.a40_1 import FIELDS

    bids, settings = ctx.bids, ctx.settings
    minimum = {}
    if "A40.1" in local:
        minimum.update({f: max(1, int(settings.generic_bidders)) for f in FIELDS if f in bids.columns})
    if "A40.2" in local and "agent_id" in bids.columns:
        minimum["agent_id"] = min(minimum.get("agent_id", 2), 2)  # an agent in a finding acts for two bidders at least
    facts = {}
    if minimum:
        columns = eng.chunks(bids[["bidder_id", *minimum]], n)  # any split will do: only these columns travel
        facts["bidders_per_value"] = run(VALUE_STEPS, columns, list(minimum), combine_args=(minimum,),
                                         finalize_args=(list(minimum),), eng=eng)
    if "A34" in local:
        facts["registry_ties"] = registry_ties(ctx, shared_only=True)
    return facts


def _value_rows(bids: pd.DataFrame, fields: list) -> pd.DataFrame:
    """The map step: distinct (field `f`, value `v`, bidder `b`) of one part."""
    from features.evidence.legal.base import value_bidders

    frames = [value_bidders(bids, f).assign(f=f) for f in fields if f in bids.columns]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"v": [], "b": [], "f": []}, dtype=object)


def _values_bucket(pieces: list, minimum: dict) -> pd.DataFrame:
    """The combine step: bidders per (field, value) of one bucket of values, those with at least `minimum[field]`."""
    t = pd.concat(pieces, ignore_index=True).drop_duplicates()
    n = t.groupby(["f", "v"], sort=False).size().rename("n").reset_index()
    return n[n["n"].to_numpy() >= n["f"].map(minimum).to_numpy()]


def _per_field(counted: list, fields: list) -> dict:
    """The finalize step: {field: value -> bidders}."""
    t = pd.concat(counted, ignore_index=True)
    return {f: pd.Series(t.loc[t["f"] == f, "n"].to_numpy(), index=t.loc[t["f"] == f, "v"].to_numpy(), name="b")
            for f in fields}


VALUE_STEPS = Steps(map=_value_rows, combine=_values_bucket, finalize=_per_field, by="v", label="flags: shared values")
