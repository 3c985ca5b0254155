"""What the case store holds, as tables people read: the verdict history for `cases list`, and the labels `cases export`
writes (one row per judged tender, its current verdict, usable as `collusion train --labels`)."""
from __future__ import annotations

import pandas as pd

LABEL = {"collusive": 1.0, "clean": 0.0}


def labels(store) -> pd.DataFrame:
    """One row per judged tender: tender_id, collusive (1, 0, or empty for unsure), verdict, by, decided_at, note,
    firms, verdicts (how many were given on it, superseded ones included), dataset."""
    h = store.verdict_history()
    cur = h[h["current"]].drop(columns="current")
    counts = h.groupby("tender_id").size()
    out = cur.assign(collusive=cur["verdict"].map(LABEL), verdicts=cur["tender_id"].map(counts).astype(int))
    return out[["tender_id", "collusive", "verdict", "by", "decided_at", "note", "firms", "verdicts", "dataset"]] \
        .sort_values("tender_id", kind="stable").reset_index(drop=True)


def training_labels(store) -> pd.DataFrame:
    """(tender_id, collusive) of the tenders whose current verdict is collusive or clean: the labels `collusion train
    --verdicts` learns from (unsure verdicts teach nothing)."""
    lab = labels(store)
    return lab[lab["collusive"].notna()][["tender_id", "collusive"]].reset_index(drop=True)


def export_labels(store, out) -> dict:
    """`cases export`: write `labels(store)` to `out` (CSV, XLSX or Parquet by its suffix)."""
    from features.io.export import write_table

    lab = labels(store)
    write_table(lab, out)
    return {"tenders": int(len(lab)), "collusive": int((lab["collusive"] == 1).sum()),
            "clean": int((lab["collusive"] == 0).sum()), "unsure": int(lab["collusive"].isna().sum())}


def history_table(store, tender_ids=None, limit: int | None = None) -> pd.DataFrame:
    """The verdict history, newest first, for `cases list` (every verdict, `current` saying which one stands)."""
    h = store.verdict_history(tender_ids).iloc[::-1].reset_index(drop=True)
    return h if limit is None else h.head(limit)
