"""Pairwise bid evidence and progressions against slow, readable references on fixed, random and degenerate input."""
from __future__ import annotations

import itertools
import math
from fractions import Fraction
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from features.core.errors import InputError
from features.evidence.screens import bid_progressions
from features.evidence.pairs import (META_FIELDS, bid_pairs, bidder_pairs, combine_partials, finalize_pairs,
                            pair_partials, tenders_per_bidder)


ODD = 1.5
RTOL = 1e-4


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT or str(v).strip() == ""


def reference_pairs(bids: pd.DataFrame, items: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every pair of bids from different bidders in a tender, by plain loops."""
    bids = bids.reset_index(drop=True)
    lines = {}  # (tender, bidder) -> {item: (unit, qty)} for the first bid of that tender and bidder
    if items is not None:
        for r in items.itertuples(index=False):
            d = lines.setdefault((str(r.tender_id), str(r.bidder_id)), {})
            if str(r.item_code) not in d:
                d[str(r.item_code)] = (float(r.unit_price), float(getattr(r, "quantity", np.nan)))
    first = {}
    for i, r in bids.iterrows():
        first.setdefault((str(r.tender_id), str(r.bidder_id)), i)

    def bill(i):
        r = bids.loc[i]
        key = (str(r.tender_id), str(r.bidder_id))
        return lines.get(key, {}) if first.get(key) == i else {}

    def error(i):  # None unknown, 0 right total, else price - itemised total
        b = bill(i)
        if not b or "quantity" not in items.columns:
            return None
        total = sum(u * q for u, q in b.values())
        if not np.isfinite(total) or not np.isfinite(bids.loc[i, "price"]):
            return None
        e = bids.loc[i, "price"] - total
        return e if abs(e) > RTOL * abs(bids.loc[i, "price"]) else 0.0

    out = []
    for t, g in bids.groupby(bids["tender_id"].astype(str), sort=True):
        idx = list(g.index)
        itemised = sum(1 for i in idx if bill(i))
        for i, j in itertools.combinations(idx, 2):
            a, b = bids.loc[i], bids.loc[j]
            if str(a.bidder_id) == str(b.bidder_id):
                continue
            if str(a.bidder_id) > str(b.bidder_id):
                i, j, a, b = j, i, b, a
            pa, pb = float(a.price), float(b.price)
            row = {"tender_id": t, "bidder_a": str(a.bidder_id), "bidder_b": str(b.bidder_id), "row_a": i, "row_b": j,
                   "price_gap": abs(pa - pb) / min(pa, pb) if pa > 0 and pb > 0 else np.nan,
                   "log_ratio": math.log(pa / pb) if pa > 0 and pb > 0 else np.nan}
            if "submitted_at" in bids.columns:
                ta, tb = a.submitted_at, b.submitted_at
                row["time_gap_s"] = np.nan if pd.isna(ta) or pd.isna(tb) else abs((ta - tb).total_seconds())
            else:
                row["time_gap_s"] = np.nan
            row["win_a"] = float(a.is_winner) if "is_winner" in bids.columns else np.nan
            row["win_b"] = float(b.is_winner) if "is_winner" in bids.columns else np.nan
            for f in META_FIELDS:
                row[f"same_{f}"] = int(f in bids.columns and not _missing(a[f]) and not _missing(b[f]) and a[f] == b[f])
            row["n_same_meta"] = sum(row[f"same_{f}"] for f in META_FIELDS)
            if items is not None:
                ba, bb = bill(i), bill(j)
                shared = [k for k in ba if k in bb and np.isfinite(ba[k][0]) and np.isfinite(bb[k][0])]
                x = np.array([ba[k][0] for k in shared])
                y = np.array([bb[k][0] for k in shared])
                row["items_shared"] = len(shared) if ba and bb else np.nan
                row["item_cosine"] = x @ y / np.sqrt((x @ x) * (y @ y)) if len(shared) and (x @ x) > 0 and (y @ y) > 0 else np.nan
                row["item_pearson"] = (np.corrcoef(x, y)[0, 1] if len(shared) >= 2 and np.ptp(x) > 0 and np.ptp(y) > 0
                                       else np.nan)
                row["item_identical_share"] = np.mean(x == y) if len(shared) else np.nan
                odd = 0
                for k in shared:
                    u = ba[k][0]
                    if u != bb[k][0] or not u > 0:
                        continue
                    others = [math.log(bill(m)[k][0]) for m in idx if m not in (i, j) and k in bill(m)
                              and np.isfinite(bill(m)[k][0]) and bill(m)[k][0] > 0]
                    if not others:
                        odd += itemised >= 3
                    elif abs(math.log(u) - np.mean(others)) > math.log(ODD):
                        odd += 1
                row["same_odd_items"] = odd if ba and bb else np.nan
                ea, eb = error(i), error(j)
                row["same_wrong_total"] = (np.nan if ea is None or eb is None else
                                           float(ea != 0 and eb != 0 and abs(ea - eb) <= RTOL * max(abs(ea), abs(eb))))
            out.append(row)
    return pd.DataFrame(out)


def assert_pairs_equal(got: pd.DataFrame, ref: pd.DataFrame):
    assert len(got) == len(ref)
    if not len(ref):
        return
    got = got.assign(**{c: got[c].astype(str) for c in ("tender_id", "bidder_a", "bidder_b")})
    got = got.sort_values(["row_a", "row_b"]).reset_index(drop=True)
    ref = ref.sort_values(["row_a", "row_b"]).reset_index(drop=True)
    for c in ref.columns:
        a, b = got[c].to_numpy(), ref[c].to_numpy()
        if a.dtype.kind in "fiu" and c not in ("row_a", "row_b"):
            a, b = a.astype(float), b.astype(float)
            np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=c)
            np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-9, atol=1e-12, err_msg=c)
        else:
            assert list(a) == list(b), c


def fixed_bids():
    return pd.DataFrame({
        "tender_id": ["t1"] * 4 + ["t2"] * 3 + ["t3"],
        "bidder_id": ["a", "b", "c", "d", "b", "a", "c", "a"],
        "price": [100.0, 110, 121, 133.1, 220, 200, np.nan, 5],
        "ip": ["1.1", "1.1", None, "", "x", "x", "x", "q"],
        "device_id": ["d", "e", "", "", None, None, "z", "z"],
        "is_winner": [1.0, 0, 0, 0, 1, 0, 0, 1],
        "submitted_at": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01", None, "2024-01-01 11:00",
                                        "2024-01-02 00:00", "2024-01-02 00:00", "2024-01-02 00:05", "2024-01-03 00:00"])})


def fixed_items():
    return pd.DataFrame({
        "tender_id": ["t1"] * 10,
        "bidder_id": ["a", "a", "a", "b", "b", "b", "c", "c", "d", "d"],
        "item_code": ["i1", "i2", "i9", "i1", "i2", "i9", "i1", "i2", "i1", "i2"],
        "unit_price": [10.0, 20, 77, 10, 21, 77, 10, 60, 11, 19],
        "quantity": [1.0, 2, 1, 1, 2, 1, 1, 1, 1, 1]})


def test_fixed_pairs_by_hand():
    bids, items = fixed_bids(), fixed_items()
    p = bid_pairs(bids, items)
    assert len(p) == 6 + 3  # t1: 4 bidders -> 6 pairs; t2: 3 -> 3; t3: one bid -> none
    ab = p[(p.tender_id == "t1") & (p.bidder_a == "a") & (p.bidder_b == "b")].iloc[0]
    assert ab.price_gap == pytest.approx(0.1) and ab.log_ratio == pytest.approx(math.log(100 / 110))
    assert ab.same_ip == 1 and ab.same_device_id == 0 and ab.n_same_meta == 1 and ab.time_gap_s == 60
    assert ab.items_shared == 3 and ab.item_identical_share == pytest.approx(2 / 3)
    assert ab.same_odd_items == 1  # i9 at 77, quoted only by a and b while 4 bids are itemised
    # t2: b (row 4) vs a (row 5) is oriented a < b; same ip; win_a is row 5's
    t2 = p[(p.tender_id == "t2") & (p.bidder_a == "a") & (p.bidder_b == "b")].iloc[0]
    assert (t2.row_a, t2.row_b, t2.win_a, t2.win_b, t2.same_ip) == (5, 4, 0.0, 1.0, 1)
    assert p.attrs["meta_fields"] == ["ip", "device_id"]
    assert_pairs_equal(p, reference_pairs(bids, items))


def test_wrong_totals_and_odd_prices():
    bids = pd.DataFrame({"tender_id": "t", "bidder_id": ["a", "b", "c", "d"], "price": [105.0, 105, 60, 62]})
    items = pd.DataFrame({"tender_id": "t", "bidder_id": np.repeat(["a", "b", "c", "d"], 2),
                          "item_code": ["x", "y"] * 4,
                          # a and b: the same odd price 90 for x (others quote 50) and totals 5 above the bill
                          "unit_price": [90.0, 10, 90, 10, 50, 10, 52, 10], "quantity": 1.0})
    p = bid_pairs(bids, items).set_index(["bidder_a", "bidder_b"])
    assert p.loc[("a", "b"), "same_wrong_total"] == 1 and p.loc[("a", "b"), "same_odd_items"] == 1
    assert p.loc[("c", "d"), "same_wrong_total"] == 0 and p.loc[("c", "d"), "same_odd_items"] == 0
    assert p.loc[("a", "c"), "same_wrong_total"] == 0
    assert_pairs_equal(bid_pairs(bids, items), reference_pairs(bids, items))
    no_qty = bid_pairs(bids, items.drop(columns="quantity"))
    assert no_qty["same_wrong_total"].isna().all()


def test_degenerate_inputs():
    one = pd.DataFrame({"tender_id": ["t"], "bidder_id": ["a"], "price": [1.0]})
    assert len(bid_pairs(one)) == 0
    assert len(bidder_pairs(one)) == 0
    same = pd.DataFrame({"tender_id": ["t", "t"], "bidder_id": ["a", "a"], "price": [1.0, 2.0]})
    assert len(bid_pairs(same)) == 0  # a bidder is never paired with itself
    eq = pd.DataFrame({"tender_id": "t", "bidder_id": ["a", "b", "c"], "price": 7.0, "ip": [None, None, ""]})
    p = bid_pairs(eq)
    assert (p.price_gap == 0).all() and (p.log_ratio == 0).all() and (p.same_ip == 0).all() and p.time_gap_s.isna().all()
    no_items = bid_pairs(eq, pd.DataFrame(columns=["tender_id", "bidder_id", "item_code", "unit_price", "quantity"]))
    assert len(no_items) == 3 and no_items[["items_shared", "item_cosine", "same_wrong_total"]].isna().all().all()
    nanp = pd.DataFrame({"tender_id": "t", "bidder_id": ["a", "b"], "price": [np.nan, 0.0]})
    assert bid_pairs(nanp)[["price_gap", "log_ratio"]].isna().all().all()
    empty = pd.DataFrame({"tender_id": pd.Series([], dtype=str), "bidder_id": pd.Series([], dtype=str),
                          "price": pd.Series([], dtype=float)})
    assert len(bid_pairs(empty)) == 0 and len(bid_progressions(empty)) == 0
    with pytest.raises(InputError, match="bidder_id"):
        bid_pairs(pd.DataFrame({"tender_id": ["t"], "price": [1.0]}))
    with pytest.raises(ValueError, match="odd_ratio"):
        bid_pairs(one, odd_ratio=0.5)
    with pytest.raises(InputError, match="item_code"):
        bid_pairs(one, pd.DataFrame({"tender_id": ["t"], "bidder_id": ["a"], "unit_price": [1.0]}))


def test_valid_only_drops_invalid_bids():
    bids = fixed_bids().assign(status=["valid", "disqualified", None, "valid", "valid", "valid", "withdrawn", "valid"])
    assert len(bid_pairs(bids)) == 9
    p = bid_pairs(bids, valid_only=True)
    assert len(p) == 3 + 1 and not ({1, 6} & (set(p.row_a) | set(p.row_b)))


def random_bids(seed: int, n_tenders: int, items: bool):
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_tenders):
        k = int(rng.integers(1, 7))
        bidders = rng.choice(list("abcdefgh"), k, replace=not items)
        base = rng.choice([100.0, 1000.0, 5e5])
        for b in bidders:
            p = base * rng.choice([1.0, 1.0 + rng.uniform(0, 0.3)])
            rows.append({"tender_id": f"t{t}", "bidder_id": str(b),
                         "price": np.nan if rng.random() < 0.05 else p,
                         "ip": rng.choice(["1", "2", "", None]), "agent_id": rng.choice(["x", "y", None]),
                         "is_winner": rng.choice([0.0, 1.0, np.nan]),
                         "submitted_at": pd.NaT if rng.random() < 0.2 else pd.Timestamp("2024-01-01") + pd.Timedelta(
                             seconds=int(rng.integers(0, 10_000)))})
    bids = pd.DataFrame(rows)
    if not items:
        return bids, None
    lines = []
    for r in bids.itertuples():
        if rng.random() < 0.2:
            continue
        for code in rng.choice(["i1", "i2", "i3", "i4", "i5"], int(rng.integers(1, 5)), replace=True):
            lines.append({"tender_id": r.tender_id, "bidder_id": r.bidder_id, "item_code": str(code),
                          "unit_price": rng.choice([5.0, 10.0, 40.0, np.nan, float(rng.uniform(1, 50))]),
                          "quantity": rng.choice([1.0, 2.0, 3.0])})
    return bids, pd.DataFrame(lines, columns=["tender_id", "bidder_id", "item_code", "unit_price", "quantity"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**31), st.integers(1, 12), st.booleans())
def test_random_pairs_match_reference(seed, n_tenders, items):
    bids, lines = random_bids(seed, n_tenders, items)
    assert_pairs_equal(bid_pairs(bids, lines), reference_pairs(bids, lines))


def reference_bidder_pairs(ref: pd.DataFrame, bids: pd.DataFrame) -> pd.DataFrame:
    n_t = bids.groupby(bids.bidder_id.astype(str)).tender_id.nunique()
    rows = []
    for (a, b), g in ref.groupby(["bidder_a", "bidder_b"], sort=True):
        wins = g.win_a.notna() & g.win_b.notna()
        lr = g.log_ratio.dropna()
        rows.append({"bidder_a": a, "bidder_b": b, "co_bids": len(g),
                     "wins_a": g.win_a[wins].sum() if wins.any() else np.nan,
                     "wins_b": g.win_b[wins].sum() if wins.any() else np.nan,
                     "n_tenders_a": n_t[a], "n_tenders_b": n_t[b], "co_bid_rate": len(g) / min(n_t[a], n_t[b]),
                     "gap_mean": g.price_gap.mean(), "gap_min": g.price_gap.min(), "ratio_mean": lr.mean(),
                     "ratio_sd": lr.std(ddof=1) if len(lr) >= 2 else np.nan,
                     **{f"shared_{f}": g[f"same_{f}"].sum() for f in META_FIELDS},
                     "shared_meta_tenders": (g.n_same_meta > 0).sum(),
                     "time_gap_min": g.time_gap_s.min(), "time_gap_mean": g.time_gap_s.mean()})
    return pd.DataFrame(rows)


def test_bidder_pairs_match_reference_and_partials_combine():
    bids, _ = random_bids(7, 60, items=False)
    got = bidder_pairs(bids)
    ref = reference_bidder_pairs(reference_pairs(bids), bids)
    assert got[["bidder_a", "bidder_b"]].values.tolist() == ref[["bidder_a", "bidder_b"]].values.tolist()
    for c in ref.columns[2:]:
        np.testing.assert_allclose(got[c].astype(float), ref[c].astype(float), rtol=1e-9, atol=1e-7, err_msg=c)
    # per-partition semantics: two partitions of whole tenders give the same result
    t = bids.tender_id.isin([f"t{i}" for i in range(25)])
    parts = [pair_partials(bid_pairs(bids[t])), pair_partials(bid_pairs(bids[~t]))]
    split = finalize_pairs(combine_partials(parts), tenders_per_bidder(bids))
    pd.testing.assert_frame_equal(split, got, check_dtype=False, rtol=1e-9, atol=1e-7)


def reference_partials(ref: pd.DataFrame) -> pd.DataFrame:
    """What `pair_partials` (the `pair_reduce` kernel) gives per bidder pair, by pandas/NumPy on a `reference_pairs` frame:
    counts, sums, minima, and the log ratio's (count, mean, M2 by numpy's two-pass variance)."""
    rows = []
    for (a, b), g in ref.groupby(["bidder_a", "bidder_b"], sort=True):
        wins = g.win_a.notna() & g.win_b.notna()
        lr = g.log_ratio.dropna().to_numpy()
        row = {"bidder_a": a, "bidder_b": b, "co_bids": len(g), "win_known": wins.sum(), "wins_a": g.win_a[wins].sum(),
               "wins_b": g.win_b[wins].sum(), "gap_n": g.price_gap.notna().sum(), "gap_sum": g.price_gap.sum(),
               "ratio_n": len(lr), "ratio_mean": lr.mean() if len(lr) else 0.0,
               "ratio_m2": np.var(lr) * len(lr) if len(lr) else 0.0,
               "time_n": g.time_gap_s.notna().sum(), "time_sum": g.time_gap_s.sum(),
               "shared_meta_tenders": (g.n_same_meta > 0).sum(), "gap_min": g.price_gap.min(),
               "time_gap_min": g.time_gap_s.min(), **{f"shared_{f}": g[f"same_{f}"].sum() for f in META_FIELDS}}
        if "item_cosine" in g.columns:
            for short, c in (("cos", "item_cosine"), ("pear", "item_pearson"), ("ident", "item_identical_share")):
                row[f"{short}_n"] = g[c].notna().sum()
                row[f"{short}_sum"] = g[c].sum()
            row["same_odd_items"] = g.same_odd_items.sum()
            row["same_wrong_totals"] = g.same_wrong_total.sum()
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed,items", [(11, False), (12, True)])
def test_pair_partials_match_reference(seed, items):
    bids, lines = random_bids(seed, 60, items)
    ref = reference_partials(reference_pairs(bids, lines))
    got = pair_partials(bid_pairs(bids, lines))
    assert set(got.columns) == set(ref.columns)
    assert got[["bidder_a", "bidder_b"]].astype(str).values.tolist() == ref[["bidder_a", "bidder_b"]].values.tolist()
    for c in ref.columns[2:]:
        np.testing.assert_allclose(got[c].astype(float), ref[c].astype(float), rtol=1e-9, atol=1e-12, err_msg=c)


def _ratio_frame(keys, ratios) -> pd.DataFrame:
    """A minimal `bid_pairs`-like frame: bidder pairs given as 'a|b' keys, their log ratios, a dummy price gap."""
    a, b = zip(*(k.split("|") for k in keys)) if len(keys) else ((), ())
    return pd.DataFrame({"bidder_a": list(a), "bidder_b": list(b), "price_gap": 0.1, "log_ratio": ratios})


def _random_split(rng, frame: pd.DataFrame, k: int) -> list[pd.DataFrame]:
    """`frame`'s rows shuffled into k parts of random sizes (some may be empty)."""
    cuts = np.sort(rng.integers(0, len(frame) + 1, k - 1))
    perm = rng.permutation(len(frame))
    return [frame.iloc[np.sort(ix)] for ix in np.split(perm, cuts)]


def _merge(rng, partials: list[pd.DataFrame]) -> pd.DataFrame:
    """combine_partials as a random tree: flat, or combinations of combinations (as the Dask tree reduction does)."""
    if len(partials) > 2 and rng.random() < 0.5:
        cut = int(rng.integers(1, len(partials)))
        return combine_partials([_merge(rng, partials[:cut]), _merge(rng, partials[cut:])])
    return combine_partials(partials)


@pytest.mark.parametrize("seed", range(8))
def test_chan_merge_of_random_splits_equals_whole_variance(seed):
    rng = np.random.default_rng(seed)
    n_pairs = 5
    sizes = rng.integers(2, 400, n_pairs)
    keys = np.repeat([f"a{i}|b{i}" for i in range(n_pairs)], sizes)
    ratios = np.concatenate([rng.normal(rng.uniform(-1, 1), rng.uniform(1e-4, 0.5), m) for m in sizes])
    frame = _ratio_frame(keys, ratios)
    parts = _random_split(rng, frame, int(rng.integers(2, 12)))
    merged = _merge(rng, [pair_partials(p) for p in parts if len(p)]).set_index(["bidder_a", "bidder_b"])
    out = finalize_pairs(merged.reset_index()).set_index(["bidder_a", "bidder_b"])
    for i in range(n_pairs):
        x = ratios[keys == f"a{i}|b{i}"]
        m = merged.loc[(f"a{i}", f"b{i}")]
        assert m.ratio_n == len(x)
        np.testing.assert_allclose(m.ratio_m2 / (len(x) - 1), np.var(x, ddof=1), rtol=1e-12)
        np.testing.assert_allclose(m.ratio_mean, np.mean(x), rtol=1e-12)
        np.testing.assert_allclose(out.loc[(f"a{i}", f"b{i}"), "ratio_sd"], np.std(x, ddof=1), rtol=1e-12)


def test_variance_has_no_cancellation_for_large_close_ratios():
    rng = np.random.default_rng(5)
    x = 1e8 + rng.normal(0, 1e-3, 1000)  # large, close values: their squares carry no digits of the spread
    truth = np.var(x, ddof=1)  # numpy's two-pass variance
    n = len(x)
    s, s2 = x.sum(), (x * x).sum()
    old = (s2 - n * (s / n) ** 2) / (n - 1)  # the former sum-of-squares formula
    assert not abs(old - truth) < 0.5 * truth  # badly wrong (off by orders of magnitude, or of the wrong sign)
    fx = [Fraction(v) for v in x]
    exact_mean = sum(fx) / n
    exact = float(sum((v - exact_mean) ** 2 for v in fx) / (n - 1))  # the variance of these floats, correctly rounded
    frame = _ratio_frame(["a|b"] * n, x)
    one = finalize_pairs(combine_partials([pair_partials(frame)]))
    # numpy's two-pass variance is itself off by (its mean's rounding error / sd)**2 ~ 1e-10 here; ours is corrected
    np.testing.assert_allclose(one.ratio_sd[0] ** 2, truth, rtol=1e-9)
    np.testing.assert_allclose(one.ratio_sd[0] ** 2, exact, rtol=1e-12)
    np.testing.assert_allclose(one.ratio_mean[0], float(exact_mean), rtol=1e-15)
    # split: each merge adds d * d * na * nb / n with d a difference of two means rounded to ulp(1e8) ~ 1.5e-8, so
    # the result is exact only to about ulp(mean) / sd * (number of parts) / sqrt(n) relative, still far from the old one
    parts = [pair_partials(p) for p in _random_split(rng, frame, 6) if len(p)]
    split = finalize_pairs(combine_partials(parts))
    np.testing.assert_allclose(split.ratio_sd[0] ** 2, truth, rtol=1e-5)


@pytest.mark.parametrize("seed", [1, 2])
def test_split_bid_pairs_equal_one_partition_pair_evidence(seed):
    from features.evidence.pairs import pair_evidence
    from features.core.settings import Settings

    bids, lines = random_bids(seed, 150, items=True)
    pairs, whole = pair_evidence(bids, lines, Settings())
    rng = np.random.default_rng(seed)
    parts = _random_split(rng, pairs, 7)  # rows of the bid pairs, not whole tenders: partials are per bidder pair
    split = finalize_pairs(_merge(rng, [pair_partials(p) for p in parts if len(p)]), tenders_per_bidder(bids))
    assert (whole.ratio_sd > 0).sum() > 10  # the comparison covers real spreads
    # 1e-12 relative; the absolute floor covers ratio_sd of pairs with one fixed price ratio (~1e-17, rounding noise)
    pd.testing.assert_frame_equal(split, whole, check_dtype=False, check_exact=False, rtol=1e-12, atol=1e-15)


def test_partitioned_pair_evidence_equals_one_partition():
    """The engine path itself (tender partitions, partials cast to text ids, a two-level tree of combines), in process."""
    from features.engine import PandasEngine
    from features.evidence.pairs import pair_evidence
    from features.partitioned import pair_evidence_on_engine
    from features.core.settings import Settings

    class Partitioned(PandasEngine):
        def partitions(self, rows: int) -> int:
            return 20  # more than map_reduce's split_every (8): combinations of combinations

    bids, lines = random_bids(3, 200, items=True)
    pairs, whole = pair_evidence(bids, lines, Settings())
    n, split = pair_evidence_on_engine(bids, lines, Settings(), eng=Partitioned())
    assert n == len(pairs) and (whole.ratio_sd > 0).sum() > 10
    pd.testing.assert_frame_equal(split, whole, check_dtype=False, check_exact=False, rtol=1e-12, atol=1e-15,
                                  check_categorical=False)


def test_constant_price_ratio_is_found():
    rng = np.random.default_rng(3)
    base = rng.lognormal(10, 1, 20)
    bids = pd.DataFrame({"tender_id": np.repeat([f"t{i}" for i in range(20)], 3),
                         "bidder_id": ["x", "y", "z"] * 20,
                         "price": np.column_stack([base, base * 1.05, base * rng.uniform(0.8, 1.3, 20)]).ravel()})
    got = bidder_pairs(bids).set_index(["bidder_a", "bidder_b"])
    assert got.loc[("x", "y"), "ratio_sd"] < 1e-6 and got.loc[("x", "z"), "ratio_sd"] > 0.05
    assert got.loc[("x", "y"), "ratio_mean"] == pytest.approx(-math.log(1.05))
    assert bidder_pairs(bids, min_co_bids=21).empty


def reference_progression(prices, rtol):
    b = np.sort([p for p in prices if np.isfinite(p)])

    def run(steps):
        best = cur = 0
        for i, s in enumerate(steps):
            if not s > 0:
                cur = 0
            elif cur and abs(s - steps[i - 1]) <= rtol * max(s, steps[i - 1]):
                cur += 1
            else:
                cur = 1
            best = max(best, cur + 1 if cur else 0)
        return best if best >= 3 else 0

    gaps = np.diff(b)
    lr = np.diff(np.log(b)) if len(b) and b[0] > 0 else np.array([])
    return len(b), run(gaps) if len(b) >= 3 else 0, run(lr) if len(b) >= 3 and len(lr) else 0


def test_progressions():
    bids = pd.DataFrame({"tender_id": ["ar"] * 4 + ["geo"] * 4 + ["part"] * 5 + ["two"] * 2,
                         "price": [100.0, 130, 110, 120, 100, 121, 110, 133.1, 50, 100, 101, 102, 103, 1, 2]})
    got = bid_progressions(bids).set_index("tender_id")
    assert got.loc["ar", "arithmetic"] and not got.loc["ar", "geometric"] and got.loc["ar", "gap_cv"] == pytest.approx(0)
    assert got.loc["geo", "geometric"] and not got.loc["geo", "arithmetic"] and got.loc["geo", "ratio_cv"] == pytest.approx(0, abs=1e-12)
    assert got.loc["part", "arith_run"] == 4 and not got.loc["part", "arithmetic"]
    assert got.loc["two", "arith_run"] == 0 and np.isnan(got.loc["two", "gap_cv"])
    rng = np.random.default_rng(5)
    prices = rng.choice([10.0, 20, 30, 40, 45, np.nan], (200, 6))
    frame = pd.DataFrame({"tender_id": np.repeat(np.arange(200).astype(str), 6), "price": prices.ravel()})
    got = bid_progressions(frame, rtol=1e-6).set_index("tender_id")
    for t in range(200):
        n, ar, ge = reference_progression(prices[t], 1e-6)
        assert tuple(got.loc[str(t), ["n_bids", "arith_run", "geom_run"]]) == (n, ar, ge)


def test_cli_pairs(cli, tmp_path):
    d = tmp_path / "ds"
    d.mkdir()
    fixed_bids().drop(columns="submitted_at").to_csv(d / "bids.csv", index=False)
    fixed_items().to_csv(d / "bid_items.csv", index=False)
    cli("collusion", "pairs", d, "--out", tmp_path / "p.csv", err="bidder pairs")
    got = pd.read_csv(tmp_path / "p.csv").set_index(["bidder_a", "bidder_b"])
    assert got.loc[("a", "b"), "co_bids"] == 2 and got.loc[("a", "b"), "shared_ip"] == 2
    assert got.loc[("a", "b"), "same_odd_items"] == 1
    cli("collusion", "pairs", d, "--out", tmp_path / "pt.parquet", "--per-tender", err="pairs of bids")
    assert len(pd.read_parquet(tmp_path / "pt.parquet")) == 7  # the bid without a price is rejected on load


def test_blank_metadata_never_equal_and_non_text_values_compare_as_text():
    bids = pd.DataFrame({"tender_id": "t", "bidder_id": ["a", "b", "c", "d"], "price": 1.0,
                         "ip": ["\u3000", "\u3000", " \t", " \t"], "device_id": [7, 7, None, 8],
                         "file_hash": ["h\u3000", "h\u3000", "é", "é"]})
    p = bid_pairs(bids).set_index(["bidder_a", "bidder_b"])
    assert p["same_ip"].sum() == 0
    assert p.loc[("a", "b"), "same_device_id"] == 1 and p["same_device_id"].sum() == 1
    assert p.loc[("a", "b"), "same_file_hash"] == 1 and p.loc[("c", "d"), "same_file_hash"] == 1
    sliced = fixed_bids().iloc[2:]  # a slice: positions are relative to the frame passed in
    assert_pairs_equal(bid_pairs(sliced), reference_pairs(sliced))


def test_hash_collisions_are_confirmed_on_the_text():
    import pyarrow as pa

    from features.evidence.pairs import _confirm_equal

    arr = pa.array(["x", "y", "x"], type=pa.large_string())
    rows = np.array([[0, 0], [1, 2]])  # pairs of bids (0, 1) and (0, 2)
    flags = np.array([[1, 1], [1, 1]], dtype=np.int8)  # as if both pairs' hashes were equal
    _confirm_equal([arr], rows, flags)
    assert flags.tolist() == [[0, 1], [0, 1]]


def test_confirm_reads_chunked_text_and_flags_found_word_by_word():
    import pyarrow as pa

    from features.evidence.pairs import _confirm_equal, _flagged, _take

    arr = pa.chunked_array([["x", "y"], [], ["x", "z", "y"]], type=pa.large_string())
    rows = np.array([4, 0, 2, 1, 3])
    assert _take(arr, rows).to_pylist() == ["y", "x", "x", "y", "z"]
    flags = np.zeros(21, dtype=np.int8)
    flags[[0, 7, 8, 19, 20]] = 1
    assert _flagged(flags).tolist() == [0, 7, 8, 19, 20]
    assert _flagged(np.zeros(5, np.int8)).tolist() == []
    pairs = np.array([[0, 0, 1], [2, 1, 4]])  # texts x=x, x!=y, y=y
    f = np.array([[1, 1, 1], [1, 1, 1]], dtype=np.int8)
    _confirm_equal([arr], pairs, f)
    assert f.tolist() == [[1, 0, 1], [1, 0, 1]]


def test_many_bidders_use_wide_codes_and_rows_point_at_the_bids():
    # 2**15 bidders and more: bidder codes are written as int32 instead of int16 (a second kernel specialisation)
    n = 2 * 16_500
    rng = np.random.default_rng(3)
    bids = pd.DataFrame({"tender_id": np.repeat([f"t{i}" for i in range(n // 2)], 2),
                         "bidder_id": [f"b{i:05d}" for i in rng.permutation(n)], "price": rng.uniform(1, 2, n)})
    p = bid_pairs(bids)
    assert len(p) == n // 2 and p["row_a"].dtype == np.int32
    ids = bids["bidder_id"].to_numpy()
    assert (p["bidder_a"].astype(str).to_numpy() == ids[p["row_a"]]).all()
    assert (p["bidder_b"].astype(str).to_numpy() == ids[p["row_b"]]).all()
    assert (p["bidder_a"].astype(str) < p["bidder_b"].astype(str)).all()
    pa_, pb_ = bids["price"].to_numpy()[p["row_a"]], bids["price"].to_numpy()[p["row_b"]]
    # log_ratio is log(pa) - log(pb) (one log per bid, not per pair): equal to log(pa / pb) to a few ulps of log(price),
    # i.e. absolutely (prices here are in [1, 2]); relatively only away from pa == pb
    np.testing.assert_allclose(p["log_ratio"], np.log(pa_ / pb_), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("ids", [
    [], ["b"], ["b", "b", None, None, "a", "é", "Z", "", ""], ["a", "b"] * 3000,  # no runs: every id hashed
    list(np.repeat(["c", "a", None, "b", "c"], 1500)),  # runs (bids listed tender by tender): only run heads hashed
])
@pytest.mark.parametrize("dtype", ["str", "string[python]", "object"])
def test_factorize_sorted_matches_pandas(ids, dtype):
    from features.evidence.bids import factorize_sorted
    s = pd.Series(ids, dtype=dtype, name="tender_id")
    codes, uniques = factorize_sorted(s)
    ref_codes, ref_uniques = pd.factorize(s.astype("string"), sort=True)
    assert codes.dtype == np.int64 and codes.tolist() == ref_codes.tolist()
    assert list(uniques) == list(ref_uniques) and uniques.name == "tender_id"
    # sorted as Python compares text (code points), whatever the order the ids came in
    assert list(uniques) == sorted(set(x for x in ids if x is not None))


def test_threaded_factorising_and_all_missing_metadata_change_nothing(monkeypatch):
    import features.evidence.pairs as fp
    rng = np.random.default_rng(5)
    n = 600
    bids = pd.DataFrame({"tender_id": np.repeat([f"t{i:03d}" for i in range(n // 6)], 6),
                         "bidder_id": [f"b{i}" for i in rng.integers(0, 40, n)], "price": rng.uniform(1, 2, n),
                         "ip": [f"ip{i}" for i in rng.integers(0, 30, n)], "mac": [None] * n})
    plain = bid_pairs(bids)
    monkeypatch.setattr(fp, "_THREADED_ROWS", 0)  # the bidder ids factorised in a second thread, as for big inputs
    threaded = bid_pairs(bids)
    pd.testing.assert_frame_equal(plain, threaded)
    assert plain["same_ip"].sum() > 0 and (plain["same_mac"] == 0).all() and "mac" in plain.attrs["meta_fields"]
