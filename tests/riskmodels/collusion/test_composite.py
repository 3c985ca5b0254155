"""riskmodels.collusion.composite: the no-model score's families, weights, directions and arithmetic."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodels.collusion.composite import (composite_frame, composite_score, default_direction, evidence_families,
                                            evidence_weights, market_positions)


def _table():
    return pd.DataFrame({"tender_id": ["a", "b", "c", "d"], "n_bids": [5, 4, 2, 6], "cv": [0.01, 0.05, 0.2, 0.03],
                         "pair_max_same_meta": [1.0, 0.0, 0.0, 2.0], "max_relation": [0.0, 0.0, 0.0, 0.0],
                         "group_score": [0.9, 0.1, 0.0, 0.5], "flag_A34": [1, 0, np.nan, 0], "flag_R057": [0, 2, 0, 0]})


def test_families_count_only_what_varies_and_patterns_need_ties():
    t = _table()
    fam = evidence_families(t)
    assert fam == {"cv": "prices", "pair_max_same_meta": "ties", "group_score": "patterns"}  # max_relation is constant
    assert "group_score" not in evidence_families(t.drop(columns="pair_max_same_meta"))  # no ties: no patterns
    assert evidence_weights({"cv": "prices", "x": "ties", "y": "ties"}) == {"cv": 1.0, "x": 0.5, "y": 0.5}


def test_directions_follow_the_literature():
    assert default_direction("cv") == -1 and default_direction("kurt") == 1
    assert default_direction("skew") == 0 and default_direction("flag_A34") == 1


def test_positions_are_mid_ranks_oriented_and_the_score_their_weighted_mean():
    X = np.array([[1.0, 10.0], [3.0, np.nan]])
    ref = [np.array([1.0, 2.0, 3.0, 4.0]), np.array([10.0, 20.0])]
    P = market_positions(X, ref, np.array([+1, -1]))
    assert P[0, 0] == pytest.approx(0.125) and P[1, 0] == pytest.approx(0.625)
    assert P[0, 1] == pytest.approx(1 - 0.25) and np.isnan(P[1, 1])
    s = composite_score(P, np.array([1.0, 1.0]))
    assert s[0] == pytest.approx((0.125 + 0.75) / 2) and s[1] == pytest.approx(0.625)
    assert composite_score(np.full((1, 2), np.nan), np.ones(2))[0] == 0.5  # nothing known: typical of the market


def test_composite_frame_counts_flags_and_leaves_out_cv_of_small_tenders():
    X, w = composite_frame(_table())
    assert np.isnan(X.loc[2, "cv"]) and X.loc[0, "cv"] == 0.01  # tender c has 2 bids
    assert "tie_flags" in X.columns and X["tie_flags"].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert "pattern_flags" in X.columns and X["pattern_flags"].tolist() == [0.0, 1.0, 0.0, 0.0]
    fams = evidence_families(X.assign(n_bids=_table()["n_bids"]))
    assert set(w) == set(X.columns) and sum(w[c] for c in w if fams.get(c) == "ties") == pytest.approx(1.0)
