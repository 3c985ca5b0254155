"""Scoring any batch with a trained tender model: what a feature needs from the data, and the market statistics a model
keeps from training so that a tender's score does not depend on which other tenders are scored with it.

A tender's features are of three kinds (docs/evaluation.md, "Scoring a batch"):
- **its own**: the screens, the auction facts, its bid pairs and the red flags that look inside one tender (A34,
  A40.1-A40.6, R022, R029, R034). A flag that ran and found nothing is 0 findings (`flag_<code>` = 0), not a missing
  feature; it is missing only when the flag did not run (not in `[flags] enabled`) or when what it reads is absent
  from the data (`FLAG_INPUTS`: e.g. A34 without the enterprises and shareholders tables): `unbuildable` names those.
- **market-relative**: `<column>_rank` (position within market and year) and `<column>_dm` (minus the market-year
  mean) of `RELATIVE` columns. Computed within the scored data they change with the batch. `market_statistics` keeps,
  for each training market, every market-year's (and market segment's, and the whole market's) distribution of those
  columns; `apply_market_statistics` positions a batch's tenders in them instead, so a tender scored alone or with its
  whole market gets the same values. On a market the model was not trained on they are computed within the scored data
  (the point of them is to rank within the market).
- **cross-tender**: the pattern flags (A39, R023, R053, R057), graph features (bidder groups) and the "generic value"
  filter of A40.1 (a value shared by many bidders of the data) look across the scored tenders: a small batch sees fewer
  patterns than its whole market. They are not made batch-independent here; the docs say so.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodels.collusion.composite import (composite_frame, composite_score, default_direction, evidence_columns,
                                            market_positions)
from riskmodels.collusion.reasons import base_name
from riskmodels.collusion.tables import AUCTION, PAIR_PRICE, _market_tenders

GRID = 257  # a distribution with more values is kept as this many quantiles (positions then interpolate between them)
MIN_SEGMENT = 30  # a market-year or segment with fewer training tenders is positioned in the coarser level instead
GRAPH_FEATURES = ("group_share", "group_score", "max_relation", "tied_pairs")

# what each red flag reads beyond bids.price: alternatives of (table, column or None for the whole table); a flag
# whose every alternative is absent cannot be computed on the data (its count is unknown, not 0). Flags not listed
# (A39, A40.4 and the R0NN codes) read the bids' prices and bidders only.
FLAG_INPUTS = {
    "A34": (("enterprises", "legal_rep_id"), ("shareholders", None)),
    "A40.1": tuple(("bids", c) for c in ("file_creator", "device_id", "mac", "ip", "ca_serial")),
    "A40.2": (("bids", "agent_id"),),
    "A40.3": (("bids", "project_manager_id"),),
    "A40.6": (("bids", "deposit_account"),),
}


def relative_columns() -> tuple[str, ...]:
    """The columns whose market-relative versions (`_rank`, `_dm`) the tender table carries."""
    from features.evidence.screens import SCREENS

    return (*SCREENS, *AUCTION, "n_bids", *PAIR_PRICE)


def _reference(v: np.ndarray) -> dict | None:
    v = np.sort(v[~np.isnan(v)])
    if not len(v):
        return None
    if len(v) <= GRID:
        return {"n": int(len(v)), "values": v, "exact": True, "mean": float(v.mean())}
    return {"n": int(len(v)), "values": np.quantile(v, np.linspace(0.0, 1.0, GRID)), "exact": False,
            "mean": float(v.mean())}


def _position(ref: dict, v: np.ndarray) -> np.ndarray:
    """Position in (0, 1] of each value in a kept distribution; for a value of an exact reference it equals the
    percentile rank (ties averaged) the value had among the training tenders, as `relative_screens` computed it."""
    out = np.full(len(v), np.nan)
    ok = ~np.isnan(v)
    vals = ref["values"]
    if ref["exact"]:
        lo = np.searchsorted(vals, v[ok], side="left")
        hi = np.searchsorted(vals, v[ok], side="right")
        out[ok] = (lo + hi + 1) / (2.0 * ref["n"])
    else:  # between quantiles: interpolated; on quantiles (ties): the middle of the levels they span
        levels = np.linspace(0.0, 1.0, len(vals))
        x = v[ok]
        lo, hi = np.searchsorted(vals, x, side="left"), np.searchsorted(vals, x, side="right")
        on = hi > lo
        pos = np.interp(x, vals, levels)
        pos[on] = (levels[lo[on]] + levels[hi[on] - 1]) / 2.0
        out[ok] = pos
    return np.clip(out, 0.5 / ref["n"], 1.0)


def _keys(table: pd.DataFrame, tenders: pd.DataFrame | None) -> pd.DataFrame:
    from features.evidence.screens import market_keys

    return market_keys(table, _market_tenders(tenders, None))


def _key_strings(keys: pd.DataFrame, columns) -> np.ndarray:
    if not columns:
        return np.full(len(keys), "", dtype=object)
    return keys[list(columns)].astype(str).agg("|".join, axis=1).to_numpy(dtype=object)


def market_statistics(table: pd.DataFrame, tenders: pd.DataFrame | None) -> dict:
    """The distributions of the `RELATIVE` columns of one market's tender table (as `tender_table` built it from the
    market's `tenders`), at three levels: each market-year, each segment (the market key without the year: region x
    category, or the `all` market), and the whole market. Levels with fewer than MIN_SEGMENT tenders are not kept."""
    keys = _keys(table, tenders)
    cols = [c for c in relative_columns() if c in table.columns]
    full = list(keys.columns)
    seg = [c for c in full if c != "year"]
    stats = {"key_columns": full, "levels": {}}
    for level, by in (("market_year", full), ("segment", seg)):
        ks = _key_strings(keys, by)
        kept = {}
        for k in pd.unique(ks):
            sel = ks == k
            if sel.sum() < MIN_SEGMENT:
                continue
            kept[str(k)] = {c: r for c in cols if (r := _reference(table.loc[sel, c].to_numpy(dtype=float)))}
        stats["levels"][level] = kept
    stats["levels"]["market"] = {c: r for c in cols if (r := _reference(table[c].to_numpy(dtype=float)))}
    stats["evidence"] = evidence_reference(table)
    return stats


def evidence_reference(table: pd.DataFrame) -> dict | None:
    """What a training market's evidence strength is positioned against (`positioned_strength`): per evidence column
    of the no-model score (`composite.composite_frame`), its distribution in the market (at most GRID quantiles), its
    direction and weight; None when the market has no evidence that varies."""
    X, weights = composite_frame(table)
    if X.shape[1] == 0:
        return None
    cols = list(X.columns)
    ref = []
    for c in cols:
        v = np.sort(X[c].to_numpy(dtype=float))
        v = v[~np.isnan(v)]
        ref.append(np.quantile(v, np.linspace(0.0, 1.0, GRID)) if len(v) > GRID else v)
    return {"columns": cols, "reference": ref, "directions": [default_direction(c) for c in cols],
            "weights": [float(weights.get(c, 1.0)) for c in cols]}


def positioned_strength(table: pd.DataFrame, ref: dict) -> np.ndarray:
    """The evidence strength (0-1) of each tender of `table` positioned in its training market's kept distributions
    (`evidence_reference`) instead of among the tenders scored with it, so that it does not depend on the batch (as far
    as its columns do not: the pattern flags look across the scored tenders)."""
    t = evidence_columns(table)  # every column the market had, varying in this batch or not
    Xa = t.reindex(columns=ref["columns"]).to_numpy(dtype=float)
    P = market_positions(Xa, ref["reference"], np.asarray(ref["directions"], dtype=float))
    return composite_score(P, np.asarray(ref["weights"], dtype=float))


def apply_market_statistics(table: pd.DataFrame, tenders: pd.DataFrame | None, stats: dict) -> pd.DataFrame:
    """`table` with its `_rank` and `_dm` columns recomputed against the kept `stats` of a training market
    (`market_statistics`): each tender is positioned in its market-year's distribution when that was kept, else its
    segment's, else the whole market's; it no longer depends on the other tenders of the batch."""
    out = table.copy()
    keys = _keys(table, tenders)
    full = [c for c in stats["key_columns"] if c in keys.columns]
    seg = [c for c in full if c != "year"]
    by_full = _key_strings(keys, full) if full == stats["key_columns"] else np.full(len(out), None, dtype=object)
    by_seg = _key_strings(keys, seg)
    levels = stats["levels"]
    for c in relative_columns():
        if c not in out.columns:
            continue
        v = out[c].to_numpy(dtype=float)
        rank, dm = np.full(len(v), np.nan), np.full(len(v), np.nan)
        done = np.zeros(len(v), dtype=bool)
        for level, ks in (("market_year", by_full), ("segment", by_seg)):
            for k in pd.unique(ks[~done]):
                ref = levels[level].get(str(k), {}).get(c) if k is not None else None
                if ref is None:
                    continue
                sel = (ks == k) & ~done
                rank[sel], dm[sel] = _position(ref, v[sel]), v[sel] - ref["mean"]
                done |= sel
        ref = levels["market"].get(c)
        if ref is not None and (~done).any():
            rank[~done], dm[~done] = _position(ref, v[~done]), v[~done] - ref["mean"]
        out[f"{c}_rank"], out[f"{c}_dm"] = rank, dm
    return out


def flag_codes(settings=None) -> list[str]:
    """The red-flag codes that run with these settings (`[flags] enabled`)."""
    from features.core.settings import Settings

    return list((settings or Settings()).flags.enabled)


def complete_flags(table: pd.DataFrame, codes) -> pd.DataFrame:
    """`table` with a `flag_<code>` column for every code that ran (`codes`) and `n_flags`, 0 where nothing was found:
    a flag that ran and did not fire on a tender is 0 findings, not unknown."""
    out = table.copy()
    for code in codes:
        if f"flag_{code}" not in out.columns:
            out[f"flag_{code}"] = 0.0
    cols = [c for c in out.columns if c.startswith("flag_")] + ["n_flags"]
    for c in cols:
        out[c] = pd.to_numeric(out[c], errors="coerce").fillna(0.0) if c in out.columns else 0.0
    return out


def _present(ds, table: str, column: str | None) -> bool:
    t = ds.get(table)
    if t is None or len(t) == 0:
        return False
    return column is None or (column in t.columns and t[column].notna().any())


def unbuildable(names, table: pd.DataFrame, ds, codes, *, graph_built: bool) -> list[str]:
    """The model's features (`names`) that this dataset cannot give, each with what is missing: a red flag that did
    not run or whose inputs are absent (`FLAG_INPUTS`), graph features without named bidders, and any other column the
    tender table lacks. Values a tender may lack in training too (the bids against the reserve price without one) stay
    missing values, as the model learnt them. A flag that ran on its inputs and found nothing is not here (it is 0)."""
    ran = set(codes or ())
    out = []
    for n in names:
        n = str(n)
        if n.startswith("flag_"):
            code = n.removeprefix("flag_")
            if code not in ran:
                out.append(f"{n} (red flag {code} is not in [flags] enabled)")
                continue
            alts = FLAG_INPUTS.get(code)
            if alts and not any(_present(ds, t, c) for t, c in alts):
                need = " or ".join(f"{t}.{c}" if c else f"table {t}" for t, c in alts)
                out.append(f"{n} (red flag {code} reads {need}, absent from this dataset)")
            continue
        if base_name(n) in GRAPH_FEATURES and n not in table.columns:
            out.append(f"{n} (a graph feature: needs named bidders, bids.bidder_id)" if not graph_built else n)
            continue
        if n not in table.columns:
            out.append(n)
    return out
