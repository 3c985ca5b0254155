"""The credit estimator (scikit-learn contract, monotone constraints, calibration, reasons, pickling), the tier policy
(shares, cut-offs, overrides, damping) and the monitoring statistics against references."""
from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp
from sklearn.metrics import roc_auc_score

from features.core.settings import TiersSettings
from riskmodels.credit.model import CreditClassifier
from riskmodels.credit.monitor import calibration_table, discrimination, ks_statistic, migration_matrix, psi, stability
from riskmodels.credit.reasons import describe, reasons_in_words
from riskmodels.credit.tiers import (OVERRIDE_ABNORMAL, OVERRIDE_NO_HISTORY, OVERRIDE_SERIOUS, assign_tiers, cutoffs,
                                     tier_table)

FAST = dict(max_rounds=120, patience=30, inner_folds=3, candidates=[{"num_leaves": 7, "min_child_samples": 10}])


def _data(n=900, seed=0):
    rng = np.random.default_rng(seed)
    pen = rng.poisson(1.0, n).astype(float)
    noise = rng.normal(size=n)
    cat = rng.choice(["retail", "construction", "software"], n)
    z = -1.5 + 0.9 * pen + 0.8 * (cat == "construction") + 0.3 * noise
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    X = pd.DataFrame({"administrative_penalty_n_365d": pen, "noise": noise, "industry": cat})
    X.loc[rng.uniform(size=n) < 0.1, "noise"] = np.nan
    X.loc[rng.uniform(size=n) < 0.05, "industry"] = None
    X.attrs["true_logit"] = z
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = _data()
    return CreditClassifier(monotone={"administrative_penalty_n_365d": 1, "not_a_column": 1}, **FAST).fit(X, y), X, y


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


def test_reason_words():
    assert describe("administrative_penalty_n_365d", 3.0) == "3 administrative penalties in the last year"
    assert describe("loan_default_n_1095d", 1.0) == "1 loan default in the last 3 years"
    assert describe("insp_fail_rate_365d", 0.25) == "failed 25% of inspections in the last year"
    assert describe("on_serious_list", 1.0) == "on the serious illegal and dishonest list"
    assert describe("loan_default_days_since", np.nan) == "no loan default on record"
    assert describe("ratio_x", 1.23456) == "ratio_x = 1.235"
    contrib = pd.DataFrame({"a": [0.5, 0.0], "b": [-1.0, 0.0], "bias": [0.1, 0.1]})
    r = reasons_in_words(contrib, pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}), top=2)
    assert r[0] == "b = 3 (lowers risk); a = 1 (raises risk)"
    assert r[1] == "no record moved the risk away from the average"


def _policy(**kw):
    p = TiersSettings()
    for k, v in kw.items():
        setattr(p, k, v)
    return p


def test_tier_shares_cutoffs_and_overrides():
    p = np.linspace(0.001, 0.9, 1000)
    t = assign_tiers(p, _policy())
    share = t["tier"].value_counts(normalize=True)
    assert share.to_dict() == pytest.approx(dict(zip("ABCD", TiersSettings().shares)), abs=0.002)
    assert (t["tier"] == t["model_tier"]).all() and (t["override"] == "").all()
    t = assign_tiers([0.01, 0.1, 0.2, 0.5], _policy(method="probability", cutoffs=[0.05, 0.15, 0.35]))
    assert t["tier"].tolist() == ["A", "B", "C", "D"]
    t = assign_tiers([0.01, 0.01, 0.01, 0.9, 0.01], _policy(method="probability"),
                     serious=[True, False, False, False, False], abnormal=[False, True, False, True, False],
                     no_history=[False, False, True, False, False])
    assert t["tier"].tolist() == ["D", "C", "B", "D", "A"]
    assert t["override"].tolist() == [OVERRIDE_SERIOUS, OVERRIDE_ABNORMAL, OVERRIDE_NO_HISTORY, "", ""]
    assert t["model_tier"].tolist() == ["A", "A", "A", "D", "A"]
    with pytest.raises(Exception, match=r"\[tiers\] shares"):
        cutoffs(p, _policy(shares=[0.5, 0.5, 0.5, 0.5]))


def test_damping_keeps_tier_near_cutoff():
    pol = _policy(method="probability", cutoffs=[0.05, 0.15, 0.35], damping=0.02)
    p = [0.16, 0.20, 0.04, 0.02, 0.16]
    prev = ["B", "B", "B", "B", None]
    t = assign_tiers(p, pol, previous=prev)
    # 0.16 is within 0.02 above B's upper cut-off: stays B; 0.20 moves to C; 0.04 is within 0.02 below A's: stays B;
    # 0.02 moves to A; a firm without a previous tier is not damped
    assert t["tier"].tolist() == ["B", "C", "B", "A", "C"]


def test_monitoring_statistics():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 500)
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, 500), 0, 1)
    ref = ks_2samp(p[y == 1], p[y == 0]).statistic
    assert ks_statistic(y, p) == pytest.approx(ref)
    d = discrimination(y, p)
    assert d["gini"] == pytest.approx(2 * roc_auc_score(y, p) - 1)
    assert d["brier"] == pytest.approx(np.mean((p - y) ** 2))
    cal = calibration_table(y, p, bins=5)
    assert cal["n"].sum() == 500 and (np.diff(cal["predicted"]) > 0).all()
    a = rng.normal(size=5000)
    assert psi(a, a) == pytest.approx(0, abs=1e-12)
    assert psi(a, rng.normal(size=5000)) < 0.02
    assert psi(a, rng.normal(1.0, 1, 5000)) > 0.25
    assert psi(pd.Series(["x"] * 90 + ["y"] * 10), pd.Series(["x"] * 50 + ["y"] * 50)) > 0.25
    st = stability(pd.DataFrame({"score": a, "f": a}), pd.DataFrame({"score": a, "f": a + 2}), score="score")
    assert st["variable"].tolist() == ["score", "f"] and st["psi"].iloc[1] > 1
    m = migration_matrix(["A", "A", "B", None, "D"], ["A", "B", "B", "C", "D"])
    assert m.loc["A", "A"] == 1 and m.loc["A", "B"] == 1 and m.loc["B", "B"] == 1 and m.loc["new", "C"] == 1
    assert int(m.to_numpy().sum()) == 5
    tt = tier_table([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.2], ["A", "D", "D", "A"])
    assert tt["A"] == {"n": 2, "bad_rate": 0.0} and tt["D"]["bad_rate"] == 1.0 and tt["B"] == {"n": 0, "bad_rate": None}


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
