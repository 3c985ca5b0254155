"""benchmarks.pair_model: the bidder-pair model the evaluation benchmark uses (moved out of the package, issue 28)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks
from benchmarks.pair_model import PairCollusionClassifier, pair_feature_table, pair_labels, pair_model_columns, pair_table
from features.io.dataset import load_dataset
from tests.riskmodels.collusion.test_model import _expected
from tests.riskmodels.collusion.test_pipeline import _planted_dataset


@parametrize_with_checks([PairCollusionClassifier(n_estimators=10, calibration_cv=2)], expected_failed_checks=_expected)
def test_sklearn_contract(estimator, check):
    check(estimator)


def test_pair_labels_mark_pairs_inside_one_cartel():
    pairs = pd.DataFrame({"bidder_a": ["A", "A", "B", "C"], "bidder_b": ["B", "C", "C", "D"]})
    cartels = pd.DataFrame({"cartel_id": ["K1", "K2"], "members": ["A;B", "C;D;B"]})
    assert pair_labels(pairs, cartels).tolist() == [1, 0, 1, 1]


def test_pair_features_carry_wins_and_the_strongest_relation():
    bids = pd.DataFrame({"tender_id": ["T1", "T1", "T2", "T2", "T3", "T3"], "bidder_id": ["A", "B", "A", "B", "A", "C"],
                         "price": [100.0, 103.0, 200.0, 195.0, 50.0, 60.0], "is_winner": [1, 0, 0, 1, 1, 0]})
    rel = pd.DataFrame({"firm_a": ["B", "A"], "firm_b": ["A", "B"], "strength": [0.4, 0.9]})
    p = pair_feature_table(bids, relations=rel).set_index(["bidder_a", "bidder_b"])
    assert p.loc[("A", "B"), "co_bids"] == 2 and p.loc[("A", "B"), "win_share_max"] == 0.5
    assert p.loc[("A", "B"), "win_balance"] == 0.0 and p.loc[("A", "B"), "relation"] == 0.9  # the strongest of both orders
    assert p.loc[("A", "C"), "relation"] == 0.0
    cols = pair_model_columns(p.reset_index())
    assert "bidder_a" not in cols and "wins_a" not in cols and "co_bids" in cols


def test_pair_model_separates_planted_cartel_pairs(tmp_path):
    cartels = pd.DataFrame({"cartel_id": ["K1"], "members": ["C0;C1;C2;C3"]})
    a = pair_table(load_dataset(_planted_dataset(tmp_path / "a", seed=4, n_tenders=120)))
    b = pair_table(load_dataset(_planted_dataset(tmp_path / "b", seed=5, n_tenders=120)))
    ya, yb = pair_labels(a, cartels), pair_labels(b, cartels)
    assert ya.sum() == 6 and yb.sum() == 6  # the 6 pairs among C0..C3
    cols = pair_model_columns(a)
    m = PairCollusionClassifier(n_estimators=30, min_child_samples=2, calibration=None).fit(a[cols], ya)
    assert roc_auc_score(yb, m.predict_proba(b.reindex(columns=cols))[:, 1]) > 0.95
    assert np.isfinite(m.predict_proba(b.reindex(columns=cols))).all()
