"""`collusion_flags(tables, settings)`: every enabled flag of `[flags]` on one dataset -> evidence rows and statistics.

Legal flags (A34 ... A39, `features.legal.registry`) and the OCP catalogue codes that work on canonical bids
(R022 ... R057, `features.indicators`) share one pair-evidence table. The result is one row per finding
(`EVIDENCE_COLUMNS`) sorted by tender, plus per-code statistics (the R0NN codes' Meta, and finding counts)."""
from __future__ import annotations

import pandas as pd

from features.errors import SettingsError
from features.legal.base import EVIDENCE_COLUMNS, LegalContext


def collusion_flags(tables: dict, settings) -> tuple[pd.DataFrame, dict]:
    from features.indicators.canonical import CanonicalIndicator
    from features.indicators.config import build
    from features.indicators.registry import REGISTRY
    from features.legal.registry import LEGAL

    if "bids" not in tables:
        raise SettingsError("collusion flags need a bids table")
    unknown = [c for c in settings.enabled if c not in LEGAL and not (c in REGISTRY and issubclass(REGISTRY[c], CanonicalIndicator))]
    if unknown:
        known = list(LEGAL) + [c for c, k in REGISTRY.items() if issubclass(k, CanonicalIndicator)]
        raise SettingsError(f"[flags] enabled: unknown flag(s) {', '.join(unknown)} (known: {', '.join(known)})")
    extra = [c for c in settings.indicators if c not in REGISTRY]
    if extra:
        raise SettingsError(f"[flags] indicators: unknown code(s) {', '.join(extra)}")
    ctx = LegalContext(tables=tables, settings=settings)
    rows, meta = [], {}
    for code in settings.enabled:
        if code in LEGAL:
            found = LEGAL[code].compute(ctx)
            meta[code] = {"findings": float(len(found))}
        else:
            cfg = build({code: dict(settings.indicators.get(code, {}))}, "[flags] indicators")
            shared = ctx.cache.setdefault("canonical", {})
            if REGISTRY[code].uses_pairs and "pairs" not in shared:
                from features.indicators.canonical import pair_tables

                shared["pairs"] = pair_tables(ctx.bids)
            res = REGISTRY[code].compute(ctx.bids, cfg.enabled[code], shared)
            found = [{**e, "article": ""} for e in res.evidence]
            meta[code] = {**res.meta, "findings": float(len(found))}
        rows += found
    out = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    if len(out):
        out = out.sort_values(["tender_id", "code", "bidders"], kind="stable").reset_index(drop=True)
    return out, meta


def flagged_tenders(evidence: pd.DataFrame, codes=None) -> set[str]:
    """Tender ids named by any finding (of `codes`, default all); a finding may name several tenders ('a;b')."""
    ev = evidence if codes is None else evidence[evidence["code"].isin(codes)]
    out = set()
    for t in ev["tender_id"].dropna().astype(str):
        out |= {x for x in t.split(";") if x}
    return out
