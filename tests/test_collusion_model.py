"""Collusion models: estimator contract (scikit-learn checks), calibration, reasons, composite score, evaluation splits,
case lists and the evaluate / train / score commands on a small planted market."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from riskmodels import reasons
from riskmodels.caselist import render_html
from riskmodels.collusion_eval import bidder_split, time_blocks
from riskmodels.collusion_model import (CompositeCollusionScore, ConsensusCollusionScore, PairCollusionClassifier,
                                        TenderCollusionClassifier)

# Calibration maps scores back to observed frequencies, so class weights are undone by design; the same estimator
# without calibration passes this check (it is in the list below).
CALIBRATION_UNDOES_CLASS_WEIGHT = {
    "check_class_weight_classifiers": "calibration maps scores back to observed class frequencies, undoing class "
                                      "weights by design; the uncalibrated estimator passes"}


ROWS_NOT_WEIGHTS = {
    "check_sample_weight_equivalence_on_dense_data": "LightGBM's bagging and min_child_samples, the calibration folds "
                                                     "and class_weight='balanced' count rows, so weighting a row by 2 is "
                                                     "not the same as repeating it"}


FIXED_DIRECTIONS = {
    "check_classifiers_train": "the consensus score reads every column in a direction fixed in advance (unnamed columns: "
                               "higher is collusive) and drops the others; the check's blobs need a column read the "
                               "other way"}
POSITIONS_COUNT_ROWS = {
    "check_sample_weight_equivalence_on_dense_data": "a tender's position is measured against the fitted rows, where a "
                                                     "repeated row counts twice and a weight of 2 does not"}


def _expected(est):
    if isinstance(est, ConsensusCollusionScore):
        return {**FIXED_DIRECTIONS, **POSITIONS_COUNT_ROWS}
    out = {}
    if getattr(est, "calibration", None) is not None:
        out.update(CALIBRATION_UNDOES_CLASS_WEIGHT)
    if not isinstance(est, CompositeCollusionScore):
        out.update(ROWS_NOT_WEIGHTS)
    return out


@parametrize_with_checks([TenderCollusionClassifier(n_estimators=10, calibration_cv=2),
                          TenderCollusionClassifier(n_estimators=10, calibration=None, monotone={"x0": 1}),
                          PairCollusionClassifier(n_estimators=10, calibration_cv=2),
                          CompositeCollusionScore(), ConsensusCollusionScore()], expected_failed_checks=_expected)
def test_sklearn_contract(estimator, check):
    check(estimator)


def _market(rng, n=400, share=0.3):
    """Tender features where collusive tenders have low spread and high relative distance, plus noise columns."""
    y = (rng.random(n) < share).astype(int)
    spd = np.where(y == 1, rng.gamma(2, 0.01, n), rng.gamma(2, 0.05, n))
    rd = np.where(y == 1, rng.gamma(4, 1.0, n), rng.gamma(2, 0.5, n))
    X = pd.DataFrame({"spd": spd, "rd": rd, "noise": rng.normal(size=n)})
    X.loc[rng.random(n) < 0.05, "rd"] = np.nan
    return X, y


def test_tender_model_learns_calibrates_and_gives_reasons():
    rng = np.random.default_rng(0)
    X, y = _market(rng)
    Xt, yt = _market(rng)
    m = TenderCollusionClassifier(n_estimators=80).fit(X, y)
    p = m.predict_proba(Xt)[:, 1]
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(yt, p) > 0.9
    # calibrated: the mean probability tracks the base rate, within a few points
    assert abs(p.mean() - yt.mean()) < 0.06
    # contributions add up to the raw score of the booster
    c = m.contributions(Xt)
    raw = m.booster_.predict(Xt.to_numpy(), raw_score=True)
    np.testing.assert_allclose(c.sum(axis=1).to_numpy(), raw, rtol=1e-6, atol=1e-6)
    # reasons of the most suspicious tender name the planted evidence in words, with its market position
    i = int(np.argmax(p))
    words = m.explain(Xt, top=2)[i]
    assert ("bid spread" in words) or ("relative distance" in words)
    assert "% of the market" in words
    assert "noise" not in words.split(";")[0]


def test_recalibrate_keeps_booster_and_moves_probabilities():
    rng = np.random.default_rng(1)
    X, y = _market(rng, share=0.5)
    m = TenderCollusionClassifier(n_estimators=40).fit(X, y)
    before = m.booster_
    X2, y2 = _market(rng, share=0.1)
    p_old = m.predict_proba(X2)[:, 1].mean()
    m.recalibrate(X2, y2)
    assert m.booster_ is before
    assert abs(m.predict_proba(X2)[:, 1].mean() - y2.mean()) < abs(p_old - y2.mean())


def test_monotone_constraint_holds():
    rng = np.random.default_rng(3)
    X, y = _market(rng)
    m = TenderCollusionClassifier(n_estimators=60, monotone={"spd": -1, "rd": 1}).fit(X, y)
    grid = X.iloc[[0] * 50].copy()
    grid["spd"] = np.linspace(0, 0.3, 50)
    p = m.predict_proba(grid)[:, 1]
    assert np.all(np.diff(p) <= 1e-12)  # the score never rises with the spread


def test_market_weights_balance_markets_and_classes():
    from riskmodels.collusion import market_weights

    markets = np.array(["a"] * 10 + ["b"] * 90)
    y = np.array([1] * 1 + [0] * 9 + [1] * 70 + [0] * 20)
    w = market_weights(markets, y)
    for m in "ab":
        for c in (0, 1):
            assert w[(markets == m) & (y == c)].sum() == pytest.approx(25.0)


def test_model_rejects_bad_input():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(ValueError, match="one class"):
        TenderCollusionClassifier().fit(X, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="calibration must be"):
        TenderCollusionClassifier(calibration="platt").fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="Only binary"):
        TenderCollusionClassifier().fit(X, [0, 1, 2, 1])


def test_reason_words():
    assert reasons.position_words(0.03) == "lowest 3% of the market"
    assert reasons.position_words(0.99) == "highest 1% of the market"
    assert reasons.base_name("spd_rank") == "spd" and reasons.base_name("cv_dm") == "cv"
    assert reasons.reason_text("spd", 0.008, 0.03) == "bid spread (max-min)/min 0.8% - lowest 3% of the market"
    # a market-relative feature is worded through its raw value, and a flag by its own evidence text
    contrib = pd.DataFrame({"spd_rank": [2.0, 0.0], "flag_A40.1": [1.0, 0.0]})
    X = pd.DataFrame({"spd_rank": [0.01, 0.9], "spd": [0.004, 0.2], "flag_A40.1": [1.0, 0.0]})
    ev = {"flag_A40.1": np.array(["Article 40(1): A and B share CA serial X", None], dtype=object)}
    r = reasons.reasons_from_contributions(contrib, X, top=3, evidence=ev)
    assert r[0] == "bid spread (max-min)/min 0.4% - lowest 50% of the market; Article 40(1): A and B share CA serial X"
    assert r[1] == ""


def test_composite_score_is_transparent_and_oriented():
    X = pd.DataFrame({"cv_rank": [0.1, 0.5, 0.9, 0.3], "flag_A34": [1.0, 0.0, 0.0, 0.0], "skew_rank": [0.9, 0.1, 0.2, 0.3]})
    m = CompositeCollusionScore(flag_share=0.25).fit(X)
    s = m.score_samples(X)
    assert m.directions_ == {"cv_rank": -1, "flag_A34": 1, "skew_rank": 0}
    assert int(np.argmax(s)) == 0 and int(np.argmin(s)) == 2
    parts = m.parts(X)
    np.testing.assert_allclose(s, parts[["cv_rank", "flag_A34"]].mean(axis=1).to_numpy())
    assert m.predict(X).tolist() == [1, 0, 0, 0]
    assert "red flag flag_A34" in m.explain(X)[0] or "A34" in m.explain(X)[0]


def test_bidder_split_never_shares_a_winner_and_time_blocks_are_contiguous():
    rng = np.random.default_rng(2)
    winners = rng.choice([f"f{i}" for i in range(30)], size=300)
    y = (rng.random(300) < 0.3).astype(int)
    for tr, te in bidder_split(y, winners, 5):
        assert not set(winners[tr]) & set(winners[te])
    t = rng.permutation(300).astype(float)
    for tr, te in time_blocks(t, 5):
        assert t[te].max() - t[te].min() == len(te) - 1  # one contiguous stretch of time


def test_html_escapes_everything():
    t = pd.DataFrame({"rank": [1], "tender_id": ["<script>x</script>"], "score": [0.9], "reasons": ["a & b"]})
    page = render_html(t, pd.DataFrame(), title="<b>t</b>")
    assert "<script>" not in page and "&lt;script&gt;" in page and "a &amp; b" in page and "<b>t</b>" not in page


def _planted_dataset(path, seed=0, n_tenders=160):
    """A small market: cartel firms C1-C4 bid tightly above a designated winner; honest firms spread out."""
    rng = np.random.default_rng(seed)
    tenders, bids = [], []
    for t in range(n_tenders):
        tid = f"T{t:04d}"
        coll = t % 3 == 0
        reserve = float(rng.uniform(1e5, 1e6))
        tenders.append({"tender_id": tid, "reserve_price": reserve, "collusive": int(coll),
                        "published_at": (pd.Timestamp("2022-01-01") + pd.Timedelta(days=2 * t)).strftime("%Y-%m-%d")})
        if coll:
            firms = [f"C{k}" for k in rng.permutation(4)]
            base = reserve * rng.uniform(0.93, 0.98)
            prices = [base] + [base * (1 + rng.uniform(0.02, 0.03) + 0.002 * k) for k in range(3)]
        else:
            firms = [f"H{k}" for k in rng.choice(20, size=int(rng.integers(3, 7)), replace=False)]
            prices = list(reserve * rng.uniform(0.75, 1.0, size=len(firms)))
        w = int(np.argmin(prices))
        for k, (f, p) in enumerate(zip(firms, prices)):
            bids.append({"tender_id": tid, "bidder_id": f, "price": round(p, 2), "is_winner": int(k == w)})
    path.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(tenders).to_csv(path / "tenders.csv", index=False)
    pd.DataFrame(bids).to_csv(path / "bids.csv", index=False)
    return path


def test_evaluate_command_json(cli, tmp_path):
    d = _planted_dataset(tmp_path / "m")
    r = cli("collusion", "evaluate", d, "--json", "--min-bids", "3", "--folds", "3", err="tender:")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert set(out) >= {"auc", "average_precision", "balanced_accuracy", "f1", "splits"}
    assert out["auc"] > 0.95
    assert {"tender", "bidder", "time"} <= set(out["splits"])
    assert out["splits"]["bidder"]["auc"] is not None and out["splits"]["time"]["auc"] is not None


def test_evaluate_rejects_unlabelled_and_bad_options(cli, tmp_path):
    d = _planted_dataset(tmp_path / "m", n_tenders=30)
    cli("collusion", "evaluate", d, "--min-bids", "0", code=2, err="--min-bids")
    t = pd.read_csv(d / "tenders.csv").drop(columns="collusive")
    t.to_csv(d / "tenders.csv", index=False)
    cli("collusion", "evaluate", d, code=2, err="collusive")


def test_train_then_score_another_market(cli, tmp_path):
    a = _planted_dataset(tmp_path / "a", seed=1)
    b = _planted_dataset(tmp_path / "b", seed=2, n_tenders=90)
    model = tmp_path / "model"
    cli("collusion", "train", a, "--model-out", model, err="trained on")
    assert (model / "MLmodel").exists()
    out = tmp_path / "scores.csv"
    cli("collusion", "score", b, "--model", model, "--out", out, "--no-graph", "--no-flags", err="scored")
    s = pd.read_csv(out, dtype={"tender_id": str})
    assert list(s.columns) == ["tender_id", "score", "flag", "reasons"]
    truth = pd.read_csv(b / "tenders.csv", dtype={"tender_id": str}).set_index("tender_id")["collusive"]
    top = s.sort_values("score", ascending=False).head(20)
    assert truth.reindex(top["tender_id"]).mean() > 0.9
    assert s.loc[s["flag"] == 1, "reasons"].str.len().min() > 10  # every flag has reasons
    assert (tmp_path / "scores_cases.csv").exists() and (tmp_path / "scores_cases.html").exists()


def test_score_without_model_uses_composite(cli, tmp_path):
    d = _planted_dataset(tmp_path / "m", seed=3, n_tenders=90)
    out = tmp_path / "s.csv"
    cli("collusion", "score", d, "--out", out, "--no-graph", "--no-flags", err="composite")
    s = pd.read_csv(out, dtype={"tender_id": str})
    truth = pd.read_csv(d / "tenders.csv", dtype={"tender_id": str}).set_index("tender_id")["collusive"]
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(truth.reindex(s["tender_id"]), s["score"]) > 0.8
    cases = pd.read_csv(tmp_path / "s_cases.csv")
    assert cases["rank"].tolist() == list(range(1, len(cases) + 1))
    assert cases["score"].is_monotonic_decreasing


def test_settings_section_drives_the_model_and_is_checked(cli, tmp_path):
    d = _planted_dataset(tmp_path / "m", n_tenders=45)
    bad = tmp_path / "bad.toml"
    bad.write_text('[collusion]\ncalibration = "platt"\n', encoding="utf-8")
    cli("--settings", bad, "collusion", "evaluate", d, code=2, err="[collusion] calibration")
    good = tmp_path / "good.toml"
    good.write_text("[collusion]\nreasons = 1\nflag_share = 0.5\n", encoding="utf-8")
    out = tmp_path / "s.csv"
    cli("--settings", good, "collusion", "score", d, "--out", out, "--no-graph", "--no-flags")
    s = pd.read_csv(out)
    assert s["flag"].mean() == pytest.approx(0.5, abs=0.05)
    assert not s["reasons"].str.contains(";").any()  # one reason each


def test_pair_model_separates_planted_cartel_pairs(tmp_path):
    from features.dataset import load_dataset
    from sklearn.metrics import roc_auc_score

    from riskmodels.collusion import pair_labels, pair_table
    from riskmodels.collusion_features import pair_model_columns

    cartels = pd.DataFrame({"cartel_id": ["K1"], "members": ["C0;C1;C2;C3"]})
    a = pair_table(load_dataset(_planted_dataset(tmp_path / "a", seed=4, n_tenders=120)))
    b = pair_table(load_dataset(_planted_dataset(tmp_path / "b", seed=5, n_tenders=120)))
    ya, yb = pair_labels(a, cartels), pair_labels(b, cartels)
    assert ya.sum() == 6 and yb.sum() == 6  # the 6 pairs among C0..C3
    cols = pair_model_columns(a)
    assert "bidder_a" not in cols and "co_bids" in cols
    m = PairCollusionClassifier(n_estimators=30, min_child_samples=2, calibration=None).fit(a[cols], ya)
    assert roc_auc_score(yb, m.predict_proba(b.reindex(columns=cols))[:, 1]) > 0.95


def _two_markets(rng, n=400):
    """Two markets where low spread means collusion in both, but the number of bids points opposite ways (as between
    the Japanese and Italian research markets)."""
    parts = []
    for name, sign in (("a", 1), ("b", -1)):
        X, y = _market(rng, n)
        X = X.assign(n_bids=np.where(y == 1, 8 + 3 * sign, 8 - 3 * sign) + rng.integers(-1, 2, n))
        parts.append((X, y, np.full(n, name)))
    return (pd.concat([p[0] for p in parts], ignore_index=True), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]))


def test_consensus_keeps_only_evidence_that_holds_in_every_market():
    rng = np.random.default_rng(4)
    X, y, markets = _two_markets(rng)
    X = X.assign(kurt=np.where(markets == "a", 1.0, -1.0) * (y - 0.5) + rng.normal(0, 0.3, len(y)))  # flips by market
    m = ConsensusCollusionScore().fit(X, y, markets=markets)
    # spd (lower = collusive) and rd (higher) hold in both markets; kurt flips; n_bids has no textbook direction
    assert set(m.used_) == {"spd", "rd"} and m.directions_["spd"] == -1 and m.directions_["rd"] == 1
    assert not m.fallback_
    # the weight is the worst market's margin above 0.5
    from sklearn.metrics import roc_auc_score

    a = min(roc_auc_score(y[markets == k], -X.loc[markets == k, "spd"]) for k in ("a", "b"))
    assert m.weights_["spd"] == pytest.approx(a - 0.5)
    assert m.market_auc_.loc["kurt"].min() < 0.5 < m.market_auc_.loc["kurt"].max()
    p = m.predict_proba(X)[:, 1]
    assert roc_auc_score(y, p) > 0.9 and ((p >= 0.5) == m.predict(X).astype(bool)).all()
    reasons = m.explain(X.head(5), top=2)
    assert len(reasons) == 5 and all(isinstance(r, str) for r in reasons)
    # a feature one market cannot measure is not confirmed there
    Xm = X.assign(win_to_reserve=np.where(markets == "a", (y == 1) * 0.1 + 0.85, np.nan))
    assert "win_to_reserve" not in ConsensusCollusionScore().fit(Xm, y, markets=markets).used_
    # nothing holds everywhere: the plain literature composite, said so
    bad = ConsensusCollusionScore().fit(X[["kurt"]], y, markets=markets)
    assert bad.fallback_ and bad.used_ == ["kurt"]


def test_transfer_check_holds_each_market_out_and_train_auto_uses_it():
    from riskmodels import collusion as C

    rng = np.random.default_rng(5)
    X, y, markets = _two_markets(rng, n=300)
    table = X.assign(tender_id=[f"t{i}" for i in range(len(y))], market=markets)
    check = C.transfer_check(table, y, kind="full", params={"n_estimators": 30, "calibration": None})
    assert set(check) == {"lightgbm", "consensus"}
    for res in check.values():
        assert set(res) == {"a", "b", "mean"} and res["mean"] == pytest.approx((res["a"] + res["b"]) / 2)
    # the consensus score ignores n_bids, whose meaning flips; it transfers
    assert check["consensus"]["mean"] > 0.85
    with pytest.raises(Exception, match="two labelled markets"):
        C.transfer_check(table[table["market"] == "a"], y[markets == "a"])


def test_out_of_fold_cuts_per_row_fit_params():
    from riskmodels.collusion_eval import out_of_fold, tender_split

    rng = np.random.default_rng(6)
    X, y, markets = _two_markets(rng, n=120)
    sp = tender_split(y, np.arange(len(y)), 3, 0)
    p = out_of_fold(ConsensusCollusionScore(), X, y, sp, fit_params={"markets": markets})
    assert np.isfinite(p).all()


def test_train_on_two_markets_chooses_by_transfer_check_and_scores_a_third(cli, tmp_path):
    a = _planted_dataset(tmp_path / "a", seed=1, n_tenders=90)
    b = _planted_dataset(tmp_path / "b", seed=2, n_tenders=90)
    c = _planted_dataset(tmp_path / "c", seed=3, n_tenders=90)
    model = tmp_path / "model"
    r = cli("collusion", "train", a, b, "--model-out", model, err="transfer check consensus")
    assert "method " in r.stderr
    out = tmp_path / "scores.csv"
    cli("collusion", "score", c, "--model", model, "--out", out, "--no-graph", "--no-flags", err="scored")
    s = pd.read_csv(out, dtype={"tender_id": str})
    truth = pd.read_csv(c / "tenders.csv", dtype={"tender_id": str}).set_index("tender_id")["collusive"]
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(truth.reindex(s["tender_id"]), s["score"]) > 0.9
    assert s.loc[s["flag"] == 1, "reasons"].str.len().min() > 10
    cli("collusion", "train", a, b, "--model-out", model, "--method", "boosted", code=2, err="--method")


def test_train_learns_from_three_bid_tenders_and_score_says_when_bids_are_too_few(cli, tmp_path):
    a = _planted_dataset(tmp_path / "a", seed=1, n_tenders=90)
    b = _planted_dataset(tmp_path / "b", seed=2, n_tenders=60)
    for d, tid, n in ((a, "X2", 2), (b, "X1", 1)):  # a two-bid tender to learn from, a one-bid tender to score
        pd.concat([pd.read_csv(d / "tenders.csv"), pd.DataFrame([{"tender_id": tid, "reserve_price": 1e5, "collusive": 0,
                                                                  "published_at": "2022-06-01"}])]).to_csv(d / "tenders.csv", index=False)
        pd.concat([pd.read_csv(d / "bids.csv"), pd.DataFrame({"tender_id": tid, "bidder_id": [f"H{k}" for k in range(n)],
                                                              "price": [9e4 + k for k in range(n)], "is_winner": [1] + [0] * (n - 1)})]
                  ).to_csv(d / "bids.csv", index=False)
    model = tmp_path / "model"
    cli("collusion", "train", a, "--model-out", model, err="trained on 90 tenders")
    cli("collusion", "train", a, "--model-out", tmp_path / "m2", "--min-bids", "2", err="trained on 91 tenders")
    out = tmp_path / "scores.csv"
    cli("collusion", "score", b, "--model", model, "--out", out, "--no-graph", "--no-flags", err="scored 61 tenders")
    s = pd.read_csv(out, dtype={"tender_id": str}).set_index("tender_id")
    assert s.loc["X1", "reasons"].endswith("only 1 valid bid: too few for bid screens (they need 3)")
    assert not s.drop(index="X1")["reasons"].str.contains("too few").any()
