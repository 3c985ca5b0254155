"""A dataset written as Parquet partitions: `riskmodels data partition DIR --out DIR2 [--partitions N]`.

Tender tables (tenders, bids, bid_items) are split by a hash of `tender_id`, enterprise tables (enterprises,
shareholders, credit_events, inspections, roster, credit_labels) by a hash of `enterprise_id`, with the hash of
`features.engine.partition_of` (the one the Dask engine splits tables with in memory): part k of every tender table holds
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

import pyarrow as pa
import pyarrow.parquet as pq

from features.io.dataset import find_tables
from features.engine import partition_of
from features.core.errors import InputError
from features.io.export import check_apart, note_input
from features.io.read import read_raw
from features.partitioned import KEYS, key_header
from features.io.schema import TABLES

ROWS_PER_PART = 1_000_000


def partition_dataset(src, out, partitions: int | None = None, settings=None, force: bool = False) -> dict:
    """Write the dataset in `src` to `out` as hash partitions (module doc); returns {table: {"rows", "parts", "key"}}.

    `partitions`: parts per partitioned table (default: one per million rows of the largest table). `out` must not
    exist unless `force`; it is written whole (to a temporary folder, then renamed) or not at all."""
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
