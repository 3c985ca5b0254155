"""The collusion feature tables: auction facts, pair aggregates per tender, market-relative columns, model columns."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from riskmodels.collusion.tables import auction_features, model_columns, pair_aggregates, tender_feature_table


def _bids():
    return pd.DataFrame({
        "tender_id": ["t1"] * 4 + ["t2"] * 3 + ["t3"] * 2,
        "bidder_id": ["a", "b", "c", "d", "a", "b", "e", "c", "d"],
        "price": [100.0, 100.2, 110.0, 120.0, 200.0, 260.0, 300.0, 50.0, 55.0],
        "is_winner": [0, 1, 0, 0, 1, 0, 0, 1, 0],
        "device_id": ["x", "x", None, "y", None, None, None, "z", "q"],
    })


def test_auction_features_by_hand():
    tenders = pd.DataFrame({"tender_id": ["t1", "t2", "t3"], "reserve_price": [125.0, None, 0.0]})
    a = auction_features(_bids(), tenders).set_index("tender_id")
    # t1: winner is the 2nd of 4 bids -> rank (2-1)/(4-1); wins at 100.2 against a minimum of 100
    assert a.loc["t1", "winner_rank"] == pytest.approx(1 / 3)
    assert a.loc["t1", "win_to_min"] == pytest.approx(0.002)
    assert a.loc["t1", "win_to_reserve"] == pytest.approx(100.2 / 125)
    assert a.loc["t1", "mean_to_reserve"] == pytest.approx(107.55 / 125)
    assert a.loc["t2", "winner_rank"] == 0 and np.isnan(a.loc["t2", "win_to_reserve"])  # no reserve price
    assert np.isnan(a.loc["t3", "min_to_reserve"])  # a reserve of 0 is unknown, not a ratio


def test_pair_aggregates_by_hand_and_unknown_without_metadata():
    p = pair_aggregates(_bids()).set_index("tender_id")
    assert p.loc["t1", "pair_min_gap"] == pytest.approx(0.002)
    assert p.loc["t1", "pair_share_close"] == pytest.approx(1 / 6)  # 1 of the 6 pairs within 0.5%
    assert p.loc["t1", "pair_max_same_meta"] == 1 and p.loc["t1", "pair_share_meta"] == pytest.approx(1 / 6)
    bare = pair_aggregates(_bids().drop(columns="device_id"))
    assert bare[["pair_max_same_meta", "pair_share_meta"]].isna().all().all()  # no metadata: unknown, never 0


def test_pair_aggregates_per_tender_partition_are_the_whole_tables():
    """Made per tender partition (the pairs of bids stay there), the aggregates are those of the whole pairs table; a
    partition whose tenders share no metadata still says 0, as the market has metadata."""
    from features.engine import PandasEngine
    from features.evidence.pairs import bid_pairs

    class Split(PandasEngine):
        def partitions(self, rows: int) -> int:
            return 3

    bids = _bids()
    whole = pair_aggregates(bids, bid_pairs(bids))
    split = pair_aggregates(bids, eng=Split())
    pd.testing.assert_frame_equal(split, whole)
    assert split.set_index("tender_id").loc["t3", "pair_share_meta"] == 0  # z and q differ: no shared value
    bare = bids.drop(columns="device_id")
    pd.testing.assert_frame_equal(pair_aggregates(bare, eng=Split()), pair_aggregates(bare, bid_pairs(bare)))


def test_tender_table_rows_labels_and_model_columns():
    tenders = pd.DataFrame({"tender_id": ["t1", "t2", "t3"], "collusive": [1, 0, 0]})
    t = tender_feature_table(_bids(), tenders, min_bids=3)
    assert t["tender_id"].tolist() == ["t1", "t2"]  # t3 has 2 bids
    assert t["collusive"].tolist() == [1.0, 0.0]
    full, transfer = model_columns(t, "full"), model_columns(t, "transfer")
    assert "collusive" not in full and "tender_id" not in full and "cv" in full and "cv_rank" in full
    assert "cv" not in transfer and "cv_dm" not in transfer and "cv_rank" in transfer
    with pytest.raises(ValueError, match="kind must be"):
        model_columns(t, "other")
