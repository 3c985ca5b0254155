"""The shared context of the legal flags: the dataset's tables, the pair evidence computed once, and the finding rows."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

EVIDENCE_COLUMNS = ["code", "article", "level", "tender_id", "bidders", "value", "evidence"]


@dataclass
class LegalContext:
    """Tables of one dataset (`bids` required; `bid_items`, `enterprises`, `shareholders` when present) and settings.

    `pairs` (features.evidence.pairs.bid_pairs over all bids, with bill items when present) is computed on first use, once.
    `facts` holds what a flag would otherwise read from every bid of the dataset when the context sees only a partition
    of its tenders (`features.partitioned_flags`): "bidders_per_value" ({field: value -> distinct bidders}, every value
    that can matter) and "registry_ties" (A34's legal representatives and controllers); empty: computed from `bids`."""

    tables: dict
    settings: object  # features.core.settings.FlagsSettings
    _pairs: pd.DataFrame | None = None
    cache: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)

    @property
    def bids(self) -> pd.DataFrame:
        return self.tables["bids"]

    def table(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def canonical(self, code: str):
        """The `FlagResult` of an OCP code on canonical bids (R022 ... R057) with `[flags] indicators` settings, computed once."""
        results = self.cache.setdefault("results", {})
        if code not in results:
            from features.evidence.indicators.canonical import pair_tables
            from features.evidence.indicators.config import build
            from features.evidence.indicators import REGISTRY

            cfg = build({code: dict(self.settings.indicators.get(code, {}))}, "[flags] indicators")
            shared = self.cache.setdefault("canonical", {})
            if REGISTRY[code].uses_pairs and "pairs" not in shared:
                shared["pairs"] = pair_tables(self.bids)
            results[code] = REGISTRY[code].compute(self.bids, cfg.enabled[code], shared)
        return results[code]

    @property
    def pairs(self) -> pd.DataFrame:
        if self._pairs is None:
            from features.evidence.pairs import bid_pairs

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
    counts = {f: bidders_per_value(ctx, f) for f in present} if reach else {}
    rows_a = hits["row_a"].to_numpy()
    values = {f: texts(bids[f].iloc[rows_a]).to_numpy() for f in present}  # the shared values, read once per field
    out = []
    for k, row in enumerate(hits.itertuples(index=False)):
        shared = []
        for f in present:
            if getattr(row, f"same_{f}") != 1:
                continue
            value = values[f][k]
            if value is None or value in generic.get(f, ()):
                continue
            more = f" (who acts for {int(counts[f].get(value, 0))} bidders in this dataset)" if reach else ""
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
    out = {}
    for f in fields:
        if f not in ctx.bids.columns:
            continue
        n = bidders_per_value(ctx, f)
        out[f] = set(n.index[n >= ctx.settings.generic_bidders])
    if "file_creator" in out:
        out["file_creator"] |= set(ctx.settings.generic_values)
    return out


def texts(s: pd.Series) -> pd.Series:
    """`text` of every cell (computed once per distinct value; None for missing or blank)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = np.array([text(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=s.index, dtype=object)


def value_bidders(bids: pd.DataFrame, f: str) -> pd.DataFrame:
    """The distinct (value `v` as `text`, bidder `b` as text) of column `f` of `bids`, blank values left out."""
    t = pd.DataFrame({"v": texts(bids[f]), "b": bids["bidder_id"].astype(str).to_numpy()})
    return t[t["v"].notna()].drop_duplicates().reset_index(drop=True)


def bidders_per_value(ctx: LegalContext, f: str) -> pd.Series:
    """Distinct bidders of the dataset carrying each value of bid column `f` (value -> count): the context's `facts`
    when given (a partition of the tenders does not see every bid), else counted over `ctx.bids`."""
    given = ctx.facts.get("bidders_per_value", {})
    if f in given:
        return given[f]
    cache = ctx.cache.setdefault("bidders_per_value", {})
    if f not in cache:
        cache[f] = value_bidders(ctx.bids, f).groupby("v")["b"].size()
    return cache[f]


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
