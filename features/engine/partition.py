"""How a table is split into partitions, in memory and on disk: one stable hash of the key's text.

- `partition_of(values, n)` / `partition_rows(values, n)` / `split_frame(frame, key, n)`: the partition of each value (a
  stable 64-bit hash of its text mod n, the same in every process and run), the row positions of each partition, and a
  frame cut into them (rows keep their order). The engines split tables with these.
- `KEYS`, `key_header`: the key each canonical table is partitioned by (`tender_id`, `enterprise_id`).
- `partition_dataset`: `riskmodels data partition DIR --out DIR2 [--partitions N]`, a dataset written as Parquet partitions.

Tender tables (tenders, bids, bid_items) are split by a hash of `tender_id`, enterprise tables (enterprises,
shareholders, credit_events, inspections, roster, credit_labels) by a hash of `enterprise_id`, with `partition_of` (the
hash the Dask engine splits tables with in memory): part k of every tender table holds
the same tenders, part k of every enterprise table the same firms. Each table becomes a folder `NAME/part-00000.parquet`
... that `features.io.dataset.load_dataset` (so every command) reads like `NAME.csv`. Other tables (inspectors) become one
part; other files and folders (such as the simulator's `truth/`) are copied unchanged.

The cells are written as read (CSV cells as text, Parquet columns with their types; before validation), so validating the partitioned dataset accepts and rejects the
same rows as the original; only the row numbers of rejects count within a part. `partitions.json` records the split.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from features.core.errors import InputError
from features.io.export import check_apart, note_input

ROWS_PER_PART = 1_000_000
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
    part = partition_of(values, n)
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


def key_header(raw, table, mapping: dict | None) -> str | None:
    """The header of `raw.frame` that becomes the table's partition key (`KEYS`), or None (not partitioned / absent)."""
    from features.io.prepare import canonical_names

    key = KEYS.get(table.name)
    names = canonical_names(list(raw.frame.columns), table, mapping or {}, raw.label)
    return next((src for src, dst in names.items() if dst == key), None) if key else None


def partition_dataset(src, out, partitions: int | None = None, settings=None, force: bool = False) -> dict:
    """Write the dataset in `src` to `out` as hash partitions (module doc); returns {table: {"rows", "parts", "key"}}.

    `partitions`: parts per partitioned table (default: one per million rows of the largest table). `out` must not
    exist unless `force`; it is written whole (to a temporary folder, then renamed) or not at all."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from features.io.dataset import find_tables
    from features.io.read import read_raw
    from features.io.schema import TABLES
    from features.core.settings import Settings

    settings = settings or Settings()
    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise InputError(f"{src}: no such directory")
    if partitions is not None and partitions < 1:
        raise InputError(f"--partitions must be 1 or more; got {partitions}")
    if out.exists() and not force:
        raise InputError(f"{out}: already exists (use --force to replace it)")
    note_input(src, "dataset")
    check_apart(out, folder=True)  # not the dataset, not inside it, not a folder holding it
    found = find_tables(src)
    if not found:
        raise InputError(f"{src}: no canonical tables found (expected files such as tenders.csv, bids.csv)")
    raw = {name: read_raw(path, max_field=settings.validate.max_field_bytes) for name, path in found.items()}
    if partitions is None:
        partitions = max(1, -(-max(len(r.frame) for r in raw.values()) // ROWS_PER_PART))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))  # a fresh name, never a planted one
    report = {}
    try:
        for name, r in raw.items():
            frame = r.frame
            folder = tmp / name
            folder.mkdir()
            key = KEYS.get(name)
            schema = pa.Schema.from_pandas(frame, preserve_index=False)
            if key is None:
                parts = [frame]
            else:
                col = key_header(r, TABLES[name], getattr(settings.columns, name, {}) or {})
                if col is None:
                    raise InputError(f"{r.label}: no '{key}' column to partition by "
                                     f"(columns: {', '.join(map(str, frame.columns))})")
                part = partition_of(frame[col], partitions)
                parts = [frame[part == k] for k in range(partitions)]
            for k, p in enumerate(parts):
                table = pa.Table.from_pandas(p, schema=schema, preserve_index=False)
                pq.write_table(table, folder / f"part-{k:05d}.parquet")
            report[name] = {"rows": int(len(frame)), "parts": len(parts), "key": key}
        for entry in src.iterdir():
            if entry in found.values() or entry.name.startswith("."):
                continue
            if entry.is_dir():
                shutil.copytree(entry, tmp / entry.name)
            elif entry.is_file():
                shutil.copy2(entry, tmp / entry.name)
        (tmp / "partitions.json").write_text(json.dumps(
            {"partitions": partitions, "hash": "pandas.util.hash_array(text of the key) mod partitions",
             "tables": report}, indent=1) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return report
