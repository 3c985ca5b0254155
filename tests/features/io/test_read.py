"""features.io.read: encodings refused rather than misread, control characters stripped, huge fields and malformed rows accounted for."""
from __future__ import annotations
from __future__ import annotations

import csv
import io
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from features.io.dataset import load_dataset
from features.core.errors import InputError
from features.io.export import safe_frame, write_table
from tests.hostile import _bids
from tests.features.io.random_files import FAST, csv_text, record


def test_control_characters_are_stripped_and_counted(tmp_path, caplog):
    df = pd.DataFrame({"name": ["ab\x0bc", "ok", "\x01x"]})
    with caplog.at_level("WARNING", logger="riskmodels.export"):
        write_table(df, tmp_path / "n.xlsx")
        write_table(df, tmp_path / "n.csv")
    assert "2 cell(s) had control characters" in caplog.text
    counter = [0]
    assert safe_frame(df, counter)["name"].tolist() == ["abc", "ok", "x"] and counter == [2]


@pytest.mark.parametrize("enc,text", [("big5", "臺北市建設工程有限公司"), ("shift_jis", "東京建設株式会社")])
def test_big5_and_shift_jis_are_refused_not_misread(cli, tmp_path, enc, text):
    d = tmp_path / "d"
    d.mkdir()
    rows = "".join(f"E{i},{text}{i}\n" for i in range(8))
    (d / "enterprises.csv").write_bytes(("enterprise_id,name\n" + rows).encode(enc))
    cli("data", "validate", d, code=2, err="not supported")


def test_gbk_is_still_read(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "enterprises.csv").write_bytes("enterprise_id,name\nE1,芜湖建设工程有限公司\nE2,甲公司\n".encode("gbk"))
    assert load_dataset(d).tables["enterprises"]["name"].tolist() == ["芜湖建设工程有限公司", "甲公司"]


def test_a_huge_field_is_a_rejected_row_not_a_stopped_file(tmp_path):
    big = "x" * (200 * 1024)
    d = _bids(tmp_path / "d", f'T1,B1,100\nT1,"{big}",101\nT1,B3,99\n')
    ds = load_dataset(d)
    assert ds.counts["bids"] == {"read": 3, "accepted": 2, "rejected": 1}
    assert ds.rejects["row"].tolist() == [3] and "byte limit" in ds.rejects["reason"].iloc[0]


def test_reject_rows_are_spreadsheet_rows_after_multiline_fields(tmp_path):
    d = _bids(tmp_path / "d", "")
    (d / "bids.csv").write_text('tender_id,bidder_id,price,note\nT1,B1,100,"line one\nline two\nline three"\n'
                                'T1,B2,abc,x\nT1,B3,99,y\n')
    ds = load_dataset(d)
    assert ds.rejects["row"].tolist() == [3]  # the spreadsheet's row 3, though it is the file's line 5


@FAST
@given(rows=st.lists(record, max_size=25), enc=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_malformed_rows_are_accounted_for(tmp_path_factory, rows, enc):
    d = tmp_path_factory.mktemp("ds")
    text = csv_text(rows)
    try:
        data = text.encode(enc)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    (d / "bids.csv").write_bytes(data)
    if "\x00" in text:  # NUL bytes mark a binary file: a structural fault, reported for the file
        with pytest.raises(InputError):
            load_dataset(d)
        return
    ds = load_dataset(d)
    c = ds.counts["bids"]
    assert c["read"] == c["accepted"] + c["rejected"]
    # every non-blank record is counted: what csv reads (skipping blank records) is what we read
    expected = sum(1 for r in csv.reader(io.StringIO(text, newline="")) if r and not (len(r) <= 1 and not "".join(r).strip())) - 1
    assert c["read"] == expected
    assert len(ds.rejects) == c["rejected"] and ds.rejects["reason"].notna().all()
    assert (ds.tables["bids"]["price"] > 0).all()


@FAST
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash(tmp_path_factory, data):
    d = tmp_path_factory.mktemp("raw")
    (d / "bids.csv").write_bytes(b"tender_id,bidder_id,price\n" + data)
    try:
        ds = load_dataset(d)
    except InputError as e:
        assert str(e) and "\n" not in str(e)
        return
    c = ds.counts["bids"]
    assert c["read"] == c["accepted"] + c["rejected"]


@FAST
@given(data=st.binary(max_size=200))
def test_random_whole_files_never_crash(tmp_path_factory, data):
    d = tmp_path_factory.mktemp("whole")
    (d / "tenders.csv").write_bytes(data)
    try:
        ds = load_dataset(d)
    except InputError:
        return
    c = ds.counts["tenders"]
    assert c["read"] == c["accepted"] + c["rejected"]


def _tiers_like(n: int = 40) -> pd.DataFrame:
    return pd.DataFrame({"enterprise_id": [f"E{i}" for i in range(n)], "tier": list("ABCD") * (n // 4),
                         "probability": [f"0.{i:02d}" for i in range(n)],
                         "reasons": [f'late payment, "fine" of {i}\non 2025-01-0{i % 9 + 1}' for i in range(n)],
                         "reasons_zh": ["罚款，逾期" * (i % 3 + 1) for i in range(n)], "as_of": "2026-02-01",
                         "note": ["=1+1", "+cmd", "'quoted", "-5", "@a"] * (n // 5)})


def test_read_columns_reads_what_read_raw_reads_of_those_columns(tmp_path):
    from features.io.read import read_columns, read_raw

    p = write_table(_tiers_like(), tmp_path / "tiers.csv")  # quoted fields, line breaks, formula-escaped cells, a BOM
    want = ["note", "enterprise_id", "tier", "probability", "trigger"]  # `trigger` is not in the file
    got = read_columns(p, want)
    whole = read_raw(p).frame
    assert list(got.columns) == ["enterprise_id", "tier", "probability", "note"]  # the file's order, absent ones left out
    pd.testing.assert_frame_equal(got, whole[list(got.columns)].reset_index(drop=True))
    assert got["note"].tolist()[:3] == ["=1+1", "+cmd", "'quoted"]  # read back to the values written
    (tmp_path / "gbk.csv").write_bytes("enterprise_id , tier,reasons\nE1,A,芜湖\nE2,B,\"甲,乙\"\n".encode("gbk"))
    assert read_columns(tmp_path / "gbk.csv", ["enterprise_id", "tier"]).to_dict("list") == {
        "enterprise_id": ["E1", "E2"], "tier": ["A", "B"]}  # GB18030 read whole by read_raw; header names stripped
    pq = tmp_path / "tiers.parquet"
    whole.to_parquet(pq)
    assert list(read_columns(pq, want).columns) == ["enterprise_id", "tier", "probability", "note"]


def test_read_columns_names_a_record_that_does_not_fit(tmp_path):
    from features.io.read import read_columns

    p = tmp_path / "tiers.csv"
    p.write_text("enterprise_id,tier,reasons\nE1,A,x\nE2,B,y,extra\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"tiers.csv: row 3 has 4 fields, the header has 3"):
        read_columns(p, ["enterprise_id", "tier"])
