"""Each stage written once, as steps: map per partition, combine, finalize; run by either engine.

A stage describes itself as `Steps`:

- `map(part, *args) -> partial`: one partition of the input (a tender partition of the bids, a block of firms, a run of
  rows). With `extra=True` it returns `(partial, extra)`; the extras come back per partition, in partition order.
- `by`: how partials meet. None: every partial is combined with every other (a reduction). A column name: the partial is a
  frame whose rows are cut into buckets by a hash of that column, so the rows of one key from every partition meet in one
  bucket (a shuffle); a `Ranged` column: cut by ranges of its text instead, so the buckets follow the key's order. A dict {name: column or None}: the partial is a dict of such frames (or other values), each cut
  by its own column; a value whose column is None goes whole to the first bucket, where the values of every partition meet.
- `combine(pieces, *combine_args) -> result`: the pieces of one bucket (or all partials when `by` is None), in partition
  order; it runs once per bucket, so it may judge its keys for good (filter, decide), not only add up.
- `finalize(results, *finalize_args) -> result`: on the driver, over the buckets' results in bucket order (with
  `by` None: over the one combined partial). Default: `merge(results)`.

`run(steps, parts, *args)` (`parts` a list, or `Made` partitions cut in turn: `made_split`) runs them on the current engine: `PandasEngine` in this process, Dask with the maps and the
combines as tasks on the workers and only the combined results coming back. With one partition (the pandas engine) a
stage is `finalize([combine([map(table)])])`: the whole-table computation, so both engines share one formulation. One
partition of a map or a reduction runs in the calling process on either engine (nothing to spread; moving it to a
worker and back would only cost).

`merge(parts, rows=..., sort=...)` is the one order-restoring merge: per-partition results back in the order of one pass
(by the input rows each part came from, or by sort columns), with the dtypes and categories one pass gives. `map_rows`
is the common case of a stage whose result has one row per input row.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from features.engine.partition import partition_rows, rows_by_part, split_frame


@dataclass(frozen=True)
class Made:
    """Partitions cut only when their turn comes: `make(i)` for i in 0..n-1 (on Dask a few ahead of the workers, so the
    driver and the workers hold a few at a time). For a map-then-finalize stage or a shuffle (`by`), not a reduction."""

    make: Callable
    n: int


def made_split(key: str, *frames, eng=None) -> Made:
    """Hash partitions of `frames` by their column `key` (the same partition numbers in each; a frame may be None), cut
    only when their turn comes: `make(i)` is partition i of the one frame, or a tuple of the frames' partition i. The
    number of partitions is the engine's for the first frame (one on the pandas engine: the frames themselves)."""
    from features.engine import current

    eng = eng or current()
    n = eng.partitions(len(frames[0]))
    rows = [None if f is None else (partition_rows(f[key], n) if n > 1 else None) for f in frames]

    def make(i: int):
        cut = tuple(None if f is None else (f if r is None else f.iloc[r[i]]) for f, r in zip(frames, rows))
        return cut[0] if len(cut) == 1 else cut

    return Made(make, n)


@dataclass(frozen=True)
class Ranged:
    """A shuffle key cut by ranges instead of a hash: bucket j holds the rows whose `column`, as text, lies in
    [bounds[j-1], bounds[j]) (the first from the start, the last to the end). Buckets sorted inside then follow one
    another in the key's order: their results concatenated are sorted, and can be read one bucket at a time in order."""

    column: str
    bounds: tuple = ()


def balanced_bounds(keys: pd.Index, weights: np.ndarray, buckets: int) -> tuple:
    """`buckets - 1` bounds for `Ranged` over the sorted `keys`, so each bucket gets about the same total `weights`."""
    if buckets <= 1 or not len(keys):
        return ()
    cum = np.cumsum(np.asarray(weights, dtype=np.float64))
    at = np.searchsorted(cum, cum[-1] * np.arange(1, buckets) / buckets, side="right")
    return tuple(str(keys[min(i, len(keys) - 1)]) for i in at)


@dataclass(frozen=True)
class Steps:
    """One stage as map / combine / finalize (module doc); the functions are module-level so tasks can carry them."""

    map: Callable
    combine: Callable | None = None
    finalize: Callable | None = None
    by: str | dict | None = None
    extra: bool = False
    label: str = ""


def run(steps: Steps, parts: list, *args, combine_args: tuple = (), finalize_args: tuple = (), eng=None,
        label: str = "", keep: bool = False, **kwargs):
    """The stage `steps` over `parts` (partitions of its input) on `eng` (default: the current engine): its final result,
    and with `steps.extra` a pair (result, the extras in partition order). `keep` (a shuffle only): instead of the
    final result, the buckets' results left where they were combined (`Kept`), for a consumer that reads them one at
    a time."""
    from features.engine import current

    eng = eng or current()
    label = label or steps.label
    if keep and steps.by is None:
        raise ValueError("keep serves a shuffle: a reduction's one result comes back")
    if isinstance(parts, Made) and steps.by is None:
        if steps.combine is not None or steps.extra:
            raise ValueError("partitions made in turn serve a map-then-finalize stage or a shuffle, not a reduction")
        total = eng.map_made(steps.map, parts.make, parts.n, *args, label=label, **kwargs)
        return steps.finalize(total, *finalize_args) if steps.finalize else merge(total)
    if steps.by is None:
        if steps.extra:
            out = eng.map(_mapped, parts, steps, *args, label=label, **kwargs)
            partials, extras = [o[0] for o in out], [o[1] for o in out]
            total = _combined(steps, partials, combine_args)
        else:
            extras = None
            if steps.combine is None:
                total = ([steps.map(parts[0], *args, **kwargs)] if len(parts) == 1
                         else eng.map(steps.map, parts, *args, label=label, **kwargs))
            elif len(parts) == 1:
                total = steps.combine([steps.map(parts[0], *args, **kwargs)], *combine_args)
            else:
                total = eng.map_reduce(_mapped, parts, _Combine(steps, combine_args), steps, *args, label=label, **kwargs)
        result = steps.finalize(total, *finalize_args) if steps.finalize else (
            merge(total) if isinstance(total, list) else total)
    else:
        buckets = max(1, parts.n if isinstance(parts, Made) else len(parts))
        if isinstance(steps.by, Ranged):
            buckets = min(buckets, len(steps.by.bounds) + 1)
        results, extras = eng.shuffle(_cut, parts, _bucket, steps, buckets, *args,
                                      combine_args=(steps, combine_args), label=label, keep=keep, **kwargs)
        if keep:
            result = Kept(results, eng, steps.finalize or merge, finalize_args)
        else:
            result = steps.finalize(results, *finalize_args) if steps.finalize else merge(results)
    return (result, extras) if steps.extra else result


@dataclass
class Kept:
    """A shuffle's results left where they were combined (`run(..., keep=True)`), in bucket order: `frames()` brings
    them one at a time, `collect()` the stage's final result (its finalize over all of them), `pick(fn)` applies `fn`
    to each where it lies."""

    handles: list
    eng: object
    finalize: Callable
    finalize_args: tuple = ()

    def frames(self):
        for h in self.handles:
            yield self.eng.fetch([h])[0]

    def pick(self, fn: Callable, *args) -> list:
        return self.eng.fetch(self.eng.pick(fn, self.handles, *args))

    def collect(self):
        return self.finalize(self.eng.fetch(self.handles), *self.finalize_args)


def _mapped(part, steps: Steps, *args, **kwargs):
    return steps.map(part, *args, **kwargs)


def _combined(steps: Steps, partials: list, combine_args: tuple):
    return steps.combine(partials, *combine_args) if steps.combine else partials


class _Combine:
    """`steps.combine` with its arguments, as the tree reduction calls it (a picklable callable)."""

    def __init__(self, steps: Steps, combine_args: tuple):
        self.steps, self.combine_args = steps, combine_args
        self.__name__ = getattr(steps.combine, "__name__", "combine")

    def __call__(self, partials: list):
        return self.steps.combine(partials, *self.combine_args)


def _cut(part, steps: Steps, buckets: int, *args, **kwargs):
    """A shuffle's map task: the partial of `part` cut into `buckets` pieces by `steps.by` (module doc)."""
    out = steps.map(part, *args, **kwargs)
    partial, extra = out if steps.extra else (out, None)
    if isinstance(steps.by, dict):
        pieces = [{} for _ in range(buckets)]
        for name, column in steps.by.items():
            for j, piece in enumerate(_pieces(partial.get(name), column, buckets)):
                pieces[j][name] = piece
        return pieces, extra
    return _pieces(partial, steps.by, buckets), extra


def _pieces(value, column, buckets: int) -> list:
    if buckets <= 1:
        return [value]
    if column is None or value is None or not isinstance(value, pd.DataFrame):
        return [value] + [None] * (buckets - 1)  # unkeyed: whole to the first bucket
    c = column.column if isinstance(column, Ranged) else column
    if len(value) and isinstance(value[c].dtype, pd.CategoricalDtype):
        value = value.assign(**{c: value[c].astype(str)})  # partitions have different categories
    if not isinstance(column, Ranged):
        return split_frame(value, c, buckets)
    text = value[c].astype("string").fillna("").astype(object).to_numpy()
    at = np.searchsorted(np.array(column.bounds, dtype=object), text, side="right")
    return [value.iloc[rows] for rows in rows_by_part(at, buckets)]


def _bucket(pieces: list, steps: Steps, combine_args: tuple):
    """A shuffle's combine task: the pieces of one bucket from every partition, combined once."""
    if isinstance(steps.by, dict):
        pieces = {name: [p[name] for p in pieces if p[name] is not None] for name in steps.by}
    else:
        pieces = [p for p in pieces if p is not None]
    return steps.combine(pieces, *combine_args) if steps.combine else pieces


# ------------------------------------------------------------------------------------------- the one merge

def merge(parts: list, rows: list | None = None, sort: list | None = None, shared_categories: tuple = ()) -> pd.DataFrame:
    """Per-partition (or per-bucket) frames as one table in the order of one pass: one part comes back as it is; else
    the non-empty parts are concatenated and put in the order of `rows` (each part's input row positions or row numbers:
    rows come back in the input's order) or of the columns `sort` (a stable sort; ties keep partition order), on a fresh
    RangeIndex. A column missing in every row of a part takes the dtype of the parts that hold it; categorical columns
    get the categories of the whole (one sorted set for the columns of `shared_categories`), except those every part
    holds over one sorted set of categories already, which keep it (and sort by their codes, as by their text)."""
    parts = list(parts)
    if len(parts) == 1:
        return parts[0]
    keep = [i for i, p in enumerate(parts) if len(p)]
    if not keep:
        return parts[0].iloc[:0].reset_index(drop=True) if parts else pd.DataFrame()
    first = parts[keep[0]]
    categorical = [c for c in first.columns if isinstance(first[c].dtype, pd.CategoricalDtype)]
    # categoricals every part holds over the same categories sorted as text: kept as they are, sorted by their codes
    coded = {c for c in categorical if first[c].cat.categories.is_monotonic_increasing
             and all(parts[i][c].dtype == first[c].dtype for i in keep)}
    out = pd.concat([parts[i] for i in keep], ignore_index=True)
    for c in out.columns:
        if c in categorical:
            continue
        want = next((parts[i][c].dtype for i in keep if parts[i][c].notna().any()), out[c].dtype)
        if out[c].dtype != want:
            out[c] = out[c].astype(want)
    if rows is not None:
        order = np.argsort(np.concatenate([np.asarray(rows[i]) for i in keep]), kind="stable")
    elif sort:
        codes = [out[c].cat.codes.to_numpy() if c in coded else
                 pd.factorize(out[c].astype(str) if c in categorical else out[c], sort=True)[0] for c in sort]
        order = np.lexsort(codes[::-1])
    else:
        order = None
    if order is not None and not (order[1:] > order[:-1]).all():
        out = out.iloc[order].reset_index(drop=True)
    if shared_categories and not (set(shared_categories) <= coded
                                  and len({out[c].dtype for c in shared_categories}) == 1):  # else shared already
        ids = pd.Index(pd.concat([out[c].astype(object) for c in shared_categories]).dropna().unique()).sort_values()
        for c in shared_categories:
            out[c] = pd.Categorical(out[c].astype(object), categories=ids)
    for c in categorical:
        if c not in shared_categories:
            out[c] = out[c].astype(object).astype("category")
    return out


def map_rows(fn: Callable, frame: pd.DataFrame, key: str | pd.Series | None, *args, eng=None, label: str = "",
             **kwargs) -> pd.DataFrame:
    """`fn(part, *args)` per partition of `frame`, each returning one row per input row, merged back in the order of
    `frame` (a fresh RangeIndex). `key`: a column (or a Series aligned with `frame`) the partitions are cut by (hash
    partitions: the rows of one key in one part); None: runs of consecutive rows. One partition: `fn(frame)`."""
    from features.engine import current

    eng = eng or current()
    n = eng.partitions(len(frame))
    if n <= 1:
        return fn(frame.reset_index(drop=True), *args, **kwargs).reset_index(drop=True)
    if key is None:
        bounds = np.linspace(0, len(frame), max(1, min(len(frame), n)) + 1).astype(int)
        rows = [np.arange(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
    else:
        rows = [r for r in partition_rows(frame[key] if isinstance(key, str) else key, n) if len(r)]
    parts = [frame.iloc[r].reset_index(drop=True) for r in rows]
    out = eng.map(fn, parts, *args, label=label, **kwargs)
    if sum(len(o) for o in out) != len(frame):
        raise RuntimeError(f"{label or getattr(fn, '__name__', 'map_rows')}: {sum(len(o) for o in out)} rows back "
                           f"for {len(frame)}")
    return merge(out, rows=rows).reset_index(drop=True)


def share_args(eng, *objects) -> list:
    """Each object sent to the workers once (`eng.share`), for the arguments of a run."""
    return [eng.share(o, keep=False) for o in objects]


__all__ = ["Kept", "Made", "Ranged", "Steps", "balanced_bounds", "made_split", "run", "merge", "map_rows"]
