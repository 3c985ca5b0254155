"""Tender screens: statistics of a tender's bid distribution that the bid-rigging screening literature uses to flag collusion.

Definitions (Imhof 2017; Huber & Imhof 2019), over a tender's valid bids with a price, sorted ascending `b1 <= b2 <= ... <= bn`:

| column | definition | defined when |
|---|---|---|
| `n_bids` | number of valid bids with a price | always |
| `cv` | sample sd (ddof=1) / mean | n >= 2, mean > 0 |
| `spd` | (bn - b1) / b1 | n >= 2, b1 > 0 |
| `diffp` | (b2 - b1) / b1 | n >= 2, b1 > 0 |
| `rd` | (b2 - b1) / sd(b2..bn) (ddof=1) | n >= 3, losing bids not all equal |
| `rdnor` | (b2 - b1) / mean adjacent gap over b1..bn = (b2 - b1)(n - 1) / (bn - b1) | n >= 3, bn > b1 |
| `rdalt` | (b2 - b1) / mean adjacent gap over b2..bn = (b2 - b1)(n - 2) / (bn - b2) | n >= 3, bn > b2 |
| `kurt` | bias-corrected sample excess kurtosis (pandas `Series.kurt`) | n >= 4, bids not all equal |
| `skew` | bias-corrected sample skewness (pandas `Series.skew`) | n >= 3, bids not all equal |
| `ks` | Kolmogorov-Smirnov statistic of the bids against the uniform on [b1, bn] (scipy `kstest`) | n >= 2, bn > b1 |

`bid_progressions(bids)` gives, per tender,: whether the sorted bids (or a run of at least 3 consecutive ones) form an arithmetic or a
geometric progression (`arith_run`, `geom_run`: bids in the longest such run, 0 if none; `arithmetic`, `geometric`: the whole set
of at least 3 bids is one; `gap_cv`, `ratio_cv`: coefficient of variation of the adjacent gaps and log-ratios).

Undefined values are missing (NaN), never zero. `rdnor` is identically 1 for two bids, so it is left undefined there.
A bid counts when its `status` is `valid` or missing (all bids count when there is no `status` column) and its price is finite.
Every tender that appears in the input gets a row, with `n_bids` 0 when none of its bids counts.

`tender_screens` is a per-partition function: it needs the bids of whole tenders. `screens_table` is the stage written once
as steps (`features.engine.steps`): tender screens and progressions per tender partition, merged in tender order; then
`relative_screens`, a dataset-level step (ranks and means within a market and year) run per partition of the per-tender
table cut by a hash of its market-year (each market-year whole in one part, its rows in table order), merged back in
table order. With the pandas engine both are one pass over the whole table.

Speed: tender ids are factorised once (sorted), rows grouped by a counting sort, and one parallel Numba kernel walks the
tender segments (`features.evidence._kernels.screens_kernel`); see `benchmarks/screens.py`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from features.evidence import _kernels
from features.evidence.bids import factorize_sorted, group_tenders, prices, require_columns
from features.core.errors import InputError
from features.engine import steps

PROGRESSION_RTOL = 1e-3
SCREENS = ("cv", "spd", "diffp", "rd", "rdnor", "rdalt", "kurt", "skew", "ks")


def tender_screens(bids: pd.DataFrame) -> pd.DataFrame:
    """One row per tender: `tender_id`, `n_bids` and the screens `cv spd diffp rd rdnor rdalt kurt skew ks` (module doc).

    `bids` needs `tender_id` and `price`; `status` is used when present. Rows are sorted by `tender_id` (as text)."""
    require_columns(bids, ("tender_id", "price"), "bids")
    price = prices(bids)
    order, offsets, tenders = group_tenders(bids["tender_id"])
    out = _kernels.screens_kernel(order, offsets, price)
    res = pd.DataFrame(out[:, 1:], columns=list(_kernels.SCREEN_COLUMNS[1:]))
    res.insert(0, "n_bids", out[:, 0].astype(np.int64))
    res.insert(0, "tender_id", tenders.astype(str).to_numpy() if len(tenders) else np.array([], dtype=object))
    return res


def _year(tenders: pd.DataFrame) -> pd.Series | None:
    for col in ("published_at", "deadline_at", "awarded_at"):
        if col in tenders.columns:
            d = pd.to_datetime(tenders[col], errors="coerce")
            if d.notna().any():
                return d.dt.year
    return None


def market_keys(screens: pd.DataFrame, tenders: pd.DataFrame | None = None, market: str | None = None) -> pd.DataFrame:
    """The market-year of each row of `screens` (aligned with it), as `relative_screens` groups by: `tenders[market]`
    when `market` names a column, else `region` x `category` (those present), else one market (`all`); crossed with
    the year of `published_at` (else `deadline_at`, `awarded_at`) when known (-1 when a tender's year is not)."""
    require_columns(screens, ("tender_id",), "screens")
    keys = pd.DataFrame(index=screens.index)
    if tenders is not None and len(tenders):
        require_columns(tenders, ("tender_id",), "tenders")
        if market:
            if market not in tenders.columns:
                raise InputError(f"tenders: market column '{market}' not found (columns: {', '.join(map(str, tenders.columns))})")
            cols = [market]
        else:
            cols = [c for c in ("region", "category") if c in tenders.columns]
        t = tenders.drop_duplicates("tender_id").set_index(tenders.drop_duplicates("tender_id")["tender_id"].astype(str))
        key_tid = screens["tender_id"].astype(str)
        for c in cols:
            keys[c] = key_tid.map(t[c].astype("string")).fillna("").to_numpy()
        year = _year(t)
        if year is not None:
            keys["year"] = key_tid.map(year).fillna(-1).to_numpy()
    elif market:
        raise InputError(f"market column '{market}' needs the tenders table")
    if keys.shape[1] == 0:
        keys["all"] = 0
    return keys


def relative_by_keys(screens: pd.DataFrame, keys: pd.DataFrame, columns=SCREENS) -> pd.DataFrame:
    """`relative_screens` given the market-year `keys` (`market_keys`, aligned with `screens`): every number is computed
    within one market-year, so any split of the rows that keeps each market-year whole gives the same values."""
    out = screens.copy()
    g = out.groupby([keys[c] for c in keys.columns], sort=False, dropna=False)
    for c in columns:
        if c not in out.columns:
            continue
        out[f"{c}_rank"] = g[c].rank(pct=True)
        out[f"{c}_dm"] = out[c] - g[c].transform("mean")
    out["market_n"] = g["tender_id"].transform("size").to_numpy()
    return out


def relative_screens(screens: pd.DataFrame, tenders: pd.DataFrame | None = None, market: str | None = None,
                     columns=SCREENS, eng=None) -> pd.DataFrame:
    """Market-relative screens for models that must transfer between markets.

    The market of a tender is `tenders[market]` when `market` names a column, else `region` x `category` (those present), else
    the whole dataset; it is crossed with the year of `published_at` (else `deadline_at`, `awarded_at`) when known.
    For each screen `c` adds `c_rank` (percentile rank in (0, 1] within market-year, NaN stays NaN) and `c_dm` (the screen minus
    its market-year mean). Returns a copy of `screens` with the new columns and `market_n` (tenders in the market-year).
    Runs on `eng` (default: the current engine) per partition of the market-years (`steps.map_rows`)."""
    keys = market_keys(screens, tenders, market)
    text = keys.iloc[:, 0].astype(str)
    for c in keys.columns[1:]:
        text = text + "\x1f" + keys[c].astype(str)
    named = keys.set_axis([_KEY + str(c) for c in keys.columns], axis=1)
    frame = pd.concat([screens, named], axis=1)
    out = steps.map_rows(_relative_part, frame, text, list(named.columns), columns, eng=eng,
                         label="market-relative screens")
    out.index = screens.index
    return out


_KEY = "\x00market:"


def _relative_part(frame: pd.DataFrame, key_columns: list, columns) -> pd.DataFrame:
    """`relative_by_keys` of a part holding whole market-years, its key columns carried alongside (`_KEY` names)."""
    keys = frame[key_columns].set_axis([c[len(_KEY):] for c in key_columns], axis=1)
    return relative_by_keys(frame.drop(columns=key_columns), keys, columns)


def bid_progressions(bids: pd.DataFrame, *, rtol: float = PROGRESSION_RTOL, valid_only: bool = True) -> pd.DataFrame:
    """Per tender: `n_bids`, `gap_cv`, `ratio_cv`, `arith_run`, `geom_run`, `arithmetic`, `geometric` (module doc).

    Two adjacent gaps (or log-ratios) are equal when they differ by at most `rtol` times the larger one."""
    require_columns(bids, ("tender_id", "price"), "bids")
    if not (0 <= rtol < 1):
        raise ValueError(f"rtol must be in [0, 1); got {rtol!r}.")
    price = prices(bids, valid_only=valid_only)
    tcode, tenders = factorize_sorted(bids["tender_id"])
    order, offsets = _kernels.group_order(tcode, len(tenders))
    out = _kernels.progressions_kernel(order, offsets, price, float(rtol))
    res = pd.DataFrame(out, columns=list(_kernels.PROGRESSION_COLUMNS))
    for c in ("n_bids", "arith_run", "geom_run"):
        res[c] = res[c].astype(np.int64)
    res["arithmetic"] = (res["n_bids"] >= 3) & (res["arith_run"] == res["n_bids"])
    res["geometric"] = (res["n_bids"] >= 3) & (res["geom_run"] == res["n_bids"])
    res.insert(0, "tender_id", tenders.astype(str).to_numpy())
    return res


def _screens_part(bids: pd.DataFrame, progression_rtol: float) -> pd.DataFrame:
    """The map step: `tender_screens` and the `bid_progressions` columns of one tender partition."""
    table = tender_screens(bids)
    prog = bid_progressions(bids, rtol=progression_rtol).drop(columns="n_bids")
    return table.merge(prog, on="tender_id", how="left")


def _in_tender_order(parts: list) -> pd.DataFrame:
    """The finalize step: the partitions' tables in tender order (as text), as one pass sorts them."""
    return steps.merge(parts, sort=["tender_id"]).reset_index(drop=True)


SCREEN_STEPS = steps.Steps(map=_screens_part, finalize=_in_tender_order, label="screens")


def screens_table(bids: pd.DataFrame, tenders: pd.DataFrame | None = None, market: str | None = None,
                  progression_rtol: float = PROGRESSION_RTOL, eng=None) -> pd.DataFrame:
    """What `riskmodels collusion screens` writes: `tender_screens`, the bid-progression columns of
    `bid_progressions` (`gap_cv`, `ratio_cv`, `arith_run`, `geom_run`, `arithmetic`, `geometric`) and, when
    `tenders` is given, the market-relative screens of `relative_screens`. Runs on `eng` (default: the current engine)
    per tender partition (`SCREEN_STEPS`)."""
    from features import engine

    eng = eng or engine.current()
    table = steps.run(SCREEN_STEPS, steps.made_split("tender_id", bids, eng=eng), progression_rtol, eng=eng)
    if tenders is not None:
        table = relative_screens(table, tenders, market=market, eng=eng)
    return table


def screens_with_settings(bids: pd.DataFrame, tenders: pd.DataFrame | None, settings, market: str | None = None,
                          eng=None) -> pd.DataFrame:
    """`screens_table` as `riskmodels collusion screens` and the demo compute it: market-relative screens when
    `[screens] relative`, the market column `market` or else `[screens] market`, the `[pairs] progression_rtol`."""
    return screens_table(bids, tenders if settings.screens.relative else None, market=market or settings.screens.market or None,
                         progression_rtol=settings.pairs.progression_rtol, eng=eng)
