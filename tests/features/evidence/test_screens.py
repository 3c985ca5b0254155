"""Tender screens against a slow, readable textbook reference (scipy), on fixed, random and degenerate input and on the Japan data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from scipy import stats
from features.core.errors import InputError
from features.evidence.screens import SCREENS, relative_screens, tender_screens
from tests.conftest import shared_path


COLUMNS = ["n_bids", *SCREENS]


def reference_one(prices) -> dict:
    """Textbook screens of one tender, written for reading, not speed (scipy's bias-corrected moments and kstest)."""
    b = np.sort(np.asarray([p for p in prices if np.isfinite(p)], dtype=float))
    n = len(b)
    r = dict.fromkeys(COLUMNS, np.nan)
    r["n_bids"] = n
    if n < 2:
        return r
    if b.mean() > 0:
        r["cv"] = np.std(b, ddof=1) / np.mean(b) if b[0] != b[-1] else 0.0
    if b[0] > 0:
        r["spd"] = (b[-1] - b[0]) / b[0]
        r["diffp"] = (b[1] - b[0]) / b[0]
    if n >= 3:
        losers = b[1:]
        if losers.max() > losers.min():
            r["rd"] = (b[1] - b[0]) / np.std(losers, ddof=1)
            r["rdalt"] = (b[1] - b[0]) / np.mean(np.diff(losers))
        if b[-1] > b[0]:
            r["rdnor"] = (b[1] - b[0]) / np.mean(np.diff(b))
            r["skew"] = stats.skew(b, bias=False)
    if n >= 4 and b[-1] > b[0]:
        r["kurt"] = stats.kurtosis(b, bias=False, fisher=True)
    if b[-1] > b[0]:
        r["ks"] = stats.kstest(b, "uniform", args=(b[0], b[-1] - b[0])).statistic
    return r


def reference(bids: pd.DataFrame) -> pd.DataFrame:
    rows = {}
    for t, g in bids.groupby(bids["tender_id"].astype(str)):
        ok = g["status"].isna() | (g["status"] == "valid") if "status" in g.columns else np.ones(len(g), bool)
        rows[t] = reference_one(g.loc[ok, "price"].to_numpy(dtype=float))
    return pd.DataFrame.from_dict(rows, orient="index")[COLUMNS].rename_axis("tender_id").sort_index()


def assert_same(got: pd.DataFrame, ref: pd.DataFrame, rtol=1e-9, atol=1e-12):
    got = got.set_index("tender_id")
    assert list(got.index) == list(ref.index)
    for c in COLUMNS:
        a, b = got[c].to_numpy(dtype=float), ref[c].to_numpy(dtype=float)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=c)
        np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=rtol, atol=atol, err_msg=c)


def test_fixed_tender_by_hand():
    got = tender_screens(pd.DataFrame({"tender_id": "t", "price": [130.0, 100, 120, 110]})).iloc[0]
    assert got["n_bids"] == 4
    assert got["spd"] == pytest.approx(0.3) and got["diffp"] == pytest.approx(0.1)
    assert got["rd"] == pytest.approx(1.0) and got["rdnor"] == pytest.approx(1.0) and got["rdalt"] == pytest.approx(1.0)
    assert got["cv"] == pytest.approx(np.std([100, 110, 120, 130], ddof=1) / 115)
    assert got["skew"] == pytest.approx(0.0, abs=1e-12) and got["kurt"] == pytest.approx(-1.2)
    assert got["ks"] == pytest.approx(0.25)


def test_degenerate_tenders_are_missing_not_zero():
    bids = pd.DataFrame({
        "tender_id": ["one", "eq", "eq", "eq", "eq", "two", "two", "nan", "nan", "eqlose", "eqlose", "eqlose", "zero", "zero"],
        "price": [5.0, 7, 7, 7, 7, 1, 3, np.nan, 4, 1, 2, 2, 0, 3]})
    got = tender_screens(bids).set_index("tender_id")
    assert_same(got.reset_index(), reference(bids))
    assert got.loc["one", "n_bids"] == 1 and got.loc["one", SCREENS].isna().all()
    eq = got.loc["eq"]
    assert eq["cv"] == 0 and eq["spd"] == 0 and eq["diffp"] == 0
    assert np.isnan([eq["rd"], eq["rdnor"], eq["rdalt"], eq["kurt"], eq["skew"], eq["ks"]]).all()
    assert got.loc["two", "spd"] == 2 and np.isnan(got.loc["two", "rd"]) and np.isnan(got.loc["two", "skew"])
    assert got.loc["nan", "n_bids"] == 1
    assert np.isnan(got.loc["eqlose", "rd"]) and got.loc["eqlose", "rdnor"] == pytest.approx(2.0)
    assert np.isnan(got.loc["zero", "spd"]) and np.isnan(got.loc["zero", "diffp"])


def test_status_keeps_only_valid_bids_and_every_tender_gets_a_row():
    bids = pd.DataFrame({"tender_id": ["a", "a", "a", "a", "b"], "price": [1.0, 2, 100, 4, 9],
                         "status": ["valid", None, "disqualified", "valid", "withdrawn"]})
    got = tender_screens(bids).set_index("tender_id")
    assert got.loc["a", "n_bids"] == 3 and got.loc["a", "spd"] == pytest.approx(3.0)
    assert got.loc["b", "n_bids"] == 0 and got.loc["b", SCREENS].isna().all()
    assert_same(got.reset_index(), reference(bids))


def test_ids_are_text_sorted_and_missing_ids_dropped():
    bids = pd.DataFrame({"tender_id": [10, 9, 10, None], "price": [1.0, 2.0, 3.0, 4.0]}).astype({"tender_id": "Int64"})
    got = tender_screens(bids)
    assert got["tender_id"].tolist() == ["10", "9"] and got["n_bids"].tolist() == [2, 1]


def test_empty_and_bad_input():
    got = tender_screens(pd.DataFrame({"tender_id": pd.Series([], dtype=str), "price": pd.Series([], dtype=float)}))
    assert list(got.columns) == ["tender_id", *COLUMNS] and len(got) == 0
    with pytest.raises(InputError, match="price"):
        tender_screens(pd.DataFrame({"tender_id": ["a"]}))
    with pytest.raises(TypeError):
        tender_screens([1, 2])


tender = st.lists(st.one_of(st.floats(1, 1e7), st.sampled_from([np.nan, 100.0, 100.0, 250.5])), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(tender, min_size=1, max_size=8), st.integers(0, 2**31))
def test_random_tenders_match_reference(tenders, seed):
    rng = np.random.default_rng(seed)
    rows = [(f"t{i}", p) for i, ps in enumerate(tenders) for p in ps]
    bids = pd.DataFrame(rows, columns=["tender_id", "price"]).sample(frac=1, random_state=seed % 1000)
    bids["status"] = rng.choice(["valid", "valid", "disqualified", None], len(bids))
    assert_same(tender_screens(bids), reference(bids), rtol=1e-7, atol=1e-9)


def test_large_random_against_reference():
    rng = np.random.default_rng(1)
    sizes = rng.integers(1, 40, 300)
    tid = np.repeat(np.arange(300), sizes)
    price = rng.lognormal(10, 1, 300)[tid] * rng.uniform(0.8, 1.2, len(tid))
    price[rng.random(len(price)) < 0.03] = np.nan
    bids = pd.DataFrame({"tender_id": tid.astype(str), "price": price}).sample(frac=1, random_state=1)
    assert_same(tender_screens(bids), reference(bids))


@pytest.mark.slow
def test_japan_equals_textbook_recomputation():
    src = shared_path("collusion", "DB_Collusion_Japan_processed.csv")
    raw = pd.read_csv(src)
    bids = raw.rename(columns={"Tender": "tender_id", "Bid_value": "price"})[["tender_id", "price"]]
    got = tender_screens(bids)
    assert len(got) == raw["Tender"].nunique()
    assert_same(got, reference(bids))
    # the dataset's own published screens (4 decimals) agree where they use the same definitions
    pub = raw.groupby(raw["Tender"].astype(str))[["CV", "SPD", "KURT", "SKEW", "KSTEST", "Number_bids"]].first()
    g = got.set_index("tender_id").loc[pub.index]
    for mine, theirs in [("cv", "CV"), ("spd", "SPD"), ("kurt", "KURT"), ("skew", "SKEW"), ("ks", "KSTEST"), ("n_bids", "Number_bids")]:
        np.testing.assert_allclose(g[mine], pub[theirs], atol=1.5e-4, err_msg=mine)


def test_relative_screens_rank_and_demean_within_market_year():
    bids = pd.DataFrame({"tender_id": np.repeat(["a", "b", "c", "d"], 3),
                         "price": [1.0, 2, 3, 1, 1.1, 1.2, 5, 6, 9, 10, 10, 30]})
    tenders = pd.DataFrame({"tender_id": ["a", "b", "c", "d"], "region": ["x", "x", "y", "y"], "category": "works",
                            "published_at": pd.to_datetime(["2020-01-01", "2020-06-01", "2021-01-01", "2021-02-01"])})
    s = tender_screens(bids)
    r = relative_screens(s, tenders).set_index("tender_id")
    assert r.loc[["a", "b"], "spd_rank"].tolist() == [1.0, 0.5]
    assert r.loc[["c", "d"], "spd_dm"].sum() == pytest.approx(0.0)
    assert (r["market_n"] == 2).all()
    whole = relative_screens(s).set_index("tender_id")
    assert whole["market_n"].eq(4).all() and whole["cv_rank"].max() == 1.0
    by_cat = relative_screens(s, tenders, market="category").set_index("tender_id")
    assert by_cat["market_n"].tolist() == [2, 2, 2, 2]  # category x year
    with pytest.raises(InputError, match="nope"):
        relative_screens(s, tenders, market="nope")


def test_cli_screens_writes_csv_and_parquet(cli, tmp_path):
    d = tmp_path / "ds"
    d.mkdir()
    pd.DataFrame({"tender_id": ["t1", "t2"], "region": ["r", "r"], "published_at": ["2024-01-02", "2024-03-01"]}).to_csv(
        d / "tenders.csv", index=False)
    pd.DataFrame({"tender_id": ["t1"] * 4 + ["t2"] * 3, "bidder_id": list("abcdabc"),
                  "price": [100, 110, 120, 130, 5, 6, 9]}).to_csv(d / "bids.csv", index=False)
    cli("collusion", "screens", d, "--out", tmp_path / "s.csv", err="screens of 2 tenders")
    got = pd.read_csv(tmp_path / "s.csv", dtype={"tender_id": str}).set_index("tender_id")
    assert got.loc["t1", "rd"] == pytest.approx(1.0) and bool(got.loc["t1", "arithmetic"])
    assert {"cv_rank", "cv_dm", "market_n"} <= set(got.columns)
    cli("collusion", "screens", d, "--out", tmp_path / "s.parquet")
    assert len(pd.read_parquet(tmp_path / "s.parquet")) == 2
    cli("collusion", "screens", tmp_path / "nowhere", "--out", tmp_path / "x.csv", code=2, err="nowhere")
    cli("collusion", "screens", d, "--out", tmp_path / "x.txt", code=2, err="x.txt")
