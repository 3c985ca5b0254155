"""features.io.prepare: dates, amounts and ids read exactly by the rule or rejected with a reason."""
from __future__ import annotations

import json
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from features.io.dataset import load_dataset
from features.io.prepare import parse_amount, parse_date
from features.core.settings import Settings
from tests.hostile import FAST, _bids


def test_mixed_aware_and_naive_dates_are_read_by_the_rule(cli, tmp_path):
    d = _bids(tmp_path / "d", "")
    (d / "bids.csv").write_text("tender_id,bidder_id,price,submitted_at\n"
                                "T1,B1,100,2023-06-01T10:00:00+08:00\nT1,B2,101,2023-06-01 09:00:00\n"
                                "T1,B3,99,2023-05-31T17:00:00Z\n")
    ds = load_dataset(d)
    got = ds.tables["bids"]["submitted_at"].tolist()
    assert got == [pd.Timestamp("2023-06-01 10:00"), pd.Timestamp("2023-06-01 09:00"), pd.Timestamp("2023-06-01 01:00")]
    assert any("time-zone offset converted to Asia/Shanghai" in n["problem"] for n in ds.notes)
    s = Settings()
    s.validate.timezone = "UTC"
    got = load_dataset(d, s).tables["bids"]["submitted_at"].tolist()
    assert got[0] == pd.Timestamp("2023-06-01 02:00") and got[2] == pd.Timestamp("2023-05-31 17:00")
    cli("collusion", "screens", d, "--out", tmp_path / "s.csv")


@FAST
@given(ts=st.datetimes(min_value=pd.Timestamp("1990-01-01").to_pydatetime(), max_value=pd.Timestamp("2090-12-31").to_pydatetime()),
       fmt=st.sampled_from(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S+08:00", "%Y年%m月%d日 %H:%M:%S",
                            "%d/%m/%Y %H:%M:%S"]))
def test_dates_read_back_exactly_or_are_refused(ts, fmt):
    ts = ts.replace(microsecond=0)
    v = parse_date(pd.Series([ts.strftime(fmt)], dtype=object)).iloc[0]
    if fmt.startswith("%d/%m") and ts.day <= 12 and ts.day != ts.month:
        assert pd.isna(v)  # 01/02/2023 reads two ways: refused, not guessed
    elif fmt.endswith("+08:00"):  # converted to the zone of naive dates (Shanghai kept summer time until 1991)
        assert v == pd.Timestamp(ts).tz_localize("Etc/GMT-8").tz_convert("Asia/Shanghai").tz_localize(None)
    else:
        assert v == pd.Timestamp(ts)


def test_ambiguous_day_month_and_words_are_rejected_with_reasons(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "tenders.csv").write_text("tender_id,published_at\nT1,01/02/2023\nT2,13/01/2023\nT3,now\nT4,today\nT5,2023-01-05\n")
    ds = load_dataset(d)
    t = ds.tables["tenders"].set_index("tender_id")["published_at"]
    assert t["T2"] == pd.Timestamp("2023-01-13") and t["T5"] == pd.Timestamp("2023-01-05")
    assert pd.isna(t["T1"]) and pd.isna(t["T3"]) and pd.isna(t["T4"])
    assert any("day and month could be either way round" in n["problem"] for n in ds.notes)
    s = Settings()
    s.validate.date_order = "mdy"
    assert load_dataset(d, s).tables["tenders"].set_index("tender_id")["published_at"]["T1"] == pd.Timestamp("2023-01-02")


def test_impossible_amounts_are_rejected(cli, tmp_path):
    d = _bids(tmp_path / "a", 'T1,B1,100\nT1,B2,1.234,56\nT1,B3,12.5万万\nT1,B4,万12\nT1,B5,"1,2,3"\nT1,B6,101\n'
                              'T1,B7,inf\nT1,B8,1e309\n'.replace("1.234,56", '"1.234,56"'))
    r = cli("data", "validate", d, "--json", "--rejects", tmp_path / "rej.csv")
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    assert rep["tables"]["bids"]["accepted"] == 2
    rej = pd.read_csv(tmp_path / "rej.csv", dtype=str, encoding="utf-8-sig")
    assert (rej["reason"] == "price is not a finite number").sum() == 2
    assert set(rej["value"]) >= {"1.234,56", "12.5万万", "万12", "1,2,3"}


@FAST
@given(cents=st.integers(min_value=1, max_value=10**13), style=st.sampled_from(["plain", "grouped", "yuan", "wan"]))
def test_amounts_read_back_exactly(cents, style):
    v = cents / 100
    text = {"plain": f"{v:.2f}", "grouped": f"{v:,.2f}", "yuan": f"¥{v:,.2f}元", "wan": f"{v / 1e4:.6f}万"}[style]
    got = parse_amount(pd.Series([text], dtype=object)).iloc[0]
    assert got == pytest.approx(v, rel=1e-12, abs=1e-6)


@FAST
@given(parts=st.lists(st.integers(0, 999), min_size=2, max_size=4), bad_group=st.integers(1, 2))
def test_malformed_thousands_groups_are_never_read(parts, bad_group):
    text = ",".join(str(p).zfill(3) for p in parts)
    text = text[:-bad_group]  # the last group is short: not a grouped number
    assert np.isnan(parse_amount(pd.Series([text], dtype=object)).iloc[0])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.integers(-(2**53) + 1, 2**53 - 1), min_size=1, max_size=20))
def test_parquet_integer_ids_as_floats_are_read_exactly(tmp_path_factory, ids):
    d = tmp_path_factory.mktemp("pq")
    pd.DataFrame({"tender_id": "T1", "bidder_id": np.asarray(ids, dtype="float64"),
                  "price": np.arange(1, len(ids) + 1, dtype=float)}).to_parquet(d / "bids.parquet")
    ds = load_dataset(d)
    assert sorted(ds.tables["bids"]["bidder_id"]) == sorted(str(i) for i in ids) and ds.counts["bids"]["rejected"] == 0


def test_parquet_float_ids_that_lost_their_value_are_rejected(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    pd.DataFrame({"tender_id": ["T1"] * 4, "bidder_id": [1e20, 2e20, float("inf"), 12.0],
                  "price": [1.0, 2.0, 3.0, 4.0]}).to_parquet(d / "bids.parquet")
    ds = load_dataset(d)
    assert ds.tables["bids"]["bidder_id"].tolist() == ["12"]
    assert ds.counts["bids"] == {"read": 4, "accepted": 1, "rejected": 3}
    assert ds.rejects["reason"].str.contains("floating-point").all()
