"""Honest splits: bidders held out, contiguous time blocks, out-of-fold predictions with per-row fit parameters."""
from __future__ import annotations

import pytest

import numpy as np
from tests.riskmodels.collusion.markets import two_markets
from riskmodels.collusion.evaluate import bidder_split, time_blocks
from riskmodels.collusion.model import (ConsensusCollusionScore)


def test_bidder_split_never_shares_a_winner_and_time_blocks_are_contiguous():
    rng = np.random.default_rng(2)
    winners = rng.choice([f"f{i}" for i in range(30)], size=300)
    y = (rng.random(300) < 0.3).astype(int)
    for tr, te in bidder_split(y, winners, 5):
        assert not set(winners[tr]) & set(winners[te])
    t = rng.permutation(300).astype(float)
    for tr, te in time_blocks(t, 5):
        assert t[te].max() - t[te].min() == len(te) - 1  # one contiguous stretch of time


def test_out_of_fold_cuts_per_row_fit_params():
    from riskmodels.collusion.evaluate import out_of_fold, tender_split

    rng = np.random.default_rng(6)
    X, y, markets = two_markets(rng, n=120)
    sp = tender_split(y, np.arange(len(y)), 3, 0)
    p = out_of_fold(ConsensusCollusionScore(), X, y, sp, fit_params={"markets": markets})
    assert np.isfinite(p).all()


class _Recording:
    """The pandas engine, recording each batch of fits it is given (label, number of calls)."""

    def __init__(self):
        from features.engine import PandasEngine

        self.inner, self.batches = PandasEngine(), []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def submit_many(self, calls, label=""):
        self.batches.append((label, len(calls)))
        return self.inner.submit_many(calls, label)


@pytest.mark.slow
def test_every_fit_of_training_and_evaluation_is_a_task_and_the_model_is_the_loops():
    """Calibration folds, family x inner fold, every fold of every split (and the baseline's) go to the engine as
    separate calls; the calibrated model is the one `CalibratedClassifierCV(ensemble=False)` fits in a loop."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold

    from features import engine
    from tests.riskmodels.collusion.markets import market
    from riskmodels.collusion.evaluate import evaluate
    from riskmodels.collusion.families import FamilySelectedClassifier
    from riskmodels.collusion.model import TenderCollusionClassifier, _lgbm

    X, y = market(np.random.default_rng(3), 300)
    w = np.where(y == 1, 2.0, 1.0)
    rec = _Recording()
    with engine.using(rec):
        for method in ("sigmoid", "isotonic"):
            m = TenderCollusionClassifier(n_estimators=30, calibration=method).fit(X, y, sample_weight=w)
            loop = CalibratedClassifierCV(_lgbm(m, m.classes_, list(X.columns)), method=method, ensemble=False,
                                          cv=StratifiedKFold(3, shuffle=True, random_state=0))
            loop.fit(X.to_numpy(dtype=float), y, sample_weight=w)
            assert np.array_equal(m.predict_proba(X), loop.predict_proba(X.to_numpy(dtype=float)))
        assert rec.batches == [("collusion model fits (all rows, calibration folds)", 4)] * 2
        rec.batches.clear()
        select = FamilySelectedClassifier(families=("lightgbm", "logistic"), lightgbm=TenderCollusionClassifier(n_estimators=10),
                                          inner_repeats=1)
        res = evaluate(select, X, y, times=np.arange(len(y), dtype=float), n_splits=3,
                       baseline=TenderCollusionClassifier(n_estimators=10), baseline_columns=["spd"])
    labels = [label for label, _ in rec.batches]
    # one batch: 3 tender folds + 3 time blocks, each with the baseline's, and the forward split
    assert rec.batches[0] == ("collusion evaluation (fold fits)", 13)
    assert labels.count("collusion model families (family x inner fold)") == 7  # inside each of the 7 fold fits
    assert res["splits"]["tender"]["folds"] == 3 and res["splits"]["bidder"] == {"skipped": "bidder ids are anonymous "
                                                                                 "or winners unknown"}
    assert list(res["splits"]) == ["tender", "bidder", "time", "time_forward"]
