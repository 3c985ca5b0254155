"""`features.io.partitioned`: validation per hash partition of a table's key gives the one-pass result (accepted rows
in file order, rejects by row, notes added up); on Dask workers and from Parquet parts: tests/test_engine.py."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.core.settings import Settings
from features.engine import PandasEngine
from features.io.partitioned import prepare_parts, prepare_split
from features.io.prepare import prepare
from features.io.read import RawTable
from features.io.schema import TABLES


class Split(PandasEngine):
    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def partitions(self, rows: int) -> int:
        return self.n


def _raw() -> RawTable:
    rng = np.random.default_rng(5)
    n = 300
    frame = pd.DataFrame({"tender_id": [f"T{i % 41}" for i in range(n)], "bidder_id": [f"B{i % 17}" for i in range(n)],
                          "price": [str(round(x, 2)) for x in rng.uniform(1, 1000, n)]}, dtype=object)
    frame.loc[7, "price"], frame.loc[90, "tender_id"], frame.loc[150, "price"] = "abc", "", "-5"
    frame = pd.concat([frame, frame.iloc[[3, 200]]], ignore_index=True)  # duplicate rows: found in any partition
    return RawTable("bids", frame, np.arange(2, len(frame) + 2), [], "utf-8")


@pytest.mark.parametrize("n", [2, 5])
def test_validation_per_partition_is_the_one_pass_result(n):
    s = Settings()
    one = prepare(_raw(), TABLES["bids"], s.validate)
    split = prepare_split(_raw(), TABLES["bids"], s.validate, eng=Split(n))
    assert len(one.rejects) >= 3
    pd.testing.assert_frame_equal(split.frame, one.frame)
    pd.testing.assert_frame_equal(split.rejects, one.rejects)
    assert split.notes == one.notes and split.read == one.read


def test_a_single_file_or_one_partition_is_not_read_in_parts(tmp_path):
    s = Settings()
    (tmp_path / "bids.csv").write_text("tender_id,bidder_id,price\nT1,B1,5\n")
    assert prepare_parts(tmp_path / "bids.csv", TABLES["bids"], s.validate, eng=Split(3)) is None
    folder = tmp_path / "bids"
    folder.mkdir()
    for k in range(2):
        pd.DataFrame({"tender_id": [f"T{k}"], "bidder_id": ["B1"], "price": ["5"]}).to_parquet(folder / f"part-{k:05d}.parquet")
    assert prepare_parts(folder, TABLES["bids"], s.validate, eng=PandasEngine()) is None  # one partition: read whole
    got = prepare_parts(folder, TABLES["bids"], s.validate, eng=Split(2))
    assert got is not None and got.frame["tender_id"].astype(str).tolist() == ["T0", "T1"]
