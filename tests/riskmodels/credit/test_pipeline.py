"""riskmodels.credit.pipeline: tiering builds the side inputs the model was trained with, or names the one it cannot build; group members read in either shape."""
from __future__ import annotations
from __future__ import annotations

import pandas as pd
import pytest
import os
from tests.conftest import shared_path
from tests.riskmodels.credit.credit_files import _json


def test_tier_builds_the_groups_the_model_was_trained_with(city, cli, tmp_path):
    c = city
    a = pd.read_csv(c["tiers"], dtype=str)
    # without --groups they are computed from the same inputs, as training's 'graph groups' did: the same tiers
    cli("--settings", c["fast"], "credit", "tier", c["data"], "--model", c["dir"] / "model", "--out", tmp_path / "t.csv",
        err="building bidder groups")
    b = pd.read_csv(tmp_path / "t.csv", dtype=str)
    assert (a["tier"] == b["tier"]).all() and (a["probability"] == b["probability"]).all()


@pytest.mark.slow
def test_tier_names_the_side_input_it_cannot_build(city, cli, tmp_path):
    c = city
    bids = pd.read_csv(c["data"] / "bids.csv", dtype=str)
    scores = pd.DataFrame({"tender_id": bids["tender_id"].unique(), "score": 0.5})
    scores.to_csv(tmp_path / "scores.csv", index=False)
    cli("--settings", c["fast"], "credit", "train", c["data"], "--model-out", tmp_path / "m", "--collusion-scores",
        tmp_path / "scores.csv", err="held-out auc")
    cli("credit", "tier", c["data"], "--model", tmp_path / "m", "--out", tmp_path / "t.csv", code=2,
        err="give --collusion-scores FILE")
    assert not (tmp_path / "t.csv").exists()
    cli("credit", "tier", c["data"], "--model", tmp_path / "m", "--out", tmp_path / "t.csv", "--collusion-scores",
        tmp_path / "scores.csv", err="tiered")


def test_group_members_from_either_shape():
    from riskmodels.credit.pipeline import group_members_table

    wide = pd.DataFrame({"group_id": [1, 2], "members": ["a;b", "c;d;e"], "score": [0.5, 0.4]})
    long = group_members_table(wide)
    assert list(long.columns) == ["bidder_id", "group_id"] and len(long) == 5 and set(long["group_id"]) == {"1", "2"}
    assert group_members_table(pd.DataFrame({"enterprise_id": ["a"], "group_id": [7]}))["bidder_id"].tolist() == ["a"]
    with pytest.raises(Exception, match="members column"):
        group_members_table(pd.DataFrame({"group_id": [1], "size": [2]}))


@pytest.mark.slow
def test_train_then_tier(cli, fast_settings, small_city, tmp_path):
    model = tmp_path / "model"
    cli("--settings", fast_settings, "credit", "train", small_city, "--model-out", model, err="held-out auc")
    assert (model / "MLmodel").exists()
    out = tmp_path / "tiers.csv"
    cli("--settings", fast_settings, "credit", "tier", small_city, "--model", model, "--out", out, err="tiered")
    t = pd.read_csv(out, dtype={"enterprise_id": str}, keep_default_na=False)
    ents = pd.read_csv(small_city / "enterprises.csv", dtype={"enterprise_id": str})
    assert list(t.columns[:5]) == ["enterprise_id", "tier", "probability", "reasons", "override"]
    assert sorted(t["enterprise_id"]) == sorted(ents["enterprise_id"])
    assert set(t["tier"]) <= set("ABCD") and t["probability"].between(0, 1).all()
    assert (t["reasons"].str.len() > 0).all()
    serious = t["override"].str.startswith("serious")
    assert (t.loc[serious, "tier"] == "D").all()
    # the simulator's truth: probabilities rank the latent risk
    truth = pd.read_csv(small_city / "truth" / "enterprises.csv", dtype={"enterprise_id": str}).set_index("enterprise_id")
    rho = t["probability"].corr(t["enterprise_id"].map(truth["latent_risk"]), method="spearman")
    assert rho > 0.5
    # a second run against the first as previous tiers: damping and the migration matrix
    out2 = tmp_path / "tiers2.csv"
    r = cli("--settings", fast_settings, "credit", "tier", small_city, "--model", model, "--out", out2, "--previous", out,
            err="tier migration")
    assert "PSI of the probability against the previous tiers: 0.0000" in r.stderr
    t2 = pd.read_csv(out2, dtype={"enterprise_id": str}, keep_default_na=False)
    assert (t2["tier"] == t["tier"]).all()
    cli("credit", "tier", small_city, "--model", tmp_path / "nomodel", "--out", tmp_path / "tiers3.csv", code=2, err="not an MLflow model")
    cli("credit", "tier", small_city, "--model", model, "--out", tmp_path / "tiers3.csv", "--as-of", "soon", code=2, err="--as-of")
    # monitoring between two dates: PSI of the score and features, migration, performance on the labels in between
    rep = tmp_path / "monitor"
    r = cli("--settings", fast_settings, "credit", "monitor", small_city, "--model", model, "--reference-as-of",
            "2024-01-01", "--out", rep, "--json", err="PSI of the probability")
    m = _json(r.stdout)
    assert m["enterprises"] == len(ents) and sum(m["tiers"]["current"].values()) == len(ents)
    mig = pd.read_csv(rep / "migration.csv", index_col=0)
    assert int(mig.to_numpy().sum()) == len(ents) and list(mig.columns) == list("ABCD")
    assert abs(m["same_tier_share"] - sum(mig.loc[t, t] for t in "ABCD") / len(ents)) < 1e-9
    stab = pd.read_csv(rep / "stability.csv")
    assert stab["variable"].iloc[0] == "probability" and stab["psi"].iloc[0] == m["score_psi"] >= 0
    assert set(m["features_shifted"]) == set(stab.loc[stab["psi"] > 0.25, "variable"])
    assert set(m["clock_features_shifted"]) <= set(m["features_shifted"])
    assert all("days_since" in f or f == "age_days" for f in m["clock_features_shifted"])
    labels = pd.read_csv(small_city / "credit_labels.csv")
    n_lab = int((pd.to_datetime(labels["as_of"]) >= "2024-01-01").sum())
    assert m["performance"]["labels"] == n_lab and m["performance"]["auc"] > 0.6
    assert pd.read_csv(rep / "calibration.csv")["n"].sum() == n_lab
    cli("credit", "monitor", small_city, "--model", model, "--reference-as-of", "2030-01-01", code=2, err="must come before")


@pytest.mark.skipif(not os.environ.get("RISKMODELS_SLOW"), reason="full reference files take minutes; set RISKMODELS_SLOW=1")
@pytest.mark.parametrize("name, target, baseline", [("germancredit.csv", "creditability", 0.794),
                                                     ("polish_bankruptcy_1year.arff", "bankruptcy", 0.954)])
def test_full_reference_tables_beat_baselines(cli, name, target, baseline):
    r = cli("credit", "evaluate", "--no-track", shared_path("credit", name), "--target", target, "--json")
    m = _json(r.stdout)
    assert m["auc"] >= baseline
    rates = [m["tiers"][t]["bad_rate"] for t in "ABCD"]
    assert all(a < b for a, b in zip(rates, rates[1:])), rates


def test_training_table_samples_firms_before_building_features(small_city):
    """Drawing the training firms before building features gives the sample of the whole table, row for row."""
    from features.io.dataset import load_dataset
    from riskmodels.credit.pipeline import sample_firms, training_table

    ds = load_dataset(small_city)
    whole = training_table(ds)
    k = len(whole) // 3
    got = training_table(ds, max_rows=k, seed=5)
    assert 0 < len(got) <= k < len(whole)
    pd.testing.assert_frame_equal(got, sample_firms(whole, k, seed=5))
