"""The bid-evidence stages over partitions of tenders, on the current engine (`features.engine`), with the results of
the whole-table functions.

- `screens_on_engine`: `tender_screens` and `bid_progressions` per tender partition (a tender's bids never span two
  partitions), concatenated in the order of the whole-table result; the market-relative ranks and means then run per
  partition of the per-tender table split by a hash of its market-year (`features.evidence.screens.market_keys`), so each task
  sees every tender of its market-years, and the rows go back to the whole-table order.
- `bidder_pairs_on_engine` (and `pair_evidence_on_engine`, the same with the `[pairs]` settings): `bid_pairs` and
  `pair_partials` per tender partition, the partials shuffled by bidder pair into buckets, each bucket combined
  (`combine_partials`: sums add, minima take the minimum, the log ratio's (count, mean, M2) merge by Chan's formula)
  and finalised by one task, with the whole table's tenders per bidder. Floating sums and moments may differ from the
  one-pass result in the last bits (order of summation and merging), nothing more.

With the pandas engine (one partition) both are the whole-table functions themselves.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from features import engine as _engine
from features.core.errors import InputError
from features.evidence.bids import factorize_sorted
from features.evidence.pairs import bid_pairs, bidder_pairs, combine_partials, finalize_pairs, pair_partials, tenders_per_bidder
from features.evidence.screens import bid_progressions, market_keys, relative_by_keys, screens_with_settings, tender_screens


def _screens_part(bids: pd.DataFrame, rtol: float) -> pd.DataFrame:
    table = tender_screens(bids)
    prog = bid_progressions(bids, rtol=rtol).drop(columns="n_bids")
    return table.merge(prog, on="tender_id", how="left")


def screens_on_engine(bids: pd.DataFrame, tenders: pd.DataFrame | None, settings, market: str | None = None,
                      eng=None) -> pd.DataFrame:
    """`features.evidence.screens.screens_with_settings` computed per tender partition on `eng` (default: the current engine)."""
    eng = eng or _engine.current()
    parts = eng.split(bids, "tender_id")
    if len(parts) == 1:
        return screens_with_settings(bids, tenders, settings, market=market)
    tables = eng.map(_screens_part, parts, settings.pairs.progression_rtol, label="screens")
    table = pd.concat([t for t in tables if len(t)] or tables[:1], ignore_index=True)
    codes, _ = factorize_sorted(table["tender_id"])
    table = table.iloc[np.argsort(codes, kind="stable")].reset_index(drop=True)
    if settings.screens.relative and tenders is not None:
        table = relative_on_engine(table, tenders, market or settings.screens.market or None, eng)
    return table


def _relative_part(part: tuple) -> pd.DataFrame:
    table, keys = part
    return relative_by_keys(table, keys)


def relative_on_engine(table: pd.DataFrame, tenders: pd.DataFrame, market: str | None, eng) -> pd.DataFrame:
    """`features.evidence.screens.relative_screens` by a shuffle on the market-year: the per-tender table split by a hash of
    its market-year key, ranks and means per part (each market-year whole in one part, its rows in table order, so the
    numbers are those of one pass), the rows put back in the table's order."""
    keys = market_keys(table, tenders, market)
    text = keys.iloc[:, 0].astype(str)
    for c in keys.columns[1:]:
        text = text + "\x1f" + keys[c].astype(str)
    rows = [r for r in _engine.partition_rows(text, eng.partitions(len(table))) if len(r)]
    parts = [(table.iloc[r], keys.iloc[r]) for r in rows]
    out = pd.concat(eng.map(_relative_part, parts, label="market-relative screens"))
    return out.iloc[np.argsort(np.concatenate(rows), kind="stable")].reset_index(drop=True)


def _pairs_shuffle_part(part: tuple, options: dict, buckets: int):
    """The bid pairs of one (bids, bid_items or None) partition, reduced to additive partials per bidder pair and split
    into `buckets` by a hash of bidder_a (a bidder pair always lands in the same bucket): (pieces, number of bid pairs)."""
    bids, items = part
    pairs = bid_pairs(bids, items, **options)
    partial = pair_partials(pairs)
    n = len(pairs)
    del pairs
    for c in ("bidder_a", "bidder_b"):  # text: partitions have different categories
        partial[c] = partial[c].astype(str)
    return _engine.split_frame(partial, "bidder_a", buckets), n


def _pairs_bucket(pieces: list, tpb: pd.Series, min_co_bids: int) -> pd.DataFrame:
    """The bidder pairs of one bucket: its partials from every partition combined, finalised, filtered."""
    out = finalize_pairs(combine_partials(pieces), tpb)
    if min_co_bids > 1:
        out = out[out["co_bids"] >= min_co_bids]
    return out.reset_index(drop=True)


def pair_evidence_on_engine(bids: pd.DataFrame, bid_items: pd.DataFrame | None, settings, eng=None):
    """(number of bid pairs, bidder pairs) as `features.evidence.pairs.pair_evidence` computes them, per tender partition on `eng`.

    It is `bidder_pairs_on_engine` with the `[pairs]` settings (with one partition: `pair_evidence` itself)."""
    p = settings.pairs
    options = {"valid_only": p.valid_only, "odd_ratio": p.odd_ratio, "total_rtol": p.total_rtol}
    return bidder_pairs_on_engine(bids, bid_items, options, p.min_co_bids, eng)


def bidder_pairs_on_engine(bids: pd.DataFrame, bid_items: pd.DataFrame | None = None, options: dict | None = None,
                           min_co_bids: int = 1, eng=None) -> tuple[int, pd.DataFrame]:
    """(number of bid pairs, `features.evidence.pairs.bidder_pairs(bids, bid_items, min_co_bids=..., **options)`) per tender
    partition on `eng`: the bid pairs stay on the workers; each partition's partials per bidder pair are shuffled by
    bidder pair into buckets, each bucket combined and finalised by one task, and only the bidder-pair rows come back
    (sorted by bidder_a, bidder_b as the one-pass table, the ids categoricals over every id as there). With one
    partition it is `bidder_pairs` itself."""
    eng = eng or _engine.current()
    options = options or {}
    parts = eng.split(bids, "tender_id")
    if len(parts) == 1:
        pairs = bid_pairs(bids, bid_items, **options)
        return len(pairs), bidder_pairs(bids, pairs=pairs, min_co_bids=min_co_bids)
    items = eng.split(bid_items, "tender_id", len(parts)) if bid_items is not None else [None] * len(parts)
    tpb = eng.share(tenders_per_bidder(bids), keep=False)  # a tender lies in one partition: the whole-table counts
    tables, counts = eng.shuffle(_pairs_shuffle_part, list(zip(parts, items)), _pairs_bucket, options, len(parts),
                                 combine_args=(tpb, min_co_bids), label="bid pairs")
    out = pd.concat([t for t in tables if len(t)] or tables[:1], ignore_index=True)  # an empty bucket lacks columns
    del tables
    # sorted by (bidder_a, bidder_b) as the one-pass table, through integer codes (sorting millions of text pairs
    # takes gigabytes), and the ids as categoricals over every id, as the one-pass result
    ids = pd.Index(pd.concat([out["bidder_a"], out["bidder_b"]]).unique()).sort_values()
    codes = {c: ids.get_indexer(out[c]) for c in ("bidder_a", "bidder_b")}
    order = np.lexsort((codes["bidder_b"], codes["bidder_a"]))
    out = out.drop(columns=["bidder_a", "bidder_b"]).iloc[order].reset_index(drop=True)
    out.insert(0, "bidder_b", pd.Categorical.from_codes(codes["bidder_b"][order], categories=ids))
    out.insert(0, "bidder_a", pd.Categorical.from_codes(codes["bidder_a"][order], categories=ids))
    return sum(counts), out


# --- validation: one table prepared per partition ------------------------------------------------------------------

KEYS = {"tenders": "tender_id", "bids": "tender_id", "bid_items": "tender_id", "enterprises": "enterprise_id",
        "shareholders": "enterprise_id", "credit_events": "enterprise_id", "inspections": "enterprise_id",
        "roster": "enterprise_id", "credit_labels": "enterprise_id"}


def key_header(raw, table, mapping: dict | None) -> str | None:
    """The header of `raw.frame` that becomes the table's partition key (`KEYS`), or None (not partitioned / absent)."""
    from features.io.prepare import canonical_names

    key = KEYS.get(table.name)
    names = canonical_names(list(raw.frame.columns), table, mapping or {}, raw.label)
    return next((src for src, dst in names.items() if dst == key), None) if key else None


def _prepare_part(raw, table, validate, mapping, known):
    from features.io.prepare import prepare

    p = prepare(raw, table, validate, mapping, known)
    accepted_rows = raw.rows[~np.isin(raw.rows, p.rejects["row"].to_numpy())]
    return p, accepted_rows


def prepare_on_engine(raw, table, validate, mapping: dict | None = None, known: dict | None = None, eng=None):
    """`features.io.prepare.prepare` per hash partition of the table's key on `eng`, with the one-pass accepted rows (in
    file order), rejects (by row), notes (counts added up) and read count. Identical rows share their key, so duplicate
    rows meet in one partition; the reference checks get the accepted ids of the referenced tables (`known`)."""
    from features.io.read import RawTable
    from features.io.prepare import prepare

    eng = eng or _engine.current()
    header = key_header(raw, table, mapping)
    n = eng.partitions(len(raw.frame)) if header is not None else 1
    if n <= 1 or len(raw.frame) == 0:
        return prepare(raw, table, validate, mapping, known)
    raws = [RawTable(raw.label, raw.frame.iloc[idx].reset_index(drop=True), raw.rows[idx], raw.broken if i == 0 else [],
                     raw.encoding) for i, idx in enumerate(_engine.partition_rows(raw.frame[header], n))]
    results = eng.map(_prepare_part, raws, table, validate, mapping, eng.share(known, keep=False),
                      label=f"validate {table.name}")
    return _merged(results)

def _merged(results: list):
    """One `Prepared` from per-partition (`Prepared`, accepted row numbers) results: accepted rows in file order, rejects by
    row, notes added up in the one-pass order, read counts added."""
    from features.io.prepare import REJECT_COLUMNS, Prepared

    frames = [r[0].frame for r in results]
    rows = np.concatenate([r[1] for r in results])
    frame = pd.concat(frames, ignore_index=True)
    del frames[:]
    if len(rows) > 1 and not (rows[1:] > rows[:-1]).all():  # parts of a folder come in file order already
        frame = frame.iloc[np.argsort(rows, kind="stable")].reset_index(drop=True)
    for c in frame.columns:  # a column all missing in one partition may have come back with another dtype
        want = next((r[0].frame[c].dtype for r in results if len(r[0].frame) and r[0].frame[c].notna().any()), frame[c].dtype)
        if frame[c].dtype != want:
            frame[c] = frame[c].astype(want)
    rejects = pd.concat([r[0].rejects for r in results if len(r[0].rejects)] or [results[0][0].rejects], ignore_index=True)
    rejects = rejects.sort_values("row", kind="stable").reset_index(drop=True)[REJECT_COLUMNS]
    notes: dict = {}
    for r in results:
        for nt in r[0].notes:
            k = (nt["table"], nt["column"], nt["problem"])
            notes[k] = notes.get(k, 0) + nt["count"]
    # in the one-pass order: by column, then "not a number/date" before the other fix of the same column
    pos = {c: i for i, c in enumerate(frame.columns)}
    keys = sorted(notes, key=lambda k: (pos.get(k[1], len(pos)), 0 if k[2].startswith("not ") else 1))
    merged = [{"table": t, "column": c, "problem": p, "count": notes[(t, c, p)]} for t, c, p in keys]
    return Prepared(frame, rejects, merged, sum(r[0].read for r in results))


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


def _read_prepare_part(path, offset: int, label: str, header: str, table, validate, mapping, known):
    """One Parquet part read and prepared where the task runs: (`Prepared`, accepted row numbers, the part's key values
    as text). Row numbers count through the whole folder, as a whole-folder read numbers them."""
    from features.io.read import RawTable, clean_header

    try:
        df = pd.read_parquet(path)
    except Exception as e:  # noqa: BLE001 - pyarrow raises many types for unreadable files
        raise InputError(f"{label}/{path.name}: not a readable Parquet file ({type(e).__name__})") from None
    df.columns = clean_header([str(c) for c in df.columns], label)
    raw = RawTable(label, df.reset_index(drop=True), np.arange(offset + 1, offset + len(df) + 1), [], "parquet")
    keys = df[header].astype("string").fillna("").unique() if header in df.columns else np.array([], dtype=object)
    p, accepted_rows = _prepare_part(raw, table, validate, mapping, known)
    return p, accepted_rows, np.asarray(keys, dtype=object)


def prepare_parts_on_engine(path, table, validate, mapping: dict | None = None, known: dict | None = None, eng=None):
    """`features.io.prepare.prepare` of a table stored as a folder of Parquet parts, each part read and prepared by a task on
    `eng` (the driver never holds the raw table), with the one-pass result; None when this does not apply and the table
    is to be read whole: the engine is not parallel, `path` is not a folder of parts, the table has no partition key,
    or one key value appears in two parts (duplicate rows could then span parts)."""
    import pyarrow.parquet as pq

    from features.io.read import RawTable, clean_header

    eng = eng or _engine.current()
    parts = parquet_parts(path) if eng.parallel else None
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
    if header is None:
        return None
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).tolist()
    ids = eng.share(known, keep=False)  # not kept: `known` grows as the tables are loaded
    calls = [(_read_prepare_part, (p, off, label, header, table, validate, mapping, ids), {})
             for p, off in zip(parts, offsets)]
    results = eng.submit_many(calls, label=f"validate {table.name}")
    keys = pd.Series(np.concatenate([r[2] for r in results]))
    if keys.duplicated().any():
        return None
    return _merged([(r[0], r[1]) for r in results])
