"""The shared context of the legal flags: the dataset's tables, the pair evidence computed once, and the finding rows."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

EVIDENCE_COLUMNS = ["code", "article", "level", "tender_id", "bidders", "value", "evidence"]


@dataclass
class LegalContext:
    """Tables of one dataset (`bids` required; `bid_items`, `enterprises`, `shareholders` when present) and settings.

    `pairs` (features.pairs.bid_pairs over all bids, with bill items when present) is computed on first use, once."""

    tables: dict
    settings: object  # features.settings.FlagsSettings
    _pairs: pd.DataFrame | None = None
    cache: dict = field(default_factory=dict)

    @property
    def bids(self) -> pd.DataFrame:
        return self.tables["bids"]

    def table(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def canonical(self, code: str):
        """The `FlagResult` of an OCP code on canonical bids (R022 ... R057) with `[flags] indicators` settings, computed once."""
        results = self.cache.setdefault("results", {})
        if code not in results:
            from features.indicators.canonical import pair_tables
            from features.indicators.config import build
            from features.indicators import REGISTRY

            cfg = build({code: dict(self.settings.indicators.get(code, {}))}, "[flags] indicators")
            shared = self.cache.setdefault("canonical", {})
            if REGISTRY[code].uses_pairs and "pairs" not in shared:
                shared["pairs"] = pair_tables(self.bids)
            results[code] = REGISTRY[code].compute(self.bids, cfg.enabled[code], shared)
        return results[code]

    @property
    def pairs(self) -> pd.DataFrame:
        if self._pairs is None:
            from features.pairs import bid_pairs

            items = self.table("bid_items")
            self._pairs = bid_pairs(self.bids, items if items is not None and len(items) else None)
        return self._pairs


def finding(code: str, article: str, tender_id: str, bidders, evidence: str, value: float = 1.0, level: str = "pair") -> dict:
    bidders = sorted(bidders) if not isinstance(bidders, str) else [bidders]
    return {"code": code, "article": article, "level": level, "tender_id": tender_id, "bidders": ";".join(bidders),
            "value": float(value), "evidence": evidence}


def text(value) -> str | None:
    """A cell as stripped text, None when missing or blank."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return None
    t = str(value).strip()
    return t or None


def same_field_findings(ctx: LegalContext, fields: dict, code: str, article: str, clause: str,
                        generic: dict | None = None, reach: bool = False) -> list[dict]:
    """One finding per tender and bidder pair whose bids carry the same non-generic value in any of `fields`
    ({column: 'words for it'}); the evidence names every shared value. With `reach`, the evidence also says how many
    bidders of the dataset carry the value (an agent with many clients is weaker evidence than one with two)."""
    bp = ctx.pairs
    bids = ctx.bids
    generic = generic or {}
    present = [f for f in fields if f"same_{f}" in bp.columns and f in bids.columns]
    if not present or not len(bp):
        return []
    mask = pd.Series(False, index=bp.index)
    for f in present:
        mask |= bp[f"same_{f}"] == 1
    hits = bp[mask]
    counts = {}
    if reach:
        for f in present:
            t = pd.DataFrame({"v": bids[f].map(text), "b": bids["bidder_id"].astype(str)}).dropna().drop_duplicates()
            counts[f] = t.groupby("v")["b"].size().to_dict()
    out = []
    for row in hits.itertuples(index=False):
        shared = []
        for f in present:
            if getattr(row, f"same_{f}") != 1:
                continue
            value = text(bids[f].iloc[row.row_a])
            if value is None or value in generic.get(f, ()):
                continue
            more = f" (who acts for {counts[f].get(value, 0)} bidders in this dataset)" if reach else ""
            shared.append(f"{fields[f]} '{value}'{more}")
        if not shared:
            continue
        a, b = str(row.bidder_a), str(row.bidder_b)
        out.append(finding(code, article, str(row.tender_id), (a, b),
                           f"{clause}: the bids of {a} and {b} in tender {row.tender_id} {_join(shared)}",
                           value=float(len(shared))))
    return out


def generic_values(ctx: LegalContext, fields) -> dict:
    """Per field, the values shared by at least `generic_bidders` distinct bidders, plus the default file authors."""
    bids = ctx.bids
    out = {}
    for f in fields:
        if f not in bids.columns:
            continue
        t = pd.DataFrame({"v": bids[f].map(text), "b": bids["bidder_id"].astype(str)}).dropna()
        n = t.drop_duplicates().groupby("v")["b"].size()
        out[f] = set(n.index[n >= ctx.settings.generic_bidders])
    if "file_creator" in out:
        out["file_creator"] |= set(ctx.settings.generic_values)
    return out


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
