"""`collusion_flags(tables, settings)`: every enabled flag of `[flags]` on one dataset -> evidence rows and statistics.

Legal flags (A34 ... A39, `features.evidence.legal.LEGAL`) and the OCP catalogue codes that work on canonical bids
(R022 ... R057, `features.evidence.indicators`) share one pair-evidence table. Cardinal's eleven (R003 ... R058) run too when
listed in `[flags] enabled` (not by default: they target corruption more than collusion), on the dataset turned into
OCDS-like processes (`features.imports.ocds.processes_from_tables`). The result is one row per finding
(`EVIDENCE_COLUMNS`) sorted by tender, plus per-code statistics (the R0NN codes' Meta, and finding counts).

On an engine that splits the bids (Dask), the flags that look inside one tender and the bidder-pair codes run per tender
partition (`features.partitioned_flags`): the same findings and statistics, and the bid pairs stay on the workers."""
from __future__ import annotations

import pandas as pd

from features.core.errors import SettingsError
from features.core.settings import validate_section
from features.evidence.legal.base import EVIDENCE_COLUMNS, LegalContext
from features.partitioned_flags import flags_by_partition


def collusion_flags(tables: dict, settings) -> tuple[pd.DataFrame, dict]:
    from features.evidence.indicators.canonical import CanonicalIndicator
    from features.evidence.indicators import REGISTRY
    from features.evidence.legal import LEGAL

    if "bids" not in tables:
        raise SettingsError("collusion flags need a bids table")
    validate_section(settings)  # [flags] enabled / indicators name known flags (FlagsSettings.check)
    ctx = LegalContext(tables=tables, settings=settings)
    local = flags_by_partition(ctx, [c for c in settings.enabled if c in LEGAL or c in REGISTRY]) or {}
    rows, meta = [], {}
    cardinal = [c for c in settings.enabled if c in REGISTRY and not issubclass(REGISTRY[c], CanonicalIndicator)]
    if cardinal:
        found, cmeta = _cardinal_on_tables(tables, cardinal, settings)
        rows += found
        meta.update(cmeta)
    for code in settings.enabled:
        if code in cardinal:
            continue
        if code in LEGAL:
            found = local[code] if code in local else LEGAL[code].compute(ctx)
            meta[code] = {"findings": float(len(found))}
        else:
            res = ctx.canonical(code)
            found = [{**e, "article": ""} for e in res.evidence]
            meta[code] = {**res.meta, "findings": float(len(found))}
        rows += found
    out = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    if len(out):
        out = out.sort_values(["tender_id", "code", "bidders"], kind="stable").reset_index(drop=True)
    return out, meta


def _cardinal_on_tables(tables: dict, codes: list, settings) -> tuple[list, dict]:
    """Cardinal's indicators on a canonical dataset (tables -> OCDS-like processes -> the OCDS indicator driver)."""
    from features.evidence.indicators import driver
    from features.evidence.indicators.config import build
    from features.evidence.indicators import REGISTRY
    from features.imports.ocds import processes_from_tables

    cfg = build({c: dict(settings.indicators.get(c, {})) for c in codes}, "[flags] indicators")
    acc = driver.run(processes_from_tables(tables.get("tenders"), tables["bids"]), cfg)
    rows = []
    level = {"OCID": "tender", "Tenderer": "bidder", "Buyer": "buyer", "ProcuringEntity": "buyer"}
    for code in codes:
        title = REGISTRY[code].title
        tenders = {k: v[code] for k, v in acc.results["OCID"].items() if code in v}
        for group in ("OCID", "Buyer", "ProcuringEntity", "Tenderer"):
            for key, values in acc.results[group].items():
                if code not in values:
                    continue
                v = values[code]
                where = f"tender {key}" if group == "OCID" else f"{level[group]} {key}"
                rows.append({"code": code, "article": "", "level": level[group],
                             "tender_id": key if group == "OCID" else "", "bidders": key if group == "Tenderer" else "",
                             "value": v, "evidence": f"{code} {title}: {where}, value {v:g}"})
        meta_c = {k: v for k, v in acc.meta.get(code, {}).items()}
        meta_c["findings"] = float(sum(r["code"] == code for r in rows))
        meta_c["tenders_flagged"] = float(len(tenders))
        acc.meta[code] = meta_c
    return rows, {c: acc.meta.get(c, {}) for c in codes}


def flagged_tenders(evidence: pd.DataFrame, codes=None) -> set[str]:
    """Tender ids named by any finding (of `codes`, default all); a finding may name several tenders ('a;b')."""
    ev = evidence if codes is None else evidence[evidence["code"].isin(codes)]
    out = set()
    for t in ev["tender_id"].dropna().astype(str):
        out |= {x for x in t.split(";") if x}
    return out
