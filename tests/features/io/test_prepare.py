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
import random
from features.io import prepare, uscc
from features.io.read import RawTable
from features.io.schema import LIMITS, TABLES
from features.core.settings import ValidateSettings


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


def _prep(table: str, rows: list[dict]):
    df = pd.DataFrame(rows, dtype=object)
    raw = RawTable(f"{table}.csv", df, np.arange(2, len(df) + 2), [], "utf-8")
    return prepare.prepare(raw, TABLES[table], ValidateSettings())


def _code(seed: int) -> str:
    rng = random.Random(seed)
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(rng.choice(uscc.ALPHABET[:31]) for _ in range(9))
    return body + uscc.check_char(body)


def test_full_width_and_invisible_characters_do_not_make_a_second_firm():
    u = _code(9)
    full = u.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    p = _prep("bids", [{"tender_id": "T1", "bidder_id": u, "price": "900"},
                       {"tender_id": "T2", "bidder_id": u + "\u200b", "price": "900"},
                       {"tender_id": "T3", "bidder_id": full, "price": "900"},
                       {"tender_id": "T4", "bidder_id": "\ufeffACME\u2060 ", "price": "900"}])
    assert list(p.frame["bidder_id"]) == [u, u, u, "ACME"] and len(p.rejects) == 0
    note = [n for n in p.notes if n["column"] == "bidder_id"]
    assert note and note[0]["count"] == 3 and "normalised" in note[0]["problem"] and "\\u200b" in note[0]["problem"]
    assert prepare.normalise_id("ＡＢ\u200c１") == "AB1"


def test_a_full_width_code_with_a_wrong_check_character_is_still_rejected_with_its_reason():
    u = _code(3)
    wrong = u[:-1] + ("0" if u[-1] != "0" else "1")
    p = _prep("bids", [{"tender_id": "T1", "bidder_id": wrong.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}),
                        "price": "900"}])
    assert len(p.rejects) == 1 and "check character" in p.rejects["reason"].iloc[0]


def test_numbers_beyond_their_bound_are_rejected_or_read_as_missing_with_the_bound_as_reason():
    p = _prep("bids", [{"tender_id": "T1", "bidder_id": "A", "price": "1e160"},
                       {"tender_id": "T1", "bidder_id": "B", "price": "9e12"},
                       {"tender_id": "T1", "bidder_id": "C", "price": "2e13"}])
    assert list(p.frame["bidder_id"]) == ["B"]
    assert set(p.rejects["reason"]) == {f"price out of bounds: {LIMITS['amount'][2]}"}
    t = _prep("tenders", [{"tender_id": "T1", "reserve_price": "1e300", "n_bidders": "3"},
                          {"tender_id": "T2", "reserve_price": "1000", "n_bidders": "1e9"}])
    assert len(t.rejects) == 0 and t.frame["reserve_price"].isna().tolist() == [True, False]
    assert t.frame["n_bidders"].isna().tolist() == [False, True]
    assert {n["column"] for n in t.notes if "out of bounds" in n["problem"]} == {"reserve_price", "n_bidders"}
    s = _prep("shareholders", [{"enterprise_id": "E1", "holder_id": "H", "share": "-5"},
                               {"enterprise_id": "E1", "holder_id": "I", "share": "30%"}])
    assert s.frame["share"].isna().tolist() == [True, False]


def test_a_second_row_of_one_key_with_other_values_is_rejected_naming_the_kept_row():
    p = _prep("tenders", [{"tender_id": "T1", "reserve_price": "1000"}, {"tender_id": "T1", "reserve_price": "2000"},
                          {"tender_id": "T2", "reserve_price": "1000"}, {"tender_id": "T1", "reserve_price": "1,000"}])
    assert list(p.frame["tender_id"]) == ["T1", "T2"] and p.frame["reserve_price"].tolist() == [1000.0, 1000.0]
    assert list(p.rejects["row"]) == [3, 5]
    r = list(p.rejects["reason"])
    assert r[0] == "tender_id given again with other values (reserve_price differ); row 2 is kept"
    assert r[1] == "tender_id given again with the same values; row 2 is kept"
    e = _prep("enterprises", [{"enterprise_id": "E1", "name": "A"}, {"enterprise_id": "E1", "name": "B"}])
    assert len(e.frame) == 1 and "row 2 is kept" in e.rejects["reason"].iloc[0]
    b = _prep("bids", [{"tender_id": "T1", "bidder_id": "A", "price": "1"}, {"tender_id": "T1", "bidder_id": "A", "price": "2"}])
    assert len(b.frame) == 2  # bids have no key: a bidder bidding twice is evidence, noted elsewhere
