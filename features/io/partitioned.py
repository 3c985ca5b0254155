"""Validation in partitions: a table prepared per hash partition of its key (or per Parquet part of a folder), on the
current engine, with the result of one pass (`features.io.prepare.prepare`).

Validation is written as steps (`features.engine.steps`): the map step prepares one partition (every check is per row,
and identical rows share their key, so duplicates meet in one partition; the reference checks get the accepted ids of
the referenced tables); the finalize step merges the partitions with the one order-restoring merge (accepted rows in
file order, rejects by row, notes added up in the one-pass order, read counts added). With one partition (the pandas
engine) it is `prepare` itself. With `keep` (the per-firm record tables on a parallel engine) the accepted rows stay
on the workers and only the rejects, notes, counts and each part's keys come back (`_kept`: a `KeptTable`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from features import engine as _engine
from features.engine.partition import KEYS
from features.io.prepare import key_header
from features.engine.steps import Steps, merge, run
from features.core.errors import InputError

# --- validation: one table prepared per partition ------------------------------------------------------------------

def _prepare_part(raw, table, validate, mapping, known):
    from features.io.prepare import prepare

    p = prepare(raw, table, validate, mapping, known)
    accepted_rows = raw.rows[~np.isin(raw.rows, p.rejects["row"].to_numpy())]
    return p, accepted_rows


def prepare_split(raw, table, validate, mapping: dict | None = None, known: dict | None = None, eng=None,
                  keep: bool = False, n: int | None = None):
    """`features.io.prepare.prepare` per hash partition of the table's key on `eng` (default: the current engine), with the
    one-pass accepted rows (in file order), rejects (by row), notes (counts added up) and read count. Identical rows
    share their key, so duplicate rows meet in one partition; the reference checks get the accepted ids of the
    referenced tables (`known`). `n`: the number of partitions (default the engine's for the table's rows); `keep`: on
    a parallel engine the accepted rows stay on the workers (`Prepared.frame` a `features.io.kept.KeptTable`)."""
    from features.io.read import RawTable
    from features.io.prepare import prepare

    eng = eng or _engine.current()
    header = key_header(raw, table, mapping)
    n = (n or eng.partitions(len(raw.frame))) if header is not None else 1
    if n <= 1 or len(raw.frame) == 0:
        return prepare(raw, table, validate, mapping, known)
    raws = [RawTable(raw.label, raw.frame.iloc[idx].reset_index(drop=True), raw.rows[idx], raw.broken if i == 0 else [],
                     raw.encoding) for i, idx in enumerate(_engine.partition_rows(raw.frame[header], n))]
    if keep and eng.parallel:
        handles = eng.keep(_prepare_part, raws, table, validate, mapping, eng.share(known, keep=False),
                           label=f"validate {table.name}")
        del raws
        return _kept(handles, table, eng)
    return run(PREPARE_STEPS, raws, table, validate, mapping, eng.share(known, keep=False), eng=eng,
               label=f"validate {table.name}")


def _merged(results: list):
    """One `Prepared` from per-partition (`Prepared`, accepted row numbers) results: accepted rows in file order, rejects by
    row, notes added up in the one-pass order, read counts added."""
    # accepted rows in file order (parts of a folder come in file order already); a column all missing in one
    # partition takes the dtype of the partitions that hold it
    frame = merge([r[0].frame for r in results], rows=[r[1] for r in results]).reset_index(drop=True)
    return _assembled(frame, [r[0] for r in results])


def _assembled(frame, prepared: list):
    """One `Prepared` of `frame` (the merged accepted rows, or a `KeptTable` of them) and the partitions' `Prepared`
    results: rejects by row, notes added up in the one-pass order, read counts added."""
    from features.io.prepare import REJECT_COLUMNS, Prepared

    rejects = pd.concat([p.rejects for p in prepared if len(p.rejects)] or [prepared[0].rejects], ignore_index=True)
    rejects = rejects.sort_values("row", kind="stable").reset_index(drop=True)[REJECT_COLUMNS]
    notes: dict = {}
    for p in prepared:
        for nt in p.notes:
            k = (nt["table"], nt["column"], nt["problem"])
            notes[k] = notes.get(k, 0) + nt["count"]
    # in the one-pass order: by column, then "not a number/date" before the other fix of the same column
    pos = {c: i for i, c in enumerate(frame.columns)}
    keys = sorted(notes, key=lambda k: (pos.get(k[1], len(pos)), 0 if k[2].startswith("not ") else 1))
    merged = [{"table": t, "column": c, "problem": p, "count": notes[(t, c, p)]} for t, c, p in keys]
    return Prepared(frame, rejects, merged, sum(p.read for p in prepared))


def parquet_parts(path) -> list | None:
    """The Parquet parts of a table folder (`NAME/part-00000.parquet` ...) in the order a whole-folder read returns their
    rows, or None when `path` is not such a folder (a file, or a folder with anything but Parquet parts in it)."""
    from pathlib import Path

    path = Path(path)
    if not path.is_dir():
        return None
    entries = sorted(path.iterdir())
    parts = [p for p in entries if p.suffix == ".parquet" and p.is_file()]
    return parts if parts and len(parts) == len(entries) else None


def _read_prepare_part(part: tuple, label: str, header: str, table, validate, mapping, known):
    """The map step of a folder: one Parquet part (path, rows before it) read and prepared where the task runs:
    (`Prepared`, accepted row numbers, the part's key values as text). Row numbers count through the whole folder, as a
    whole-folder read numbers them."""
    from features.io.read import RawTable, clean_header

    path, offset = part
    try:
        df = pd.read_parquet(path)
    except Exception as e:  # noqa: BLE001 - pyarrow raises many types for unreadable files
        raise InputError(f"{label}/{path.name}: not a readable Parquet file ({type(e).__name__})") from None
    df.columns = clean_header([str(c) for c in df.columns], label)
    raw = RawTable(label, df.reset_index(drop=True), np.arange(offset + 1, offset + len(df) + 1), [], "parquet")
    keys = df[header].astype("string").fillna("").unique() if header in df.columns else np.array([], dtype=object)
    p, accepted_rows = _prepare_part(raw, table, validate, mapping, known)
    return p, accepted_rows, np.asarray(keys, dtype=object)


def prepare_parts(path, table, validate, mapping: dict | None = None, known: dict | None = None, eng=None,
                  keep: bool = False):
    """`features.io.prepare.prepare` of a table stored as a folder of Parquet parts, each part read and prepared by a task on
    `eng` (the driver never holds the raw table), with the one-pass result; None when this does not apply and the table
    is to be read whole: the engine gives the table one partition, `path` is not a folder of parts, the table has no
    partition key, or one key value appears in two parts (duplicate rows could then span parts). `keep`: the accepted
    rows stay on the workers (`Prepared.frame` a `features.io.kept.KeptTable`)."""
    import pyarrow.parquet as pq

    from features.io.read import RawTable, clean_header

    eng = eng or _engine.current()
    parts = parquet_parts(path)
    if not parts or len(parts) < 2 or table.name not in KEYS:
        return None
    label = parts[0].parent.name
    try:
        sizes = [pq.ParquetFile(p).metadata.num_rows for p in parts]
        columns = clean_header([str(c) for c in pq.read_schema(parts[0]).names], label)
    except Exception:  # noqa: BLE001 - an unreadable part: the whole-folder read names the problem
        return None
    header = key_header(RawTable(label, pd.DataFrame(columns=columns), np.array([], dtype=np.int64), [], "parquet"),
                        table, mapping)
    if header is None or eng.partitions(sum(sizes)) <= 1:
        return None
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).tolist()
    ids = eng.share(known, keep=False)  # not kept: `known` grows as the tables are loaded
    if keep and eng.parallel:
        handles = eng.keep(_read_prepare_part, list(zip(parts, offsets)), label, header, table, validate, mapping, ids,
                           label=f"validate {table.name}")
        return _kept(handles, table, eng, spans=True)
    return run(READ_PREPARE_STEPS, list(zip(parts, offsets)), label, header, table, validate, mapping, ids, eng=eng,
               label=f"validate {table.name}")


def _merged_parts(results: list):
    """The finalize step of a folder: the parts merged (`_merged`), or None when one key value appears in two parts."""
    keys = pd.Series(np.concatenate([r[2] for r in results]))
    if keys.duplicated().any():
        return None
    return _merged([(r[0], r[1]) for r in results])


def _light(result) -> tuple:
    """What of a validated part comes to the driver when its rows stay on the worker: its `Prepared` without rows, the
    number of rows and, for a part of a folder, the key values of all its rows (for `_merged_parts`' check)."""
    from features.io.prepare import Prepared

    p, frame = result[0], result[0].frame
    return Prepared(frame.iloc[:0], p.rejects, p.notes, p.read), len(frame), (result[2] if len(result) > 2 else None)


def _part_keys(result, key: str) -> np.ndarray:
    frame = result[0].frame
    return (frame[key].astype("string").fillna("").unique().to_numpy(dtype=object) if key in frame.columns
            else np.array([], dtype=object))


def _part_frame(result):
    return result[0].frame


def _part_rows(result):
    return np.asarray(result[1])


def _kept(handles: list, table, eng, spans: bool = False):
    """The `Prepared` of a table whose validated parts stay on the workers (`handles`: each part's map result): the
    rejects, notes and counts come here, the rows stay (`features.io.kept.KeptTable`). With `spans` (the parts of a
    folder) None when one key value appears in two parts, as `_merged_parts` decides."""
    from features.io.kept import KeptTable

    light = eng.fetch(eng.pick(_light, handles))
    if spans and pd.Series(np.concatenate([r[2] for r in light])).duplicated().any():
        return None
    key = KEYS[table.name]
    meta = light[0][0].frame  # no rows: the table's columns
    frames, rows = eng.pick(_part_frame, handles), eng.pick(_part_rows, handles)
    kept = KeptTable(table.name, key, frames, rows, eng.fetch(eng.pick(_part_keys, handles, key)),
                     [r[1] for r in light], meta, eng)
    return _assembled(kept, [r[0] for r in light])


PREPARE_STEPS = Steps(map=_prepare_part, finalize=_merged, label="validate")
READ_PREPARE_STEPS = Steps(map=_read_prepare_part, finalize=_merged_parts, label="validate")
