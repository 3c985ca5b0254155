"""Property-based tests: malformed rows and random bytes never crash the loader and never lose a row from the accounting."""
from __future__ import annotations

import csv
import io

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.io.dataset import load_dataset
from features.core.errors import InputError

cell = st.one_of(st.text(max_size=12), st.sampled_from(["", "-5", "0", "1,000", "¥12", "9万", "abc", "2023-01-01", "=1+1",
                                                        "91350100M000100Y43", "91350100M000100Y40", "NaN", "\"", "\n"]))
record = st.lists(cell, min_size=0, max_size=5)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def csv_text(rows):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["tender_id", "bidder_id", "price"])
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


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
