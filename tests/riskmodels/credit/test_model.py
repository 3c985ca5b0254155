"""riskmodels.credit.model: the CreditClassifier contract, monotone in penalties, calibrated, parameters checked, groups kept in one fold, the blend of two candidates."""
from __future__ import annotations

import pickle
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from riskmodels.credit.model import CreditClassifier
from tests.riskmodels.credit.credit_data import FAST, _data


def test_estimator_contract(fitted):
    m, X, y = fitted
    fresh = CreditClassifier(**FAST)
    assert not [k for k in vars(fresh) if k.endswith("_")]  # __init__ only stores arguments
    assert list(m.feature_names_in_) == list(X.columns) and m.n_features_in_ == 3
    assert m.categories_ == {"industry": ["construction", "retail", "software"]}
    assert m.monotone_constraints_ == [1, 0, 0]
    p = m.predict_proba(X)
    assert p.shape == (len(X), 2) and np.allclose(p.sum(axis=1), 1) and ((p >= 0) & (p <= 1)).all()
    # honest held-out probabilities from the inner folds rank nearly as well as the true risk does
    assert roc_auc_score(y, m.oof_proba_) > roc_auc_score(y, X.attrs["true_logit"]) - 0.04
    assert set(m.predict(X)) <= {0, 1}
    # unseen category and all-missing row still score
    odd = pd.DataFrame({"administrative_penalty_n_365d": [np.nan], "noise": [np.nan], "industry": ["mining"]})
    assert np.isfinite(m.predict_proba(odd)).all()
    again = pickle.loads(pickle.dumps(m))
    assert np.array_equal(again.predict_proba(X), p)


def test_monotone_in_penalties(fitted):
    m, X, _ = fitted
    grid = X.head(40).loc[np.repeat(np.arange(40), 8)].reset_index(drop=True)
    grid["administrative_penalty_n_365d"] = np.tile(np.arange(8.0), 40)
    p = m.predict_proba(grid)[:, 1].reshape(40, 8)
    assert (np.diff(p, axis=1) >= -1e-12).all()
    assert (p[:, -1] > p[:, 0]).mean() > 0.9


def test_calibrated_and_contributions(fitted):
    m, X, y = fitted
    # calibration: the mean predicted probability on held-out rows is close to the bad rate
    assert abs(np.mean(m.oof_proba_) - y.mean()) < 0.03
    c = m.contributions(X.head(50))
    raw = np.mean([fm.raw(m._frame(X.head(50))) for fm in m.fold_models_], axis=0)
    assert np.allclose(c.sum(axis=1).to_numpy(), raw)
    reasons = m.explain(X.head(50))
    assert len(reasons) == 50 and all(r for r in reasons)
    assert any("administrative penalt" in r and "raises risk" in r for r in reasons)


def test_parameters_validated_in_fit():
    X, y = _data(200)
    with pytest.raises(ValueError, match="got 'platt'"):
        CreditClassifier(calibration="platt").fit(X, y)
    with pytest.raises(ValueError, match="got 0"):
        CreditClassifier(inner_folds=0).fit(X, y)
    with pytest.raises(ValueError, match="exactly two classes"):
        CreditClassifier(**FAST).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="directions"):
        CreditClassifier(monotone={"noise": 2}).fit(X, y)


def test_groups_stay_in_one_inner_fold():
    X, y = _data(300, seed=1)
    groups = np.repeat(np.arange(100), 3)
    m = CreditClassifier(**FAST).fit(X, y, groups=groups)
    assert np.isfinite(m.oof_proba_).all()


def test_blend_of_two_candidates_weighs_the_runner_up_on_the_log_odds():
    X, y = _data(900, seed=4)
    two = [{"num_leaves": 7, "min_child_samples": 10}, {"num_leaves": 3, "min_child_samples": 40, "learning_rate": 0.2}]
    kw = dict(FAST, candidates=two, monotone={"administrative_penalty_n_365d": 1})
    m = CreditClassifier(**kw).fit(X, y)
    single = CreditClassifier(**kw, blend=False).fit(X, y)
    assert single.blend_weight_ == 1.0 and single.blend_boosters_ == []
    assert (m.candidate_, m.best_iteration_) == (single.candidate_, single.best_iteration_)
    assert 0.0 < m.blend_weight_ < 1.0  # on these data the runner-up helps (weight 0.9)
    assert m.blend_candidate_ == 1 - m.candidate_ and len(m.blend_boosters_) == len(m.boosters_)
    Xp = m._frame(X.head(40))
    raw = np.mean([fm.raw(Xp) for fm in m.fold_models_], axis=0)
    w = m.blend_weight_
    by_hand = np.mean([w * a.booster_.predict(Xp, raw_score=True) + (1 - w) * b.booster_.predict(Xp, raw_score=True)
                       for a, b in zip(m.boosters_, m.blend_boosters_)], axis=0)
    assert np.allclose(raw, by_hand) and np.allclose(m.contributions(X.head(40)).sum(axis=1).to_numpy(), raw)
    assert not np.allclose(m.predict_proba(X)[:, 1], single.predict_proba(X)[:, 1])
    # a fold model is calibrated on its log-odds, as the bare booster was (not on its probability)
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    Xs, ys = single._frame(X.iloc[:300]), y[:300]
    via_blend = CalibratedClassifierCV(FrozenEstimator(single.fold_models_[0])).fit(Xs, ys).predict_proba(Xs)
    via_booster = CalibratedClassifierCV(FrozenEstimator(single.boosters_[0])).fit(Xs, ys).predict_proba(Xs)
    assert np.allclose(via_blend, via_booster)
    # the blend keeps the monotone direction: more penalties never lower the risk
    grid = X.head(30).loc[np.repeat(np.arange(30), 6)].reset_index(drop=True)
    grid["administrative_penalty_n_365d"] = np.tile(np.arange(6.0), 30)
    assert (np.diff(m.predict_proba(grid)[:, 1].reshape(30, 6), axis=1) >= -1e-12).all()


def test_blend_weight_takes_the_better_mix_and_keeps_the_best_alone_on_ties():
    from riskmodels.credit.model import _blend_weight

    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(50, int), np.ones(50, int)]
    folds = [(None, np.arange(0, 100, 2)), (None, np.arange(1, 100, 2))]
    noise = [rng.normal(size=50) for _ in folds]
    signal = [y[va] + 0.1 * rng.normal(size=50) for _, va in folds]
    assert _blend_weight(folds, y, noise, signal) < 0.5  # mostly the runner-up, which ranks far better
    assert _blend_weight(folds, y, signal, noise) > 0.5
    assert _blend_weight(folds, y, signal, signal) == 1.0  # no gain: the best candidate alone
