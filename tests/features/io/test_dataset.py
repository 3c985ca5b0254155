"""The data contract: loading, encodings, type coercion, row rejects with reasons, structural errors."""
from __future__ import annotations
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from features.io import uscc
from features.io.dataset import load_dataset
from features.core.errors import InputError
from features.io.prepare import parse_amount, parse_date
from features.core.settings import Settings
from tests.hostile import _bids


RNG = np.random.default_rng(3)
CODES = uscc.generate(RNG, 6)
BAD_CODE = CODES[0][:17] + ("0" if CODES[0][17] != "0" else "1")


def write(d, name, df, enc="utf-8"):
    df.to_csv(d / f"{name}.csv", index=False, encoding=enc)


@pytest.fixture
def good(tmp_path):
    write(tmp_path, "tenders", pd.DataFrame({"tender_id": ["T1", "T2"], "reserve_price": ["1,000,000.00", "¥2000000"],
                                             "published_at": ["2023-01-05", "2023年2月3日"]}))
    write(tmp_path, "bids", pd.DataFrame({"tender_id": ["T1"] * 3 + ["T2"] * 3, "bidder_id": CODES[:3] * 2,
                                          "price": ["900,000", "95万", "970000元", "1800000", "1,900,000.50", "1950000"],
                                          "status": ["valid", "有效", "废标", "", "withdrawn", "valid"]}))
    write(tmp_path, "enterprises", pd.DataFrame({"enterprise_id": CODES, "name": ["芜湖建设工程有限公司", "坪山市政公司", "甲公司",
                                                                                 "乙公司", "丙公司", "丁公司"]}), enc="gbk")
    return tmp_path


def test_clean_dataset_types_and_gbk(good):
    ds = load_dataset(good)
    assert ds.counts["bids"] == {"read": 6, "accepted": 6, "rejected": 0}
    assert ds.encodings["enterprises"] == "gb18030"
    assert ds.tables["enterprises"]["name"].tolist()[:2] == ["芜湖建设工程有限公司", "坪山市政公司"]
    b = ds.tables["bids"]
    assert b["price"].tolist() == [900000.0, 950000.0, 970000.0, 1800000.0, 1900000.5, 1950000.0]
    assert b["status"].tolist() == ["valid", "valid", "disqualified", "valid", "withdrawn", "valid"]
    t = ds.tables["tenders"]
    assert t["reserve_price"].tolist() == [1e6, 2e6]
    assert t["published_at"].dt.strftime("%Y-%m-%d").tolist() == ["2023-01-05", "2023-02-03"]


def test_row_faults_are_rejected_with_reasons_and_counts_add_up(good):
    bids = pd.read_csv(good / "bids.csv", dtype=str, keep_default_na=False)
    extra = pd.DataFrame({"tender_id": ["T1", "T1", "T9", "T2", "T2", "T1"],
                          "bidder_id": [CODES[3], "", CODES[4], CODES[5], BAD_CODE, CODES[0]],
                          "price": ["abc", "950000", "800000", "-5", "1000", "900,000"],
                          "status": ["valid"] * 6})
    write(good, "bids", pd.concat([bids, extra], ignore_index=True))
    ds = load_dataset(good)
    c = ds.counts["bids"]
    assert c["read"] == 12 and c["accepted"] + c["rejected"] == 12 and c["rejected"] == 6
    rej = ds.rejects.set_index("row")
    assert rej.loc[8, "reason"] == "price is not a number"
    assert rej.loc[9, "reason"] == "empty bidder_id"
    assert rej.loc[10, "reason"] == "unknown tender_id (not in tenders)"
    assert rej.loc[11, "reason"] == "price is not positive"
    assert "check character" in rej.loc[12, "reason"] and rej.loc[12, "value"] == BAD_CODE
    assert rej.loc[13, "reason"] == "duplicate of row 2"
    assert set(ds.rejects["file"]) == {"bids.csv"}


def test_records_of_the_wrong_width_are_rejected_not_lost(tmp_path):
    (tmp_path / "bids.csv").write_text("tender_id,bidder_id,price\nT1,A,100\nT1,B,200,extra\nT1,C\nT1,D,300\n")
    ds = load_dataset(tmp_path)
    assert ds.counts["bids"] == {"read": 4, "accepted": 2, "rejected": 2}
    assert sorted(ds.rejects["row"]) == [3, 4]
    assert all("fields" in r for r in ds.rejects["reason"])


def test_optional_problems_are_fixed_not_rejected(tmp_path):
    write(tmp_path, "tenders", pd.DataFrame({"tender_id": ["T1", "T2", "T3"], "reserve_price": ["0", "99999999", "n/a"],
                                             "published_at": ["1900-01-01", "not a date", "2024-03-01"]}))
    ds = load_dataset(tmp_path)
    assert ds.counts["tenders"]["accepted"] == 3
    assert ds.tables["tenders"]["reserve_price"].isna().all()
    assert ds.tables["tenders"]["published_at"].notna().sum() == 1
    problems = {(p["column"], p["action"]) for p in ds.report()["problems"]}
    assert ("reserve_price", "fixed") in problems and ("published_at", "fixed") in problems


def test_required_dates_out_of_range_are_rejected(tmp_path):
    write(tmp_path, "credit_events", pd.DataFrame({"enterprise_id": CODES[:3], "occurred_on": ["2020-01-01", "1901-01-01", ""],
                                                   "event_type": ["administrative_penalty"] * 3}))
    ds = load_dataset(tmp_path)
    assert ds.counts["credit_events"] == {"read": 3, "accepted": 1, "rejected": 2}
    assert {"empty occurred_on"} <= set(ds.rejects["reason"])
    assert any("out of range" in r for r in ds.rejects["reason"])


def test_column_mapping_from_settings(tmp_path):

    pd.DataFrame({"标段编号": ["T1"], "单位": [CODES[0]], "金额": ["12.5万"]}).to_csv(tmp_path / "bids.csv", index=False)
    s = Settings()
    s.columns.bids = {"单位": "bidder_id", "金额": "price"}
    ds = load_dataset(tmp_path, s)  # 标段编号 is a built-in alias of tender_id
    assert ds.tables["bids"][["tender_id", "bidder_id", "price"]].values.tolist() == [["T1", CODES[0], 125000.0]]


@pytest.mark.parametrize("setup, message", [
    (lambda d: write(d, "bids", pd.DataFrame({"tender_id": ["T1"], "bidder_id": ["A"]})), "bids.csv: missing required column 'price'"),
    (lambda d: (d / "bids.csv").write_text(""), "bids.csv: file is empty"),
    (lambda d: None, "no canonical tables found"),
    (lambda d: (d / "bids.csv").write_bytes("tender_id,bidder_id,price\n".encode("utf-16")), "UTF-16"),
    (lambda d: (d / "bids.parquet").write_bytes(b"not parquet at all"), "bids.parquet: not a readable Parquet file"),
])
def test_structural_faults_raise_one_clear_input_error(tmp_path, setup, message):
    setup(tmp_path)
    with pytest.raises(InputError) as e:
        load_dataset(tmp_path)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_parquet_tables_load_with_native_types(tmp_path):
    pd.DataFrame({"tender_id": ["T1", "T1"], "bidder_id": [CODES[0], CODES[1]], "price": [100.0, -1.0],
                  "submitted_at": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 11:00"])}).to_parquet(tmp_path / "bids.parquet")
    ds = load_dataset(tmp_path)
    assert ds.counts["bids"] == {"read": 2, "accepted": 1, "rejected": 1}
    assert ds.tables["bids"]["submitted_at"].iloc[0] == pd.Timestamp("2024-01-01 10:00")


def test_parsers():
    s = pd.Series(["1,234,567.00", "¥1234", "￥1 234元", "12.5万", "１２３", "", "abc", None])
    got = parse_amount(s)
    assert got.iloc[:5].tolist() == [1234567.0, 1234.0, 1234.0, 125000.0, 123.0] and got.iloc[5:].isna().all()
    d = parse_date(pd.Series(["2023-01-05", "2023/1/5", "2023.01.05", "20230105", "2023年1月5日", "2023-01-05 10:30:00", "x"]))
    assert d.iloc[:5].dt.strftime("%Y-%m-%d").unique().tolist() == ["2023-01-05"]
    assert d.iloc[5] == pd.Timestamp("2023-01-05 10:30") and pd.isna(d.iloc[6])


def test_tables_given_twice_or_broken_are_refused(cli, tmp_path):
    d = _bids(tmp_path / "d", "T1,B1,100\n")
    pd.read_csv(d / "bids.csv").to_parquet(d / "bids.parquet")
    cli("data", "validate", d, code=2, err="given twice")
    e = tmp_path / "e"
    (e / "bids.csv").mkdir(parents=True)
    _bids(e, "T1,1\n", name="tenders.csv")
    cli("data", "validate", e, code=2, err="is a folder")
    f = tmp_path / "f"
    f.mkdir()
    (f / "bids.csv").symlink_to(tmp_path / "nowhere.csv")
    cli("data", "validate", f, code=2, err="broken link")
@pytest.mark.parametrize("name", ["Tenders.csv", "bid_items.CSV", "bids.xlsx", "Enterprises"])
def test_a_file_that_names_a_table_another_way_is_named_not_skipped(tmp_path, name):
    (tmp_path / "tenders.csv").write_text("tender_id\nT1\n") if name != "Tenders.csv" else None
    (tmp_path / "bids.csv").write_text("tender_id,bidder_id,price\nT1,A,1\n")
    (tmp_path / name).mkdir() if "." not in name else (tmp_path / name).write_text("x\n")
    with pytest.raises(InputError, match=f"{name}: looks like the table"):
        load_dataset(tmp_path)


def test_a_fifo_or_a_device_named_like_a_table_is_refused_without_being_opened(tmp_path):
    import os

    (tmp_path / "tenders.csv").write_text("tender_id\nT1\n")
    os.mkfifo(tmp_path / "bids.csv")  # opening it would wait for a writer for ever
    with pytest.raises(InputError, match="bids.csv: is not a regular file \\(a FIFO"):
        load_dataset(tmp_path)
    (tmp_path / "bids.csv").unlink()
    os.symlink(os.devnull, tmp_path / "enterprises.csv")
    with pytest.raises(InputError, match="enterprises.csv: is not a regular file \\(a character device"):
        load_dataset(tmp_path)


def test_other_data_files_are_named_as_not_read(tmp_path, caplog):
    (tmp_path / "tenders.csv").write_text("tender_id\nT1\n")
    (tmp_path / "scores.csv").write_text("x\n")
    with caplog.at_level("INFO", logger="riskmodels.dataset"):
        load_dataset(tmp_path)
    assert "not read: scores.csv" in caplog.text
