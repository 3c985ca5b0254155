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

Undefined values are missing (NaN), never zero. `rdnor` is identically 1 for two bids, so it is left undefined there.
A bid counts when its `status` is `valid` or missing (all bids count when there is no `status` column) and its price is finite.
Every tender that appears in the input gets a row, with `n_bids` 0 when none of its bids counts.

`tender_screens` is a per-partition function: it needs the bids of whole tenders, so it runs unchanged on each partition of a
Dask frame partitioned by `tender_id`. `relative_screens` is a dataset-level step (ranks and means within a market and year).

Speed: tender ids are factorised once (sorted), rows grouped by a counting sort, and one parallel Numba kernel walks the
tender segments (`features._kernels.screens_kernel`); see `benchmarks/screens.py`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features import _kernels
from features.errors import InputError

SCREENS = ("cv", "spd", "diffp", "rd", "rdnor", "rdalt", "kurt", "skew", "ks")


def _require(frame: pd.DataFrame, columns, what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame; got {type(frame).__name__!r}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{what}: missing column(s) {', '.join(missing)}")


def valid_mask(bids: pd.DataFrame) -> np.ndarray:
    """True for bids that count: `status` valid or missing (every bid when there is no `status` column)."""
    if "status" not in bids.columns:
        return np.ones(len(bids), dtype=bool)
    st = bids["status"]
    return (st.isna() | (st.astype("string").str.strip().str.lower() == "valid")).to_numpy(dtype=bool, na_value=True)


def prices(bids: pd.DataFrame, valid_only: bool = True) -> np.ndarray:
    """Bid prices as contiguous float64, NaN where missing, not numeric or (with valid_only) not a valid bid."""
    p = pd.to_numeric(bids["price"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    p = np.ascontiguousarray(p)
    if valid_only and "status" in bids.columns:
        p = np.where(valid_mask(bids), p, np.nan)
    return p


def as_text(s: pd.Series) -> pd.Series:
    """Ids as text with missing values kept missing (ints become their decimal text)."""
    if isinstance(s.dtype, pd.StringDtype):
        return s
    return s.astype("string")


def group_tenders(tender_id: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Group rows by tender: (order, offsets, tender ids). Rows of tender s are order[offsets[s]:offsets[s+1]];
    tender ids are sorted as strings; rows without a tender id are left out."""
    codes, uniques = factorize_sorted(tender_id)
    order, offsets = _kernels.group_order(codes, len(uniques))
    return order, offsets, uniques


def _arrow_text(s: pd.Series) -> pa.Array:
    """A text series as one Arrow string array (no copy for Arrow-backed strings in one chunk)."""
    arr = s.array.__arrow_array__() if hasattr(s.array, "__arrow_array__") else pa.array(s, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.chunk(0) if arr.num_chunks == 1 else arr.combine_chunks()
    return arr


def factorize_sorted(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(int64 codes, uniques sorted as text); missing ids get code -1. Faster than `pd.factorize(sort=True)`: Arrow
    dictionary-encodes the ids and sorts only the uniques (UTF-8 byte order = code point order, as Python compares).
    When equal ids come in runs (bids listed tender by tender), only the first id of each run is hashed."""
    s = as_text(ids)
    arr = _arrow_text(s)
    n = len(arr)
    heads = None
    if n > 1:
        probe = arr.slice(0, 4096)
        m = len(probe)
        changes = pc.sum(pc.not_equal(probe.slice(1), probe.slice(0, m - 1))).as_py() or 0
        if changes < m // 2:
            ne = pc.fill_null(pc.not_equal(arr.slice(1), arr.slice(0, n - 1)), True)  # missing ids start runs
            heads = np.flatnonzero(np.r_[True, ne.to_numpy(zero_copy_only=False)])
            arr = arr.take(pa.array(heads))
    enc = pc.dictionary_encode(arr)
    uniques = enc.dictionary
    perm = pc.array_sort_indices(uniques).to_numpy()
    rank = np.empty(len(perm) + 1, dtype=np.int64)
    rank[perm] = np.arange(len(perm))
    rank[-1] = -1  # code -1 (missing) stays -1
    codes = rank[pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)]
    if heads is not None:
        codes = np.repeat(codes, np.diff(np.append(heads, n)))
    return np.ascontiguousarray(codes), pd.Index(pd.array(uniques.take(pa.array(perm)), dtype=s.dtype), name=ids.name)


def tender_screens(bids: pd.DataFrame) -> pd.DataFrame:
    """One row per tender: `tender_id`, `n_bids` and the screens `cv spd diffp rd rdnor rdalt kurt skew ks` (module doc).

    `bids` needs `tender_id` and `price`; `status` is used when present. Rows are sorted by `tender_id` (as text)."""
    _require(bids, ("tender_id", "price"), "bids")
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


def relative_screens(screens: pd.DataFrame, tenders: pd.DataFrame | None = None, market: str | None = None,
                     columns=SCREENS) -> pd.DataFrame:
    """Market-relative screens for models that must transfer between markets.

    The market of a tender is `tenders[market]` when `market` names a column, else `region` x `category` (those present), else
    the whole dataset; it is crossed with the year of `published_at` (else `deadline_at`, `awarded_at`) when known.
    For each screen `c` adds `c_rank` (percentile rank in (0, 1] within market-year, NaN stays NaN) and `c_dm` (the screen minus
    its market-year mean). Returns a copy of `screens` with the new columns and `market_n` (tenders in the market-year)."""
    _require(screens, ("tender_id",), "screens")
    out = screens.copy()
    keys = pd.DataFrame(index=out.index)
    if tenders is not None and len(tenders):
        _require(tenders, ("tender_id",), "tenders")
        if market:
            if market not in tenders.columns:
                raise InputError(f"tenders: market column '{market}' not found (columns: {', '.join(map(str, tenders.columns))})")
            cols = [market]
        else:
            cols = [c for c in ("region", "category") if c in tenders.columns]
        t = tenders.drop_duplicates("tender_id").set_index(tenders.drop_duplicates("tender_id")["tender_id"].astype(str))
        key_tid = out["tender_id"].astype(str)
        for c in cols:
            keys[c] = key_tid.map(t[c].astype("string")).fillna("").to_numpy()
        year = _year(t)
        if year is not None:
            keys["year"] = key_tid.map(year).fillna(-1).to_numpy()
    elif market:
        raise InputError(f"market column '{market}' needs the tenders table")
    if keys.shape[1] == 0:
        keys["all"] = 0
    g = out.groupby([keys[c] for c in keys.columns], sort=False, dropna=False)
    for c in columns:
        if c not in out.columns:
            continue
        out[f"{c}_rank"] = g[c].rank(pct=True)
        out[f"{c}_dm"] = out[c] - g[c].transform("mean")
    out["market_n"] = g["tender_id"].transform("size").to_numpy()
    return out


def screens_table(bids: pd.DataFrame, tenders: pd.DataFrame | None = None, market: str | None = None,
                  progression_rtol: float = 1e-3) -> pd.DataFrame:
    """What `riskmodels collusion screens` writes: `tender_screens`, the bid-progression columns of
    `features.pairs.bid_progressions` (`gap_cv`, `ratio_cv`, `arith_run`, `geom_run`, `arithmetic`, `geometric`) and, when
    `tenders` is given, the market-relative screens of `relative_screens`."""
    from features.pairs import bid_progressions

    table = tender_screens(bids)
    prog = bid_progressions(bids, rtol=progression_rtol).drop(columns="n_bids")
    table = table.merge(prog, on="tender_id", how="left")
    if tenders is not None:
        table = relative_screens(table, tenders, market=market)
    return table
