"""`features.engine.partition`: one stable hash of the key's text splits a table in memory and on disk (the written
dataset's validation is compared in tests/test_engine.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.engine.partition import KEYS, partition_of, partition_rows, split_frame
from features.io.prepare import key_header


def test_hash_partitions_keep_a_key_together_and_the_row_order():
    df = pd.DataFrame({"tender_id": [f"T{i % 37}" for i in range(500)], "x": np.arange(500)})
    parts = split_frame(df, "tender_id", 4)
    assert sum(len(p) for p in parts) == 500 and len(parts) == 4
    owner = {}
    for k, p in enumerate(parts):
        assert p["x"].is_monotonic_increasing  # rows keep their order
        for t in p["tender_id"].unique():
            assert owner.setdefault(t, k) == k  # a tender lies in one partition
    # the same value lands in the same partition in every call (a stable hash, not Python's salted one)
    again = partition_of(pd.Series(["T1", "T2", "T3"]), 4)
    assert list(again) == list(partition_of(pd.Series(["T3", "T2", "T1"]), 4))[::-1]
    assert [len(r) for r in partition_rows(df["tender_id"], 4)] == [len(p) for p in parts]
    assert len(split_frame(df, "tender_id", 1)) == 1 and (partition_of(df["tender_id"], 1) == 0).all()
    with pytest.raises(Exception, match="no such column"):
        split_frame(df, "bidder_id", 2)


def test_a_table_is_keyed_by_its_tender_or_firm():
    from features.io.read import RawTable
    from features.io.schema import TABLES

    assert KEYS["bids"] == "tender_id" and KEYS["credit_events"] == "enterprise_id" and "inspectors" not in KEYS
    raw = RawTable("bids", pd.DataFrame(columns=["Tender", "bidder_id", "price"]), np.array([], dtype=np.int64), [], "csv")
    assert key_header(raw, TABLES["bids"], {"Tender": "tender_id"}) == "Tender"
    assert key_header(raw, TABLES["inspectors"], {}) is None
