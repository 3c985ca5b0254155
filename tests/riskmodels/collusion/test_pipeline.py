"""The collusion pipeline over datasets: evaluate / train / score commands on small planted markets, transfer check."""
from __future__ import annotations

import json
import numpy as np
import pandas as pd
import pytest
from tests.riskmodels.collusion.markets import planted_market, two_markets
import csv
import io
from tests.hostile import FORMULA, _bids, _planted


def test_market_weights_balance_markets_and_classes():
    from riskmodels.collusion.pipeline import market_weights

    markets = np.array(["a"] * 10 + ["b"] * 90)
    y = np.array([1] * 1 + [0] * 9 + [1] * 70 + [0] * 20)
    w = market_weights(markets, y)
    for m in "ab":
        for c in (0, 1):
            assert w[(markets == m) & (y == c)].sum() == pytest.approx(25.0)


def _planted_dataset(path, seed=0, n_tenders=160):
    """A small market: cartel firms bid tightly above a designated winner; honest firms spread out."""
    return planted_market(path, seed=seed, n_tenders=n_tenders, devices=False, regions=())


@pytest.mark.slow
def test_evaluate_command_json(cli, tmp_path):
    d = _planted_dataset(tmp_path / "m")
    r = cli("collusion", "evaluate", d, "--no-track", "--json", "--min-bids", "3", "--folds", "3", "--families", "lightgbm",
            err="tender:")  # the family choice has its own tests (test_families.py)
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


@pytest.mark.slow
def test_train_then_score_another_market(cli, tmp_path):
    a = _planted_dataset(tmp_path / "a", seed=1)
    b = _planted_dataset(tmp_path / "b", seed=2, n_tenders=90)
    model = tmp_path / "model"
    cli("collusion", "train", a, "--model-out", model, err="trained on")
    assert (model / "MLmodel").exists()
    out = tmp_path / "scores.csv"
    cli("collusion", "score", b, "--model", model, "--out", out, "--no-graph", "--no-flags", err="scored")
    s = pd.read_csv(out, dtype={"tender_id": str})
    assert list(s.columns) == ["tender_id", "score", "probability", "evidence", "flag", "reasons"]
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


def test_transfer_check_holds_each_market_out_and_train_auto_uses_it():
    from riskmodels.collusion import pipeline as C

    rng = np.random.default_rng(5)
    X, y, markets = two_markets(rng, n=300)
    table = X.assign(tender_id=[f"t{i}" for i in range(len(y))], market=markets)
    check = C.transfer_check(table, y, kind="full", params={"n_estimators": 30, "calibration": None})
    assert set(check) == {"lightgbm", "consensus", "no_model", "blend_lightgbm", "blend_consensus"}
    for res in check.values():
        assert set(res) == {"a", "b", "mean"} and res["mean"] == pytest.approx((res["a"] + res["b"]) / 2)
    # the consensus score ignores n_bids, whose meaning flips; it transfers
    assert check["consensus"]["mean"] > 0.85
    with pytest.raises(Exception, match="two labelled markets"):
        C.transfer_check(table[table["market"] == "a"], y[markets == "a"])


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_model_features_switched_off_are_built_not_left_empty(cli, tmp_path):
    """Probe 4 of the issue: a model trained with flags and graph, scored with --no-flags --no-graph."""
    a = _planted(tmp_path / "a")
    model = tmp_path / "model"
    cli("collusion", "train", a, "--model-out", model, "--graph", "--flags", "--features", "full", err="trained on")
    cli("collusion", "score", a, "--model", model, "--out", tmp_path / "full.csv", err="scored")
    r = cli("collusion", "score", a, "--model", model, "--out", tmp_path / "bare.csv", "--no-flags", "--no-graph",
            err="built them for the model anyway")
    full, bare = (pd.read_csv(tmp_path / f).sort_values("tender_id") for f in ("full.csv", "bare.csv"))
    assert np.allclose(full["score"], bare["score"]) and full["flag"].sum() == bare["flag"].sum() > 0, r.stderr


def test_collusion_score_outputs_are_formula_safe_and_xlsx_is_a_workbook(cli, tmp_path):
    d = tmp_path / "d"
    rows = "".join(f"T{t},{b},{100 + t + k}\n" for t in range(6) for k, b in
                   enumerate(['=HYPERLINK("http://evil")', "+SUM(1)|' /C calc'!A0", "@SUM(1)", "-2+3"]))
    _bids(d, rows)
    cli("collusion", "score", d, "--out", tmp_path / "s.csv", "--no-graph", "--no-flags")
    for f in ("s.csv", "s_cases.csv", "s_groups.csv"):
        for row in csv.reader(io.StringIO((tmp_path / f).read_text(encoding="utf-8-sig"))):
            for v in row:
                assert v[:1] not in FORMULA or v.lstrip("+-").replace(".", "", 1).isdigit(), (f, v)
    cli("collusion", "score", d, "--out", tmp_path / "x.xlsx", "--no-graph", "--no-flags")
    from openpyxl import load_workbook

    assert load_workbook(tmp_path / "x.xlsx").active.max_row == 7
