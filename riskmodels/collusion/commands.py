"""One function per `riskmodels collusion ...` command that needs no tracked model (screens, pairs, flags, evaluate):
the dataset loaded once as an `Evidence`, the evidence computed, the output written whole; each returns what the
command line prints. The commands with a model (train, score, report) are in `experiments.commands`.
"""
from __future__ import annotations

import json
from pathlib import Path

from features.core.errors import InputError
from features.io.export import write_table, write_text
from riskmodels.evidence import BID_TABLES, Evidence


def write_screens(directory, out, settings, market: str | None = None) -> str:
    """`collusion screens`: the screens table of `Evidence.screens_table` to `out`; the summary line."""
    ev = Evidence.load(directory, settings, tables=("bids", "tenders"))
    table = ev.screens_table(market)
    write_table(table, out)
    return (f"screens of {len(table):,} tenders ({int(table['n_bids'].sum()):,} valid bids; "
            f"{int(table['rd'].notna().sum()):,} with 3+ bids) written to {out}")


def write_pairs(directory, out, settings, per_tender: bool = False) -> str:
    """`collusion pairs`: one row per bidder pair across tenders (on the engine), or with `per_tender` one row per pair
    of bids within a tender, to `out`; the summary line."""
    ev = Evidence.load(directory, settings, tables=("bids", "bid_items"))
    if per_tender:
        from features.evidence.pairs import bid_pairs, pair_options

        pairs = bid_pairs(ev.bids, ev.get("bid_items"), **pair_options(settings))
        write_table(pairs, out)
        return f"{len(pairs):,} pairs of bids in {pairs['tender_id'].nunique():,} tenders written to {out}"
    pe = ev.bidder_pair_evidence()
    pe.write(out)
    return f"{pe.counts()['bidder_pairs']:,} bidder pairs (from {pe.bid_pairs:,} pairs of bids) written to {out}"


def write_flags(directory, out, settings, meta: Path | None = None) -> str:
    """`collusion flags`: every finding of `Evidence.flags` to `out`, the flags' statistics to `meta` (JSON)."""
    from features.evidence.flags import flagged_tenders

    ev = Evidence.load(directory, settings, tables=BID_TABLES, require=())
    ev.require("bids")
    findings = ev.flags.table
    write_table(findings, out)
    if meta is not None:
        write_text(meta, json.dumps(ev.flags.stats, ensure_ascii=False, indent=1, default=float) + "\n")
    counts = findings["code"].value_counts()
    enabled = settings.flags.enabled
    return (f"wrote {out}: {len(findings):,} findings in {len(flagged_tenders(findings)):,} tenders"
            + ("; " + ", ".join(f"{c} {counts.get(c, 0):,}" for c in enabled) if len(enabled) else ""))


def check_choices(*, min_bids: int = 1, kind: str = "full", families: str | None = None, method: str | None = None) -> tuple:
    """The model options of `collusion evaluate` / `train` checked (InputError naming the option); the families as a
    tuple."""
    from riskmodels.collusion.families import FAMILIES

    if min_bids < 1:
        raise InputError(f"--min-bids must be at least 1; got {min_bids}")
    if kind not in ("full", "transfer"):
        raise InputError(f"--features must be full or transfer; got {kind!r}")
    if method is not None and method not in ("auto", "lightgbm", "consensus", "select"):
        raise InputError(f"--method must be auto, lightgbm, consensus or select; got {method!r}")
    fams = tuple(f.strip() for f in (families or "lightgbm").split(",") if f.strip())
    bad = [f for f in fams if f not in FAMILIES]
    if bad or not fams:
        raise InputError(f"--families: unknown family {', '.join(bad) or '(none given)'} (known: {', '.join(FAMILIES)})")
    return fams
