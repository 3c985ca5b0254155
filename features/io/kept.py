"""A validated table kept on the workers: its parts stay where they were validated, and only what a stage asks for comes
back to the driver.

On a parallel engine `features.io.dataset.load_dataset` keeps the per-firm record tables (`KEPT`: credit events and
inspections, the bulk of a province's rows) this way instead of merging them in the driver. A `KeptTable` holds, per part,
a handle of its accepted rows (in file order within the part), a handle of their row numbers in the file, and here the
part's distinct key values (which firms it holds). Stages that know parts read them in place:

- `map_parts(fn, tables, *args)`: `fn(part k of each table, *args)` for every k, on the workers, results in part order
  (the per-firm stages: credit features, list entries, record facts);
- `part_map(tables)`: which part holds each firm, when the tables are split alike (part k of each holds the same firms
  and no firm is in two parts), else None;
- `KeptTable.collect()`: the whole table in the driver, exactly as a one-pass load gives it (rows in file order), for a
  stage that needs it whole (the inspection draw).

It assumes the parts' handles stay valid while the engine that made them runs (the Dask client keeps their futures).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# the per-firm record tables a parallel engine keeps on its workers (the others are small or read across firms)
KEPT = ("credit_events", "inspections")


@dataclass
class KeptTable:
    """A prepared table as parts on the workers of `eng` (module doc)."""

    name: str
    key: str
    parts: list  # handles of each part's accepted rows (a DataFrame, file order within the part)
    rows: list  # handles of each part's row numbers in the file (what restores file order)
    keys: list  # per part, its distinct key values as text (here, in the driver)
    sizes: list  # rows per part
    meta: pd.DataFrame  # no rows: the table's columns (with the first part's dtypes)
    eng: object

    def __len__(self) -> int:
        return int(sum(self.sizes))

    @property
    def n(self) -> int:
        return len(self.parts)

    @property
    def columns(self) -> pd.Index:
        return self.meta.columns

    def collect(self, columns: list | None = None, between: tuple | None = None) -> pd.DataFrame:
        """The whole table here, as a one-pass load gives it (rows in file order, the dtypes of the parts that hold
        values); `columns`: only these; `between` (column, first, last): only the rows whose `column`, read as a date,
        lies from `first` to `last` (both cut on the workers before anything moves)."""
        from features.engine.steps import merge

        if between is None:
            parts = self.parts if columns is None else self.eng.pick(_columns, self.parts, list(columns))
            frames, rows = self.eng.fetch(parts), self.eng.fetch(self.rows)
        else:
            cut = [self.eng.pick(_window, [p], r, columns, between)[0] for p, r in zip(self.parts, self.rows)]
            got = self.eng.fetch(cut)
            frames, rows = [g[0] for g in got], [g[1] for g in got]
        if not frames:
            return self.meta if columns is None else self.meta[list(columns)]
        return merge(frames, rows=rows).reset_index(drop=True)


def _columns(frame: pd.DataFrame, columns: list) -> pd.DataFrame:
    return frame[columns]


def _window(frame: pd.DataFrame, rows, columns: list | None, between: tuple) -> tuple:
    """(the rows of `frame` whose date column lies in the window, their row numbers), `columns` only when given."""
    column, first, last = between
    when = pd.to_datetime(frame[column], errors="coerce")
    keep = ((when >= first) & (when <= last)).to_numpy()
    return (frame if columns is None else frame[columns])[keep], np.asarray(rows)[keep]


def map_parts(fn, tables: list, *args, label: str = "", eng=None) -> list:
    """`fn(part k of each table, *args)` for each part k, on the workers (a table may be None: its part is None), results
    in part order. The tables must have the same number of parts."""
    live = [t for t in tables if t is not None]
    if not live:
        return []
    n = live[0].n
    if any(t.n != n for t in live):
        raise ValueError("map_parts: the tables have different numbers of parts")
    eng = eng or live[0].eng
    calls = [(fn, (*[None if t is None else t.parts[k] for t in tables], *args), None) for k in range(n)]
    return eng.submit_many(calls, label=label)


def part_map(tables: list) -> pd.Series | None:
    """Firm (key as text) -> the part that holds its rows in every one of `tables`, when they are split alike: the same
    number of parts, no firm in two parts of one table, and a firm in part k of one table in part k of the others;
    else None (the caller then takes the tables whole)."""
    live = [t for t in tables if t is not None]
    if not live or any(t.n != live[0].n for t in live):
        return None
    where = None
    for t in live:
        ids = np.concatenate([np.asarray(k, dtype=object) for k in t.keys]) if t.keys else np.array([], dtype=object)
        part = np.concatenate([np.full(len(k), i, dtype=np.int64) for i, k in enumerate(t.keys)]) if t.keys else \
            np.array([], dtype=np.int64)
        s = pd.Series(part, index=pd.Index(ids, dtype=object))
        if s.index.has_duplicates:
            return None
        if where is not None:
            both = where.index.intersection(s.index)
            if not (where.reindex(both).to_numpy() == s.reindex(both).to_numpy()).all():
                return None
            s = pd.concat([where, s[~s.index.isin(where.index)]])
        where = s
    return where


def parts_of(keys: pd.Series, where: pd.Series, n: int) -> np.ndarray:
    """The part of each key value (as text): where `where` puts it, else (a firm with no rows in the kept tables) by
    the stable hash of `features.engine.partition`, so every row of one firm lands in one part."""
    from features.engine.partition import partition_of

    text = keys.astype("string").fillna("").astype(object)
    part = where.reindex(pd.Index(text.to_numpy(), dtype=object)).to_numpy(dtype=float, copy=True)
    missing = np.isnan(part)
    if missing.any():
        part[missing] = partition_of(text[missing], n)
    return part.astype(np.int64)


def kept(tables, name: str) -> KeptTable | None:
    """The table `name` of `tables` (a `Dataset`, an `Evidence` or a mapping) when it is kept on the workers."""
    if isinstance(tables, dict):
        t = tables.get(name)
        return t if isinstance(t, KeptTable) else None
    fn = getattr(tables, "kept", None)
    return fn(name) if callable(fn) else None
