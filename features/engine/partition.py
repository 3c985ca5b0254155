"""How a table is split into partitions, in memory and on disk: one stable hash of the key's text.

- `partition_of(values, n)` / `partition_rows(values, n)` / `split_frame(frame, key, n)`: the partition of each value (a
  stable 64-bit hash of its text mod n, the same in every process and run), the row positions of each partition, and a
  frame cut into them (rows keep their order). The engines split tables with these.
- `KEYS`: the key each canonical table is partitioned by (`tender_id`, `enterprise_id`; `features.io.prepare.key_header`
  finds its header in a raw table).
- `features.io.split.partition_dataset` writes a dataset as Parquet partitions cut this way (`data partition`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from features.core.errors import InputError

KEYS = {"tenders": "tender_id", "bids": "tender_id", "bid_items": "tender_id", "enterprises": "enterprise_id",
        "shareholders": "enterprise_id", "credit_events": "enterprise_id", "inspections": "enterprise_id",
        "roster": "enterprise_id", "credit_labels": "enterprise_id"}


def partition_of(values: pd.Series, n: int) -> np.ndarray:
    """Partition number (0..n-1) of each value, from a stable 64-bit hash of its text (the same in every process and
    run; missing values hash as the empty text)."""
    if n <= 1:
        return np.zeros(len(values), dtype=np.int64)
    text = values.astype("string").fillna("").astype(object).to_numpy()
    h = pd.util.hash_array(text, categorize=True)
    return (h % np.uint64(n)).astype(np.int64)


def partition_rows(values: pd.Series, n: int) -> list[np.ndarray]:
    """The row positions of each of `n` hash partitions of `values` (as `split_frame` cuts them), ascending."""
    return rows_by_part(partition_of(values, n), n)


def rows_by_part(part: np.ndarray, n: int) -> list[np.ndarray]:
    """The row positions of each part 0..n-1, given each row's part number (ascending within a part)."""
    part = np.asarray(part, dtype=np.int64)
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(n + 1))
    return [order[bounds[i]:bounds[i + 1]] for i in range(n)]


def split_frame(frame: pd.DataFrame, key: str, n: int) -> list[pd.DataFrame]:
    """`frame` as `n` partitions by a hash of `frame[key]` (rows keep their order; a partition may be empty)."""
    if key not in frame.columns:
        raise InputError(f"cannot partition by '{key}': no such column (columns: {', '.join(map(str, frame.columns))})")
    if n <= 1:
        return [frame]
    return [frame.iloc[rows] for rows in partition_rows(frame[key], n)]
