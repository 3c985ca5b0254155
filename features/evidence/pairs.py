"""Pairwise bid evidence: every pair of bids within a tender, and its aggregation per bidder pair across tenders.

Two public functions, each a validating wrapper over a private Numba kernel in `features.evidence._kernels`:

`bid_pairs(bids, bid_items=None)` -> one row per unordered pair of bids from different bidders in the same tender
(a function of whole tenders, so it runs unchanged on each partition of a Dask frame partitioned by `tender_id`):

| column | meaning |
|---|---|
| `tender_id`, `bidder_a`, `bidder_b` | categoricals; `bidder_a` < `bidder_b` as text, so a bidder pair has one orientation everywhere |
| `row_a`, `row_b` | positions (0-based, not index labels) of the two bids in the input frame (`bids["price"].to_numpy()[row_a]` is bid a's price); int32 (int64 from 2**31 input rows) |
| `price_gap` | abs(pa - pb) / min(pa, pb) for the prices pa, pb of bids a and b; NaN unless both prices > 0 |
| `log_ratio` | log(pa / pb), computed as log(pa) - log(pb) (equal to a few ulps of log(price)); NaN unless both prices > 0 |
| `time_gap_s` | abs difference of `submitted_at` in seconds; NaN when either is missing or the column is absent |
| `win_a`, `win_b` | `is_winner` of each bid (float32 0/1, NaN when unknown) |
| `same_<field>` | int8 1 when both bids carry the same non-missing `<field>` (one column per `META_FIELDS` entry; a missing or blank value never equals anything; an absent column gives 0s, and `attrs["meta_fields"]` lists the fields present) |
| `n_same_meta` | number of `same_<field>` flags set |

With `bid_items` (itemised bills, matched to bids on `tender_id`, `bidder_id`; an item code repeated in one bid keeps its first
line) these columns are added, computed over the items both bids quote with a finite unit price:
`items_shared` (count), `item_cosine` (cosine similarity of the unit-price vectors), `item_pearson` (Pearson correlation,
needs 2 shared items and variation on both sides), `item_identical_share` (share of shared items with identical unit price),
`same_odd_items` (identical anomalies: shared items priced identically where that price is odd, i.e. more than `odd_ratio`
times away, in log terms, from the geometric mean of the other bids' quotes for the item in the tender, or no other bid quotes
the item while at least three bids in the tender are itemised), `same_wrong_total` (1 when both bids' prices disagree with
their itemised sum sum(unit_price * quantity) by more than `total_rtol` and by the same amount (within `total_rtol`); 0 when
both totals can be checked and that is not so; NaN when either bid has no complete itemised bill or `quantity` is absent). Item similarities are NaN when the pair shares no item.

`bidder_pairs(bids, bid_items=None)` -> one row per unordered bidder pair that met in at least one tender, aggregated over
the tenders where both bid (`co_bids`): `wins_a`, `wins_b` (tenders among those won by each), `n_tenders_a`, `n_tenders_b`
(tenders each bid in), `co_bid_rate` (co_bids / min(n_tenders_a, n_tenders_b)), `gap_mean`, `gap_min`, `ratio_mean`
(mean log price ratio), `ratio_sd` (sd of the log price ratio, ddof=1, needs 2 co-bids: a small value means a fixed price
coefficient between the two across tenders), `shared_<field>` (tenders where the field was equal), `shared_meta_tenders`
(tenders with any equal field), `time_gap_min`, `time_gap_mean`, and with items `item_cosine_mean`, `item_pearson_mean`,
`item_identical_mean`, `same_odd_items`, `same_wrong_totals`. It is one stage written as steps (`PAIR_STEPS`, run by
`features.engine.steps.run` on the current engine): per tender partition `bid_pairs` reduced to `pair_partials`; the
partials shuffled by ranges of `bidder_a` into buckets (`steps.Ranged`: the buckets follow the ids' order), each bucket
combined (`combine_partials`: sums add, minima take the minimum, the log ratio's (count, mean, M2) merge by Chan's
formula) and finalised (`finalize_pairs`, with the whole table's tenders per bidder, the ids as categoricals over every
bidder); only the bidder-pair rows come back, concatenated in (bidder_a, bidder_b) order, or stay on the workers
(`keep`) for a consumer that reads them a part at a time. The bid pairs never leave their partition. With one partition (the pandas engine) it is one pass; with several, floating sums and
moments may differ from it in the last bits (order of summation and merging), nothing more.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features import engine
from features.evidence import _kernels
from features.core.errors import InputError
from features.engine.steps import Ranged, Steps, balanced_bounds, made_split, merge, run
from features.evidence.bids import as_text, factorize_sorted, prices, require_columns, valid_mask

META_FIELDS = ("ip", "mac", "device_id", "file_creator", "file_hash", "ca_serial", "deposit_account", "project_manager_id",
               "agent_id")
ITEM_COLUMNS = ("items_shared", "item_cosine", "item_pearson", "item_identical_share", "same_odd_items")
ODD_RATIO = 1.5
TOTAL_RTOL = 1e-4
_THREADED_ROWS = 200_000  # hash metadata in two threads from this many bids


def _seconds(s: pd.Series) -> np.ndarray:
    """Datetimes as float seconds since the epoch, NaN where missing or unparseable."""
    d = pd.to_datetime(s, errors="coerce", utc=True, format="mixed") if not pd.api.types.is_datetime64_any_dtype(s) else s
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_convert("UTC").dt.tz_localize(None)
    v = d.to_numpy(dtype="datetime64[ns]")
    out = v.astype("int64").astype(np.float64) / 1e9
    out[np.isnat(v)] = np.nan
    return out


def _text_columns(columns: list, dest: np.ndarray, n_out: int):
    """Metadata columns as Arrow string arrays (chunked; None where absent) and their (F, n_out) 64-bit text hashes
    (0: missing or blank), row i's hash at position dest[i] (rows with dest < 0 are skipped).

    Each Arrow chunk is hashed where it lies (no concatenation copy) and straight into tender order (no gather pass)."""
    hashes = np.empty((len(columns), n_out), dtype=np.uint64)
    arrays, jobs = [], []
    for f, col in enumerate(columns):
        if col is None:
            hashes[f] = 0
            arrays.append(None)
            continue
        arr = pa.array(as_text(col), from_pandas=True)
        if arr.null_count == len(arr):  # entirely missing: nothing can be equal, nothing to hash or confirm
            hashes[f] = 0
            arrays.append(None)
            continue
        chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
        start = 0
        for chunk in chunks:
            if not pa.types.is_large_string(chunk.type):
                chunk = chunk.cast(pa.large_string())
            m = len(chunk)
            if m:
                _, off_buf, data_buf = chunk.buffers()
                offsets = (np.frombuffer(off_buf, dtype=np.int64)[chunk.offset:chunk.offset + m + 1] if off_buf is not None
                           else np.zeros(m + 1, np.int64))
                data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
                valid = (np.ones(m, dtype=bool) if chunk.null_count == 0
                         else ~chunk.is_null().to_numpy(zero_copy_only=False))
                jobs.append((np.ascontiguousarray(offsets), data, valid, dest[start:start + m], hashes[f]))
            start += m
        arrays.append(arr)

    def run(job):
        with np.errstate(over="ignore"):  # the hash wraps around on purpose (seen only with NUMBA_DISABLE_JIT=1)
            _kernels.text_hashes(*job)

    if n_out >= _THREADED_ROWS and len(jobs) > 1 and not _kernels.JIT_DISABLED:
        # the kernel releases the GIL: two threads hash the chunks (halves the wall time on 2 cores, same CPU time;
        # one parallel launch per chunk instead cost more than it saved on a loaded machine)
        with ThreadPoolExecutor(2) as ex:
            list(ex.map(run, jobs))
    else:
        for job in jobs:
            run(job)
    return arrays, hashes


def _log_prices(price: np.ndarray) -> np.ndarray:
    """log(price) where price > 0, else NaN (computed once per bid; the kernel reads it only for positive prices)."""
    out = np.full(len(price), np.nan)
    pos = price > 0
    np.log(price, out=out, where=pos)
    return out


def _flagged(flags: np.ndarray) -> np.ndarray:
    """np.flatnonzero of a contiguous int8 row, read 8 bytes at a time (flags are sparse: most words are 0)."""
    n8 = len(flags) // 8 * 8
    words = np.flatnonzero(flags[:n8].view(np.uint64))
    if len(words):
        cand = (words[:, None] * 8 + np.arange(8)).ravel()
        head = cand[flags[cand] != 0]
    else:
        head = np.zeros(0, dtype=np.int64)
    return np.concatenate([head, n8 + np.flatnonzero(flags[n8:])])


def _take(arr, rows: np.ndarray) -> pa.Array:
    """arr[rows] for an Arrow array or chunked array, reading only the chunks hit (ChunkedArray.take concatenates them all)."""
    if not isinstance(arr, pa.ChunkedArray):
        return arr.take(pa.array(rows))
    if arr.num_chunks == 1:
        return arr.chunk(0).take(pa.array(rows))
    starts = np.cumsum([0] + [len(c) for c in arr.chunks])
    ci = np.searchsorted(starts, rows, side="right") - 1
    o = np.argsort(ci, kind="stable")
    pieces = [arr.chunk(int(k)).take(pa.array(rows[o][ci[o] == k] - starts[k])) for k in np.unique(ci)]
    back = np.empty(len(rows), dtype=np.int64)
    back[o] = np.arange(len(rows))
    return pa.concat_arrays(pieces).take(pa.array(back)) if pieces else pa.array([], type=arr.type)


def _confirm_equal(arrays: list, rows: np.ndarray, flags: np.ndarray) -> None:
    """Clear the equal-metadata flags whose texts differ (a hash collision): compares the flagged pairs' texts."""
    for f, arr in enumerate(arrays):
        if arr is None:
            continue
        idx = _flagged(np.ascontiguousarray(flags[f]))
        if not len(idx):
            continue
        same = pc.equal(_take(arr, rows[0, idx]), _take(arr, rows[1, idx]))
        bad = idx[~np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool)]
        flags[f, bad] = 0
        flags[-1, bad] -= 1


def _categorical(codes: np.ndarray, categories: pd.Index) -> pd.Categorical:
    """A categorical from codes known to be valid (skips pandas' validation pass over millions of codes)."""
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)  # skips re-checking that the sorted uniques are unique
    dtype = fast(categories, False) if fast is not None else pd.CategoricalDtype(categories)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def _flags(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _items(bids: pd.DataFrame, bid_items: pd.DataFrame, tcode: np.ndarray, price: np.ndarray, total_rtol: float):
    """Items in CSR form over bid rows: (item_ptr, item, unit, qcount, qslog, err)."""
    require_columns(bid_items, ("tender_id", "bidder_id", "item_code", "unit_price"), "bid_items")
    n = len(bids)
    tt, _ = pd.factorize(pd.concat([as_text(bids["tender_id"]), as_text(bid_items["tender_id"])], ignore_index=True))
    bb, ub = pd.factorize(pd.concat([as_text(bids["bidder_id"]), as_text(bid_items["bidder_id"])], ignore_index=True))
    nb = len(ub) + 1
    key = tt.astype(np.int64) * nb + bb
    bid_key = np.where((tt[:n] >= 0) & (bb[:n] >= 0), key[:n], -1)
    item_key = np.where((tt[n:] >= 0) & (bb[n:] >= 0), key[n:], -2)
    first = ~pd.Series(bid_key).duplicated().to_numpy() & (bid_key >= 0)
    idx = pd.Index(bid_key[first]).get_indexer(item_key)  # each item's bid (the first bid of its tender and bidder)
    first_rows = np.append(np.flatnonzero(first), -1)
    row = first_rows[np.where(idx >= 0, idx, len(first_rows) - 1)]
    item, _ = pd.factorize(as_text(bid_items["item_code"]))
    unit = pd.to_numeric(bid_items["unit_price"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    qty = (pd.to_numeric(bid_items["quantity"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
           if "quantity" in bid_items.columns else None)
    keep = (row >= 0) & (item >= 0)
    keep[keep] = ~pd.DataFrame({"r": row[keep], "i": item[keep]}).duplicated().to_numpy()
    row, item, unit = row[keep], item[keep].astype(np.int64), unit[keep]
    qty = qty[keep] if qty is not None else None
    o = np.lexsort((item, row))
    row, item, unit = row[o], np.ascontiguousarray(item[o]), np.ascontiguousarray(unit[o])
    item_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n), out=item_ptr[1:])
    # quotes of the same item in the same tender (positive unit prices of counted bids): count and sum of logs
    quoted = (unit > 0) & np.isfinite(unit) & (tcode[row] >= 0)
    g = np.where(quoted, tcode[row] * (int(item.max(initial=0)) + 1) + item, -1)
    _, inv = np.unique(g, return_inverse=True)
    cnt = np.bincount(inv, weights=quoted.astype(np.float64))
    slog = np.bincount(inv, weights=np.where(quoted, np.log(np.where(quoted, unit, 1.0)), 0.0))
    qcount = np.where(quoted, cnt[inv], 0).astype(np.int64)
    qslog = np.where(quoted, slog[inv], 0.0)
    err = np.full(n, np.nan)
    if qty is not None:
        qty = qty[o]
        line = unit * qty
        total = np.bincount(row, weights=np.where(np.isfinite(line), line, 0.0), minlength=n)
        incomplete = np.bincount(row, weights=(~np.isfinite(line)).astype(np.float64), minlength=n)
        has = np.diff(item_ptr) > 0
        e = price - total
        known = has & (incomplete == 0) & np.isfinite(e)
        wrong = known & (np.abs(e) > total_rtol * np.abs(price))
        err = np.where(wrong, e, np.where(known, 0.0, np.nan))  # the kernel's convention: 0 right, NaN unknown
    return item_ptr, item, unit, qcount, np.ascontiguousarray(qslog), err, qty is not None


def bid_pairs(bids: pd.DataFrame, bid_items: pd.DataFrame | None = None, *, fields=META_FIELDS, valid_only: bool = False,
              odd_ratio: float = ODD_RATIO, total_rtol: float = TOTAL_RTOL) -> pd.DataFrame:
    """Evidence for every unordered pair of bids from different bidders within a tender (module doc for the columns).

    `bids` needs `tender_id`, `bidder_id`, `price`. With `valid_only` only bids whose `status` is valid or missing take part
    (by default every bid does: a disqualified cover bid sharing a device with the winner is evidence)."""
    require_columns(bids, ("tender_id", "bidder_id", "price"), "bids")
    if not odd_ratio > 1:
        raise ValueError(f"odd_ratio must be > 1; got {odd_ratio!r}.")
    if not total_rtol >= 0:
        raise ValueError(f"total_rtol must be >= 0; got {total_rtol!r}.")
    unknown = [f for f in fields if f not in META_FIELDS]
    if unknown:
        raise ValueError(f"fields must be among {META_FIELDS}; got {unknown!r}.")
    n = len(bids)
    if n >= _THREADED_ROWS and not _kernels.JIT_DISABLED:
        # Arrow's hashing releases the GIL: the bidder ids are factorised in a second thread meanwhile (wall time only)
        with ThreadPoolExecutor(1) as ex:
            job = ex.submit(factorize_sorted, bids["bidder_id"])
            tcode, tenders = factorize_sorted(bids["tender_id"])
            bcode, bidders = job.result()
    else:
        tcode, tenders = factorize_sorted(bids["tender_id"])
        bcode, bidders = factorize_sorted(bids["bidder_id"])
    tcode = np.where(bcode >= 0, tcode, -1)
    if valid_only:
        tcode = np.where(valid_mask(bids), tcode, -1)
    tcode = np.ascontiguousarray(tcode)
    price = prices(bids, valid_only=False)
    present = [f for f in fields if f in bids.columns]
    time = _seconds(bids["submitted_at"]) if "submitted_at" in bids.columns else np.full(n, np.nan)
    win = _flags(bids["is_winner"]) if "is_winner" in bids.columns else np.full(n, np.nan)
    if bid_items is not None:
        item_ptr, item, unit, qcount, qslog, err, has_qty = _items(bids, bid_items, tcode, price, total_rtol)
    else:
        item_ptr, item, unit = np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0)
        qcount, qslog, err, has_qty = np.zeros(0, np.int64), np.zeros(0), np.zeros(0), False  # err is read only with items
    order, offsets = _kernels.group_order(tcode, len(tenders))
    dest = np.full(n, -1, dtype=np.int64)
    dest[order] = np.arange(len(order))  # each counted row's position in tender order
    arrays, hashes = _text_columns([bids[f] if f in bids.columns else None for f in fields], dest, len(order))
    psorted = price[order]
    bsorted = bcode.astype(np.int16 if len(bidders) < 2**15 else np.int32)[order]
    counts = _kernels.pair_counts(offsets, bsorted)
    pair_offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=pair_offsets[1:])
    # per-bid arrays gathered into tender order once, so that the kernel reads each tender's bids contiguously
    n_pairs = int(pair_offsets[-1])
    rows = np.empty((2, n_pairs), dtype=np.int32 if n < 2**31 else np.int64)
    tcodes = np.empty(n_pairs, dtype=np.int32)
    bcodes = np.empty((2, n_pairs), dtype=bsorted.dtype)
    num = np.empty((3, n_pairs))
    wins = np.empty((2, n_pairs), dtype=np.float32)
    flags = np.empty((len(fields) + 1, n_pairs), dtype=np.int8)
    items = np.empty((6, n_pairs if bid_items is not None else 0))
    _kernels.pairs_kernel(
        order, offsets, pair_offsets, bsorted, psorted, _log_prices(psorted), time[order], win[order],
        hashes, err[order] if bid_items is not None else err[:0], float(total_rtol),
        item_ptr, item, unit, qcount, qslog, float(np.log(odd_ratio)), bid_items is not None,
        rows, tcodes, bcodes, num, wins, flags, items)
    _confirm_equal(arrays, rows, flags)
    out = {
        "tender_id": _categorical(tcodes, tenders),
        "bidder_a": _categorical(bcodes[0], bidders),
        "bidder_b": _categorical(bcodes[1], bidders),
        "row_a": rows[0], "row_b": rows[1],
        "price_gap": num[0], "log_ratio": num[1], "time_gap_s": num[2], "win_a": wins[0], "win_b": wins[1],
    }
    for k, f in enumerate(fields):
        out[f"same_{f}"] = flags[k]
    out["n_same_meta"] = flags[len(fields)]
    if bid_items is not None:
        for k, c in enumerate(ITEM_COLUMNS):
            out[c] = items[k]
        out["same_wrong_total"] = items[5] if has_qty else np.full(n_pairs, np.nan)
    res = pd.DataFrame(out, copy=False)
    res.attrs["meta_fields"] = present
    return res


# --- aggregation per bidder pair: partial -> combine -> finalize ---------------------------------------------------

_MINS = ("gap_min", "time_gap_min")
_MOMENTS = _kernels.MOMENT_COLUMNS  # (count, mean, M2) of the log ratio, merged by Chan's formula


def pair_partials(pairs: pd.DataFrame) -> pd.DataFrame:
    """Partial statistics per bidder pair of a `bid_pairs` frame (one partition): sums, counts, minima, and the
    log ratio's (count, mean, M2) (`_kernels.PARTIAL_COLUMNS`)."""
    require_columns(pairs, ("bidder_a", "bidder_b", "price_gap", "log_ratio"), "pairs")
    sa, sb = pairs["bidder_a"], pairs["bidder_b"]
    if (isinstance(sa.dtype, pd.CategoricalDtype) and isinstance(sb.dtype, pd.CategoricalDtype)
            and sa.cat.categories.equals(sb.cat.categories)):
        cats, ca, cb = sa.cat.categories, sa.cat.codes.to_numpy(), sb.cat.codes.to_numpy()
    else:
        cats = pd.Index(pd.concat([as_text(sa), as_text(sb)]).dropna().unique()).sort_values()
        ca, cb = cats.get_indexer(as_text(sa)), cats.get_indexer(as_text(sb))
    na = len(cats) + 1
    key = ca.astype(np.int64) * na + cb.astype(np.int64)

    def val(c):
        if c not in pairs.columns:
            return np.full(len(pairs), np.nan)
        return np.ascontiguousarray(pairs[c].to_numpy(dtype=np.float64, na_value=np.nan))

    same_cols = [c for c in pairs.columns if c.startswith("same_") and c[5:] in META_FIELDS]
    same = (np.vstack([pairs[c].to_numpy(dtype=np.int8) for c in same_cols]) if same_cols
            else np.zeros((0, len(pairs)), dtype=np.int8))
    with_items = "item_cosine" in pairs.columns
    itm = (np.vstack([val(c) for c in ("item_cosine", "item_pearson", "item_identical_share", "same_odd_items",
                                       "same_wrong_total")]) if with_items else np.zeros((5, 0)))
    nsame = pairs["n_same_meta"].to_numpy(dtype=np.int64) if "n_same_meta" in pairs.columns else same.sum(axis=0, dtype=np.int64)
    # one sort by pair key, then one pass of the reduction kernel over the runs of equal keys
    o = np.argsort(key)  # any order within a pair is fine: the reduction sums, takes minima and centres on the mean
    ks = key[o]
    starts = np.append(np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]]) if len(ks) else np.zeros(0, np.int64), len(ks))
    k = ks[starts[:-1]]
    red = _kernels.pair_reduce(o, starts, val("price_gap"), val("log_ratio"), val("time_gap_s"), val("win_a"),
                               val("win_b"), np.ascontiguousarray(nsame), same, itm)
    names = [*_kernels.PARTIAL_COLUMNS, *("shared_" + c[5:] for c in same_cols),
             *(_kernels.ITEM_PARTIAL_COLUMNS if with_items else ())]
    out = {"bidder_a": _categorical(k // na, cats), "bidder_b": _categorical(k % na, cats)}
    for r, c in enumerate(names):
        out[c] = red[r]
    return pd.DataFrame(out, copy=False)


def combine_partials(parts) -> pd.DataFrame:
    """Combine `pair_partials` of several partitions (or earlier combinations) into one row per bidder pair: sums add,
    minima take the minimum, and the log ratio's (count, mean, M2) are folded by Chan's parallel formula
    (`_kernels.chan_merge`), so no sum of squares is ever formed."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["bidder_a", "bidder_b", *_kernels.PARTIAL_COLUMNS])
    frame = pd.concat(parts, ignore_index=True)
    grouped = frame.groupby(["bidder_a", "bidder_b"], sort=True, observed=True)
    agg = {c: ("min" if c in _MINS else "sum") for c in frame.columns if c not in ("bidder_a", "bidder_b", *_MOMENTS)}
    out = grouped.agg(agg).reset_index()
    gid = grouped.ngroup().to_numpy()  # group numbers in the (sorted) order of `out`'s rows
    o = np.argsort(gid, kind="stable")
    starts = np.searchsorted(gid[o], np.arange(len(out) + 1))
    merged = _kernels.chan_merge(o, starts, *(frame[c].to_numpy(dtype=np.float64) for c in _MOMENTS))
    for c, v in zip(_MOMENTS, merged):
        out[c] = v
    return out[list(frame.columns)]


def _ids(col: pd.Series):
    """Bidder ids as they come: categoricals stay categorical (cheap for millions of pairs), anything else becomes text."""
    return col.array if isinstance(col.dtype, pd.CategoricalDtype) else as_text(col).to_numpy()


def _lookup(col: pd.Series, table: pd.Series) -> np.ndarray:
    """table[id] for each id in col (NaN when absent), through the categories when col is categorical."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        vals = table.reindex(col.cat.categories.astype(str)).to_numpy(dtype=np.float64)
        codes = col.cat.codes.to_numpy()
        return np.where(codes >= 0, vals[codes], np.nan)
    return as_text(col).map(table).to_numpy(dtype=np.float64)


def finalize_pairs(partials: pd.DataFrame, tenders_per_bidder: pd.Series | None = None) -> pd.DataFrame:
    """The `bidder_pairs` columns from combined partials; `tenders_per_bidder` (bidder_id -> tenders bid) adds the rates."""
    p = partials
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({"bidder_a": _ids(p["bidder_a"]), "bidder_b": _ids(p["bidder_b"]),
                            "co_bids": p["co_bids"].astype(np.int64).to_numpy()})
        out["wins_a"] = np.where(p["win_known"] > 0, p["wins_a"], np.nan)
        out["wins_b"] = np.where(p["win_known"] > 0, p["wins_b"], np.nan)
        if tenders_per_bidder is not None:
            out["n_tenders_a"] = _lookup(p["bidder_a"], tenders_per_bidder)
            out["n_tenders_b"] = _lookup(p["bidder_b"], tenders_per_bidder)
            out["co_bid_rate"] = out["co_bids"] / np.minimum(out["n_tenders_a"], out["n_tenders_b"])
        out["gap_mean"] = np.where(p["gap_n"] > 0, p["gap_sum"] / p["gap_n"], np.nan)
        out["gap_min"] = p["gap_min"].to_numpy()
        n = p["ratio_n"].to_numpy(dtype=np.float64)
        out["ratio_mean"] = np.where(n > 0, p["ratio_mean"].to_numpy(dtype=np.float64), np.nan)
        out["ratio_sd"] = np.where(n >= 2, np.sqrt(p["ratio_m2"].to_numpy(dtype=np.float64) / (n - 1)), np.nan)
        for c in p.columns:
            if c.startswith("shared_") and c != "shared_meta_tenders":
                out[c] = p[c].astype(np.int64).to_numpy()
        out["shared_meta_tenders"] = p["shared_meta_tenders"].astype(np.int64).to_numpy()
        out["time_gap_min"] = p["time_gap_min"].to_numpy()
        out["time_gap_mean"] = np.where(p["time_n"] > 0, p["time_sum"] / p["time_n"], np.nan)
        if "cos_n" in p.columns:
            for short, c in (("cos", "item_cosine_mean"), ("pear", "item_pearson_mean"), ("ident", "item_identical_mean")):
                out[c] = np.where(p[f"{short}_n"] > 0, p[f"{short}_sum"] / p[f"{short}_n"], np.nan)
            out["same_odd_items"] = p["same_odd_items"].astype(np.int64).to_numpy()
            out["same_wrong_totals"] = p["same_wrong_totals"].astype(np.int64).to_numpy()
    return out


def tenders_per_bidder(bids: pd.DataFrame) -> pd.Series:
    """Number of distinct tenders each bidder bid in (bidder_id as text -> count)."""
    require_columns(bids, ("tender_id", "bidder_id"), "bids")
    tc, _ = pd.factorize(as_text(bids["tender_id"]))
    bc, bidders = pd.factorize(as_text(bids["bidder_id"]))
    ok = (tc >= 0) & (bc >= 0)
    key = np.sort(tc[ok].astype(np.int64) * (len(bidders) + 1) + bc[ok])
    key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key  # distinct (tender, bidder)
    counts = np.bincount(key % (len(bidders) + 1), minlength=len(bidders))[:len(bidders)]
    return pd.Series(counts, index=pd.Index(bidders, dtype=object).astype(str), name="n_tenders")


def _pairs_part(part: tuple, options: dict):
    """The map step: (partials per bidder pair, number of bid pairs) of one (bids, bid_items or None) partition."""
    bids, items = part
    pairs = bid_pairs(bids, items, **options)
    return pair_partials(pairs), len(pairs)


def _pairs_bucket(pieces: list, tenders_per_bidder: pd.Series, min_co_bids: int, columns: tuple | None = None
                  ) -> pd.DataFrame:
    """The combine step: the bidder pairs of one bucket, its partials from every partition combined and finalised,
    cut to `columns` (with the ids) when given. The ids become categoricals over every bidder of the bids (the index
    of `tenders_per_bidder`, sorted as text): the categories one pass gives, and what crosses to the driver is two
    integer codes per pair, not two strings."""
    partial = pieces[0] if len(pieces) == 1 else combine_partials(pieces)
    out = finalize_pairs(partial, tenders_per_bidder)
    if min_co_bids > 1:
        out = out[out["co_bids"] >= min_co_bids]
    if columns is not None:
        out = out[["bidder_a", "bidder_b", *(c for c in columns if c in out.columns and c not in ("bidder_a", "bidder_b"))]]
    ids = tenders_per_bidder.index.rename("bidder_id")  # as the one pass names them (from the bids column)
    return out.assign(bidder_a=_over(out["bidder_a"], ids), bidder_b=_over(out["bidder_b"], ids)).reset_index(drop=True)


def _over(col: pd.Series, ids: pd.Index) -> pd.Categorical:
    """`col` (ids as text, or a categorical of them) as a categorical over the categories `ids`."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.set_categories(ids).array  # recoded through the categories, not row by row
    return pd.Categorical(as_text(col), dtype=pd.CategoricalDtype(ids))


def _pairs_in_order(tables: list) -> pd.DataFrame:
    """The finalize step: the buckets' pairs sorted by (bidder_a, bidder_b), the ids categoricals over every bidder
    (the buckets share them: the merge sorts by their codes)."""
    return merge(tables, sort=["bidder_a", "bidder_b"], shared_categories=("bidder_a", "bidder_b")).reset_index(drop=True)


PAIR_STEPS = Steps(map=_pairs_part, combine=_pairs_bucket, finalize=_pairs_in_order, by=Ranged("bidder_a"), extra=True,
                   label="bid pairs")


def _pair_bounds(tpb: pd.Series, buckets: int) -> tuple:
    """Ranges of `bidder_a` (ids sorted as text) that share the bidder pairs about evenly between `buckets`: a firm is
    `bidder_a` of its pairs with the firms whose ids sort after its own, about its tenders times the share of ids after
    it."""
    n = len(tpb)
    after = 1.0 - np.arange(n) / max(n, 1)
    return balanced_bounds(tpb.index, tpb.to_numpy(dtype=np.float64) * after, buckets)


def pair_options(settings) -> dict:
    """The `bid_pairs` options of the `[pairs]` settings."""
    p = settings.pairs
    return {"valid_only": p.valid_only, "odd_ratio": p.odd_ratio, "total_rtol": p.total_rtol}


def counted_bidder_pairs(bids: pd.DataFrame, bid_items: pd.DataFrame | None = None, *, min_co_bids: int = 1, eng=None,
                         columns: tuple | None = None, keep: bool = False, **pair_options) -> tuple[int, object]:
    """(number of bid pairs, `bidder_pairs`) computed by `PAIR_STEPS` per tender partition on `eng` (default: the
    current engine). `columns`: only these columns besides the ids come back (cut where the pairs are made: a
    province has millions of pairs, and the bidder graph reads nine of their columns). `keep`: instead of the table,
    its parts left on the workers in (bidder_a, bidder_b) order (`features.engine.steps.Kept`: read one at a time,
    or `collect()`ed into the table), for a consumer that writes them out a part at a time."""
    if not (isinstance(min_co_bids, (int, np.integer)) and min_co_bids >= 1):
        raise ValueError(f"min_co_bids must be an integer >= 1; got {min_co_bids!r}.")
    eng = eng or engine.current()
    parts = made_split("tender_id", bids, bid_items, eng=eng)  # (bids, items) of a partition, cut in turn
    # a tender lies in one partition: the whole-table counts, by bidder id sorted as text (the ids' categories)
    counts_by_id = tenders_per_bidder(bids).sort_index()
    steps = replace(PAIR_STEPS, by=Ranged("bidder_a", _pair_bounds(counts_by_id, parts.n)))
    tpb = eng.share(counts_by_id, keep=False)
    table, counts = run(steps, parts, pair_options, combine_args=(tpb, int(min_co_bids), columns), eng=eng, keep=keep)
    return int(sum(counts)), table


def bidder_pairs(bids: pd.DataFrame, bid_items: pd.DataFrame | None = None, *, pairs: pd.DataFrame | None = None,
                 min_co_bids: int = 1, eng=None, columns: tuple | None = None, **pair_options) -> pd.DataFrame:
    """Evidence per unordered bidder pair across tenders (module doc for the columns), sorted by bidder_a, bidder_b;
    the ids are categoricals over every bidder of `bids`. `columns`: only these besides the ids.

    `pairs` reuses a `bid_pairs` frame already computed from the same bids (the map step done: it is combined and
    finalised here); else `PAIR_STEPS` run on `eng` with `pair_options` for `bid_pairs`."""
    if pairs is None:
        return counted_bidder_pairs(bids, bid_items, min_co_bids=min_co_bids, eng=eng, columns=columns,
                                    **pair_options)[1]
    if not (isinstance(min_co_bids, (int, np.integer)) and min_co_bids >= 1):
        raise ValueError(f"min_co_bids must be an integer >= 1; got {min_co_bids!r}.")
    return _pairs_bucket([pair_partials(pairs)], tenders_per_bidder(bids).sort_index(), int(min_co_bids), columns)


def pair_evidence(bids: pd.DataFrame, bid_items: pd.DataFrame | None, settings, eng=None, keep: bool = False
                  ) -> tuple[int, object]:
    """(number of pairs of bids, bidder pairs) with the `[pairs]` settings, as `riskmodels collusion pairs` and the demo
    compute them, on `eng` (default: the current engine); `keep` as in `counted_bidder_pairs`."""
    return counted_bidder_pairs(bids, bid_items, min_co_bids=settings.pairs.min_co_bids, eng=eng, keep=keep,
                                **pair_options(settings))


__all__ = ["META_FIELDS", "bid_pairs", "bidder_pairs", "counted_bidder_pairs", "pair_evidence", "pair_options", "pair_partials", "combine_partials",
           "finalize_pairs", "tenders_per_bidder", "InputError"]
