"""features.evidence._kernels: the Numba kernels against plain numpy on random tenders (grouping, screens, progressions,
pair counts, Chan's merge)."""
from __future__ import annotations

import numpy as np
import pytest

from features.evidence import _kernels as K


@pytest.fixture(scope="module")
def tenders():
    rng = np.random.default_rng(11)
    codes = rng.integers(-1, 40, size=600)  # -1: a bid without a tender, dropped
    price = rng.lognormal(10, 0.3, size=600)
    price[rng.random(600) < 0.05] = np.nan
    return codes, price


def test_group_order_is_a_stable_counting_sort(tenders):
    codes, _ = tenders
    order, offsets = K.group_order(codes, 40)
    assert offsets[0] == 0 and offsets[-1] == (codes >= 0).sum() and len(offsets) == 41
    for g in range(40):
        assert order[offsets[g]:offsets[g + 1]].tolist() == np.flatnonzero(codes == g).tolist()


def test_screens_kernel_counts_and_cv_equal_numpy(tenders):
    codes, price = tenders
    order, offsets = K.group_order(codes, 40)
    out = K.screens_kernel(order, offsets, price)
    assert out.shape == (40, len(K.SCREEN_COLUMNS))
    n_col, cv_col = K.SCREEN_COLUMNS.index("n_bids"), K.SCREEN_COLUMNS.index("cv")
    for g in range(40):
        p = price[codes == g]
        p = p[np.isfinite(p)]
        assert out[g, n_col] == len(p)
        if len(p) >= 2:
            assert out[g, cv_col] == pytest.approx(p.std(ddof=1) / p.mean(), rel=1e-12)


def test_progressions_find_an_arithmetic_run():
    price = np.array([100.0, 110.0, 120.0, 130.0, 200.0, 50.0, 60.0])
    order, offsets = K.group_order(np.array([0, 0, 0, 0, 0, 1, 1]), 2)
    out = K.progressions_kernel(order, offsets, price, 1e-9)
    cols = {c: i for i, c in enumerate(K.PROGRESSION_COLUMNS)}
    assert out[0, cols["n_bids"]] == 5 and out[0, cols["arith_run"]] >= 3  # the gaps of 10 repeat
    assert out[1, cols["n_bids"]] == 2 and np.isnan(out[1, cols["gap_cv"]])  # too few bids


def test_pair_counts_count_pairs_of_different_bidders():
    offsets = np.array([0, 3, 5, 5])
    bidder = np.array([1, 2, 2, 7, 7])
    assert K.pair_counts(offsets, bidder).tolist() == [2, 0, 0]


def test_chan_merge_equals_the_variance_of_the_whole():
    rng = np.random.default_rng(3)
    x = rng.normal(size=90)
    parts = np.array_split(x, 6)
    n = np.array([len(p) for p in parts] + [0.0])
    mean = np.array([p.mean() for p in parts] + [0.0])
    m2 = np.array([((p - p.mean()) ** 2).sum() for p in parts] + [0.0])
    on, om, o2 = K.chan_merge(np.arange(7), np.array([0, 4, 7]), n, mean, m2)
    first = np.concatenate(parts[:4])
    assert on[0] == len(first) and om[0] == pytest.approx(first.mean()) and o2[0] == pytest.approx(((first - first.mean()) ** 2).sum())
    rest = np.concatenate(parts[4:])
    assert on[1] == len(rest) and o2[1] == pytest.approx(((rest - rest.mean()) ** 2).sum())  # the empty partial is skipped
