"""Column checks and id/price arrays that every bid-level builder shares (screens, pair evidence, red flags).

What a bid is here: a row of the canonical `bids` table. A bid counts when its `status` is `valid` or missing (every bid counts when
there is no `status` column). Ids are handled as text; tender and bidder ids are factorised once, sorted as text, so that every
builder that groups bids by tender sees the tenders in the same order.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.evidence import _kernels
from features.core.errors import InputError


def require_columns(frame: pd.DataFrame, columns, what: str) -> None:
    """Stop with an `InputError` naming the columns of `columns` that `frame` lacks (`what` names the table)."""
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


def arrow_text(s: pd.Series) -> pa.Array:
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
    arr = arrow_text(s)
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


__all__ = ["require_columns", "valid_mask", "prices", "as_text", "group_tenders", "arrow_text", "factorize_sorted"]
