"""Model family chosen by cross-validation on the training rows alone (nested inside evaluate's folds), its reasons,
and what train and evaluate report about the choice."""
from __future__ import annotations

import json
import numpy as np
import pandas as pd
import pytest
from riskmodels.collusion.families import FAMILIES, FamilySelectedClassifier, family_columns


def _screens(rng, n=240):
    """Raw screens, their market ranks and a noise column; collusion = low cv (linear in its rank)."""
    y = (rng.random(n) < 0.4).astype(int)
    cv = np.where(y == 1, rng.gamma(2, 0.01, n), rng.gamma(2, 0.03, n))
    X = pd.DataFrame({"n_bids": rng.integers(3, 9, n).astype(float), "cv": cv, "kurt": rng.normal(size=n),
                      "noise": rng.normal(size=n)})
    for c in ("n_bids", "cv", "kurt"):
        X[f"{c}_rank"] = X[c].rank(pct=True)
    return X, y


def test_each_family_uses_its_own_columns():
    cols = ["n_bids", "cv", "kurt", "noise", "n_bids_rank", "cv_rank", "kurt_rank"]
    assert family_columns("lightgbm", cols) == cols
    assert family_columns("extra_trees", cols) == ["n_bids_rank", "cv_rank", "kurt_rank"]
    assert family_columns("extra_trees_screens", cols) == ["n_bids", "cv", "kurt"]
    assert family_columns("logistic", cols) == ["n_bids", "cv", "kurt"]
    assert family_columns("logistic", ["cv_rank", "noise"]) == ["cv_rank"]  # transfer tables have ranks only
    with pytest.raises(ValueError, match="unknown model family"):
        family_columns("svm", cols)


@pytest.mark.slow
def test_the_best_inner_family_is_kept_and_refitted_and_its_reasons_name_the_screen():
    X, y = _screens(np.random.default_rng(0))
    m = FamilySelectedClassifier(families=("extra_trees_screens", "logistic"), random_state=0).fit(X, y)
    assert set(m.inner_scores_) == {"extra_trees_screens", "logistic"}
    best = max(m.inner_scores_, key=m.inner_scores_.get)
    assert m.family_ in (best, "extra_trees_screens") and m.inner_auc_ == m.inner_scores_[m.family_]
    assert m.choice_.startswith(m.family_)
    assert m.columns_ == ["n_bids", "cv", "kurt"] and m.predict_proba(X).shape == (len(X), 2)
    for fam in ("extra_trees_screens", "logistic"):  # both families explain themselves through the screens
        one = FamilySelectedClassifier(families=(fam,), random_state=0).fit(X, y)
        assert one.family_ == fam and one.inner_scores_ == {}  # nothing to choose: no inner cross-validation
        c = one.contributions(X)
        assert list(c.columns) == one.columns_
        top = c.abs().mean().idxmax()
        assert top == "cv", (fam, c.abs().mean())
        low = int(np.argmin(X["cv"]))
        assert "coefficient of variation" in one.explain(X.iloc[[low]], top=1)[0]
    with pytest.raises(ValueError, match="families"):
        FamilySelectedClassifier(families=("svm",)).fit(X, y)


@pytest.mark.parametrize("gap, noise, chosen", [(0.02, 0.1, "extra_trees_screens"), (0.15, 0.02, "lightgbm")])
def test_a_family_replaces_the_simpler_default_only_when_better_by_more_than_noise(monkeypatch, gap, noise, chosen):
    import riskmodels.collusion.families as F

    def fake(runs, X, y, sample_weight):  # per inner fold, lightgbm `gap` above extra trees, give or take `noise`
        out, k = [], {}
        for est, cols, tr, te in runs:
            lgbm = "calibration" in est.get_params()
            j = k[lgbm] = k.get(lgbm, -1) + 1
            out.append(0.7 + gap + noise * (-1) ** j if lgbm else 0.7)
        return out

    monkeypatch.setattr(F, "_inner_aucs", fake)
    X, y = _screens(np.random.default_rng(3), n=120)
    m = FamilySelectedClassifier(families=("lightgbm", "extra_trees_screens"), random_state=0).fit(X, y)
    assert m.family_ == chosen and m.inner_scores_["lightgbm"] > m.inner_scores_["extra_trees_screens"]
    assert ("one standard error" in m.choice_) and m.choice_.startswith(chosen)


def test_logistic_contributions_sum_to_its_log_odds():
    X, y = _screens(np.random.default_rng(1))
    m = FamilySelectedClassifier(families=("logistic",)).fit(X, y)
    p = m.predict_proba(X)[:, 1]
    logit = np.log(p / (1 - p))
    c = m.contributions(X).sum(axis=1).to_numpy()
    assert np.allclose(logit - c, (logit - c)[0])  # contributions + a constant = the log-odds


@pytest.mark.slow
def test_evaluate_chooses_inside_each_fold_and_reports_the_choice(cli, tmp_path):
    from tests.riskmodels.collusion.test_pipeline import _planted_dataset

    d = _planted_dataset(tmp_path / "m", n_tenders=90)
    r = cli("collusion", "evaluate", d, "--no-track", "--json", "--folds", "3", "--baseline",
            "--families", "extra_trees_screens,logistic", err="model family chosen on all 90 tenders")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["family"] in ("extra_trees_screens", "logistic") and set(out["inner_scores"]) == {"extra_trees_screens",
                                                                                                 "logistic"}
    assert sum(out["splits"]["tender"]["families"].values()) == out["splits"]["tender"]["folds"] == 3
    assert out["splits"]["tender"]["auc"] >= out["splits"]["tender"]["baseline_auc"] - 0.05
    cli("collusion", "evaluate", d, "--families", "lightgbm,svm", code=2, err="--families: unknown family svm")


@pytest.mark.slow
def test_train_on_one_market_selects_a_family_and_tracks_it(cli, tmp_path, monkeypatch):
    from tests.riskmodels.collusion.test_pipeline import _planted_dataset

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    d = _planted_dataset(tmp_path / "m", n_tenders=60)
    cli("collusion", "train", d, "--register", "coll", "--model-out", tmp_path / "model", err="inner cross-validated auc")
    import mlflow

    run = mlflow.search_runs(experiment_names=["collusion"], output_format="list")[0]
    assert run.data.params["family"] in FAMILIES and run.data.params["method"] == "select"
    assert 0.5 <= run.data.metrics["inner_auc"] <= 1
    out = tmp_path / "s.csv"
    cli("collusion", "score", d, "--model", tmp_path / "model", "--out", out, "--no-graph", "--no-flags")
    assert pd.read_csv(out)["reasons"].str.len().min() > 0


@pytest.mark.slow
def test_a_new_market_is_flagged_by_a_share_not_the_training_rate_and_extrapolation_is_said(cli, tmp_path):
    from tests.riskmodels.collusion.test_pipeline import _planted_dataset

    a = _planted_dataset(tmp_path / "a", seed=1, n_tenders=90)  # a third collusive
    b = _planted_dataset(tmp_path / "b", seed=2, n_tenders=200)
    model = tmp_path / "model"
    cli("collusion", "train", a, "--model-out", model, "--method", "lightgbm")
    out = tmp_path / "s.csv"
    r = cli("collusion", "score", b, "--model", model, "--out", out, "--no-graph", "--no-flags", "--market", "new",
            err="a market the model was not trained on: flagged the top 5% of its tenders (10)")
    assert "scored by the no-model score" in r.stderr and "trained on one market" in r.stderr  # nothing shows transfer
    assert "expect less here" in r.stderr and "warning:" not in r.stderr  # same generator: inside the training range
    assert pd.read_csv(out)["flag"].sum() == 10
    cli("collusion", "score", b, "--model", model, "--out", out, "--no-graph", "--no-flags", "--flag-share", "0.2", "--force",
        "--market", "new", err="flagged the top 20% of its tenders (40)")
    cli("collusion", "score", b, "--model", model, "--out", out, "--flag-share", "1.5", "--force", code=2,
        err="--flag-share")
    # the training market itself keeps the model's threshold
    r = cli("collusion", "score", a, "--model", model, "--out", out, "--no-graph", "--no-flags", "--force")
    assert "not trained on" not in r.stderr and pd.read_csv(out)["flag"].sum() == 30
    # a market whose prices spread ten times wider lies outside the training markets: said on stderr
    bids = pd.read_csv(b / "bids.csv")
    lo = bids.groupby("tender_id")["price"].transform("min")
    bids["price"] = (lo + (bids["price"] - lo) * 10).round(2)
    bids.to_csv(b / "bids.csv", index=False)
    r = cli("collusion", "score", b, "--model", model, "--out", out, "--no-graph", "--no-flags", "--force",
            "--market", "new", err="lies outside the training markets")
    assert "cv median" in r.stderr
