"""riskmodels.simulation.writer: chunked CSV and Parquet writers; a simulated sim_city validates with zero rejects, byte for byte per seed."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from features.io.dataset import load_dataset
from riskmodels.simulation import simulate
from tests.riskmodels.simulation.world import SEED, TABLES, read, small_settings


def test_every_table_passes_the_validator_with_zero_rejects(sim_city):
    out, summary = sim_city
    ds = load_dataset(out)
    assert set(ds.tables) == set(TABLES)
    assert len(ds.rejects) == 0, ds.rejects.head().to_string()
    for name in TABLES:
        assert ds.counts[name]["read"] == summary["tables"][name] > 0, name
    for f in ("enterprises.csv", "tenders.csv", "cartels.csv", "simulation.json"):
        assert (out / "truth" / f).exists()


def test_same_seed_same_bytes_and_another_seed_differs(sim_city, tmp_path):
    out, _ = sim_city
    simulate(tmp_path / "again", scale="tiny", seed=SEED)
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert len(files) == len(TABLES) + 4
    for f in files:
        assert (tmp_path / "again" / f).read_bytes() == (out / f).read_bytes(), f
    simulate(tmp_path / "other", scale="tiny", seed=SEED + 1, settings=small_settings())
    assert (tmp_path / "other" / "bids.csv").read_bytes() != (out / "bids.csv").read_bytes()


@pytest.mark.slow
def test_parquet_and_partitioned_province_layout(tmp_path):
    s = small_settings()
    a = simulate(tmp_path / "csv", scale="tiny", seed=1, settings=s)
    b = simulate(tmp_path / "pq", scale="tiny", seed=1, fmt="parquet", settings=s)
    assert a["tables"] == b["tables"]
    ds = load_dataset(tmp_path / "pq")
    assert len(ds.rejects) == 0 and len(ds.tables) == len(TABLES)
    csv = read(tmp_path / "csv", "bids")
    pq = ds.tables["bids"]
    assert (pq["bidder_id"].to_numpy() == csv["bidder_id"].to_numpy()).all()
    assert np.allclose(pq["price"].to_numpy(), csv["price"].to_numpy())
    # the same folder again in the other format: no table of the earlier run is left behind
    simulate(tmp_path / "csv", scale="tiny", seed=1, fmt="parquet", settings=s)
    assert not list((tmp_path / "csv").glob("*.csv")) and len(list((tmp_path / "csv").glob("*.parquet"))) == len(TABLES)
    p = simulate(tmp_path / "prov", scale="province", seed=1, fmt="parquet", settings=small_settings(enterprises=1_000))
    assert (tmp_path / "prov" / "bids").is_dir() and list((tmp_path / "prov" / "bids").glob("part-*.parquet"))
    ds = load_dataset(tmp_path / "prov")
    assert len(ds.rejects) == 0 and len(ds.tables["enterprises"]) == p["tables"]["enterprises"] == 1_000


def test_table_sink_appends_chunks_in_each_format(tmp_path):
    from riskmodels.simulation.writer import TableSink

    chunks = [pd.DataFrame({"id": ["a", "b"], "day": np.array(["2024-01-02", "2024-02-03"], dtype="datetime64[D]"),
                            "at": np.array(["2024-01-02T10:00", "2024-02-03T11:30"], dtype="datetime64[s]"), "x": [1.5, 2.0]}),
              pd.DataFrame({"id": ["c"], "day": np.array(["2024-03-04"], dtype="datetime64[D]"),
                            "at": np.array(["2024-03-04T00:00"], dtype="datetime64[s]"), "x": [3.0]})]
    for fmt, partitioned in (("csv", False), ("parquet", False), ("parquet", True)):
        s = TableSink(tmp_path / f"{fmt}{partitioned}", "t", fmt, partitioned=partitioned, timestamps=("at",))
        s.path.parent.mkdir(parents=True, exist_ok=True)
        for c in chunks:
            s.write(c)
        s.close()
        assert s.rows == 3 and s.parts == 2
        back = pd.read_csv(s.path, dtype=str) if fmt == "csv" else pd.read_parquet(s.path)
        assert back["id"].tolist() == ["a", "b", "c"]
        if fmt == "csv":
            assert back["day"].tolist() == ["2024-01-02", "2024-02-03", "2024-03-04"]  # dates as dates
            assert back["at"].tolist()[0] == "2024-01-02 10:00:00"  # named timestamps keep the time
    s = TableSink(tmp_path, "bad", "csv")
    s.write(chunks[0])
    with pytest.raises(ValueError, match="chunk columns"):
        s.write(chunks[1][["x", "id", "day", "at"]])
    s.close()
    with pytest.raises(ValueError, match="format must be one of"):
        TableSink(tmp_path, "t", "xlsx")
