from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from features import engine
from features.io import footprint
from features.io.dataset import find_tables, load_dataset


def _bids(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"tender_id": [f"T{i // 4:06d}" for i in range(n)],
                         "bidder_id": [f"B{k:05d}" for k in rng.integers(0, 5000, n)],
                         "price": rng.integers(10_000, 9_000_000, n)})


def test_csv_rows_are_exact_for_a_short_file_and_close_for_a_long_one(tmp_path):
    small = tmp_path / "small.csv"
    _bids(7).to_csv(small, index=False)
    assert footprint.csv_rows(small) == 7
    big = tmp_path / "big.csv"
    _bids(120_000).to_csv(big, index=False)
    assert big.stat().st_size > footprint.SAMPLE_BYTES  # the estimate path, not the exact one
    assert footprint.csv_rows(big) == pytest.approx(120_000, rel=0.03)
    empty = tmp_path / "empty.csv"
    empty.write_text("tender_id,bidder_id,price\n")
    assert footprint.csv_rows(empty) == 0


def test_parquet_rows_come_from_the_metadata_of_a_file_or_of_every_part(tmp_path):
    _bids(30).to_parquet(tmp_path / "one.parquet")
    (tmp_path / "parts").mkdir()
    for k, n in enumerate((10, 25, 5)):
        _bids(n, k).to_parquet(tmp_path / "parts" / f"part-{k:05d}.parquet")
    assert footprint.parquet_rows(tmp_path / "one.parquet") == 30
    assert footprint.parquet_rows(tmp_path / "parts") == 40


def test_table_rows_of_a_dataset_and_an_unreadable_table_counts_zero(tmp_path):
    _bids(12).to_csv(tmp_path / "bids.csv", index=False)
    pd.DataFrame({"tender_id": ["T1", "T2"]}).to_parquet(tmp_path / "tenders.parquet")
    (tmp_path / "enterprises.parquet").write_bytes(b"not parquet")
    assert footprint.table_rows(find_tables(tmp_path)) == {"tenders": 2, "bids": 12, "enterprises": 0}


def test_the_estimate_passes_through_the_measured_peaks():
    """The demo's pandas peaks of docs/scale.md: tiny city, city, province (GiB, rows read)."""
    for rows, measured in ((113_487, 0.71), (3_540_000, 1.83), (35_917_125, 13.34)):
        assert footprint.one_process_peak(rows) / 2**30 == pytest.approx(measured, rel=0.25)
    assert footprint.one_process_peak(35_917_125) > footprint.one_process_peak(3_540_000) > footprint.one_process_peak(0)


def test_the_warning_names_the_estimate_the_budget_and_the_dask_engine(tmp_path):
    _bids(2_000).to_csv(tmp_path / "bids.csv", index=False)
    files = find_tables(tmp_path)
    assert footprint.pandas_memory_warning(files, budget=64 * 2**30) is None
    line = footprint.pandas_memory_warning(files, budget=2**20)
    assert "0.0 million rows" in line and "GiB in one process" in line and "--engine dask" in line
    assert "\n" not in line
    assert footprint.memory_budget(10 * 2**30) == 6 * 2**30


def test_loading_on_the_pandas_engine_warns_before_it_reads_and_still_loads(tmp_path, monkeypatch, caplog):
    _bids(40).to_csv(tmp_path / "bids.csv", index=False)
    pd.DataFrame({"tender_id": [f"T{i:06d}" for i in range(10)]}).to_csv(tmp_path / "tenders.csv", index=False)
    monkeypatch.setattr(footprint, "memory_budget", lambda total=None: 1)
    with caplog.at_level(logging.WARNING, logger="riskmodels.memory"):
        ds = load_dataset(tmp_path)
    assert len(ds.tables["bids"]) == 40
    warned = [r.getMessage() for r in caplog.records if r.name == "riskmodels.memory"]
    assert len(warned) == 1 and warned[0].startswith("0.0 million rows") and "--engine dask" in warned[0]

    class Parallel(engine.PandasEngine):
        parallel = True

    caplog.clear()
    with engine.using(Parallel()), caplog.at_level(logging.WARNING, logger="riskmodels.memory"):
        load_dataset(tmp_path)
    assert not [r for r in caplog.records if r.name == "riskmodels.memory"]
