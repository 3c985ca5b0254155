"""features.imports.garcia: the García Rodríguez et al. bid files become canonical tenders and bids that load cleanly."""
from __future__ import annotations

import pandas as pd
import pytest

from features.core.errors import InputError
from features.imports.garcia import import_garcia
from features.io.dataset import load_dataset


def test_a_japan_like_file_with_bidders_labels_and_unix_dates(tmp_path):
    src = tmp_path / "japan.csv"
    src.write_text("Tender,Bid_value,Competitors,Winner,Collusive_competitor,Collusive_competitor_original,Date,Site,"
                   "Pre-Tender Estimate (PTE)\n"
                   "7,100,F1,1,1,1,1367366400,Tokyo,120\n7,103,F2,0,1,1,1367366400,Tokyo,120\n"
                   "8, 90 ,F1,0,0,0,1367452800,Osaka,100\n8,88,F3,1,0,0,1367452800,Osaka,100\n", encoding="utf-8")
    out = tmp_path / "ds"
    assert import_garcia(src, out) == {"tenders": 2, "bids": 4, "anonymous": False, "collusive_tenders": 1}
    t = pd.read_csv(out / "tenders.csv", dtype=str)
    assert t["tender_id"].tolist() == ["7", "8"] and t["published_at"].tolist() == ["2013-05-01", "2013-05-02"]
    assert t["region"].tolist() == ["Tokyo", "Osaka"] and t["collusive"].astype(float).tolist() == [1.0, 0.0]
    b = pd.read_csv(out / "bids.csv", dtype=str)
    assert b["price"].tolist() == ["100", "103", "90", "88"]  # cells stripped
    assert b["source_row"].tolist() == ["2", "3", "4", "5"] and b["cartel_member"].tolist() == ["1", "1", "0", "0"]
    ds = load_dataset(out)
    assert len(ds.rejects) == 0 and len(ds.tables["bids"]) == 4


def test_a_pooled_file_without_bidders_gets_market_ids_and_anonymous_bids(tmp_path):
    src = tmp_path / "pooled.csv"
    src.write_text("Dataset,Tender,Bid_value,Date\nSwiss,1,10,5\nSwiss,1,11,5\nItaly,1,20,9\n", encoding="utf-8")
    info = import_garcia(src, tmp_path / "ds")
    assert info["anonymous"] is True and info["tenders"] == 2
    t = pd.read_csv(tmp_path / "ds" / "tenders.csv", dtype=str)
    assert t["tender_id"].tolist() == ["Swiss:1", "Italy:1"] and t["market"].tolist() == ["Swiss", "Italy"]
    assert t["date_index"].tolist() == ["5", "9"] and "published_at" not in t.columns  # day numbers are not dates
    b = pd.read_csv(tmp_path / "ds" / "bids.csv", dtype=str)
    assert b["bidder_id"].tolist() == ["anon-Swiss:1-1", "anon-Swiss:1-2", "anon-Italy:1-1"] and set(b["anonymous"]) == {"1"}


def test_wrong_files_stop_with_one_line(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        import_garcia(tmp_path / "nope.csv", tmp_path / "out")
    bad = tmp_path / "bad.csv"
    bad.write_text("Tender,Price\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column 'Bid_value'"):
        import_garcia(bad, tmp_path / "out")
