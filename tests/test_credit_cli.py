"""The credit commands end to end: evaluate on labelled CSV / ARFF tables (vendored samples; the full reference files
when ../shared/data is present and RISKMODELS_SLOW=1), train and tier on a small simulated city, clear bad-input errors."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import shared_path

FIXTURES = Path(__file__).parent / "fixtures" / "credit"
FAST = """
[credit]
max_rounds = 100
inner_folds = 3
folds = 3
"""


@pytest.fixture
def fast_settings(tmp_path):
    p = tmp_path / "fast.toml"
    p.write_text(FAST, encoding="utf-8")
    return p


def _json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_evaluate_csv_with_categorical_columns(cli, fast_settings):
    r = cli("--settings", fast_settings, "credit", "evaluate", FIXTURES / "germancredit_sample.csv",
            "--target", "creditability", "--json", err="'bad' read as bad")
    m = _json(r.stdout)
    assert set(m) >= {"auc", "ks", "brier", "tiers"} and list(m["tiers"]) == ["A", "B", "C", "D"]
    assert sum(t["n"] for t in m["tiers"].values()) == 250
    assert m["auc"] > 0.65 and 0 < m["ks"] < 1 and 0 < m["brier"] < 0.25
    assert m["tiers"]["A"]["bad_rate"] < m["tiers"]["D"]["bad_rate"]


def test_evaluate_arff_with_missing_values(cli, fast_settings):
    r = cli("--settings", fast_settings, "credit", "evaluate", FIXTURES / "polish_bankruptcy_1year_sample.arff",
            "--target", "bankruptcy", "--json", err="(10.0%)")
    m = _json(r.stdout)
    assert m["auc"] > 0.75
    assert m["tiers"]["A"]["bad_rate"] < m["tiers"]["D"]["bad_rate"]


def test_read_labelled_table_semicolons_dates_and_identifiers(tmp_path):
    from riskmodels.credit.evaluate import read_labelled_table

    n = 40
    p = tmp_path / "loans.csv"
    pd.DataFrame({"loan_id": [f"L{i:04d}" for i in range(n)], "opened": [f"2021-{1 + i % 12:02d}-15" for i in range(n)],
                  "amount": range(n), "sector": ["a", "b"] * (n // 2), "status": ["paid", "default"] * (n // 2)}
                 ).to_csv(p, sep=";", index=False)
    X, y, info = read_labelled_table(p, "status")
    assert list(X.columns) == ["opened", "amount", "sector"] and y.sum() == n // 2 and info["bad_value"] == "default"
    assert info["identifier_columns"] == ["loan_id"] and info["date_columns"] == ["opened"]
    assert X["opened"].iloc[0] == (pd.Timestamp("2021-01-15") - pd.Timestamp("1970-01-01")).days
    assert X["sector"].tolist()[:2] == ["a", "b"]  # repeating text stays a category


def test_fold_splits_keep_duplicates_and_groups_on_one_side():
    import numpy as np

    from riskmodels.credit.evaluate import duplicate_rows, fold_splits

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.choice(["x", "y"], 200)})
    X.loc[150:, ["a", "b"]] = X.loc[:49, ["a", "b"]].to_numpy()  # 50 exact duplicates of the first 50 rows
    X.loc[[3, 153], "a"] = np.nan  # a missing value in a duplicated pair is still a duplicate
    y = np.r_[np.zeros(100, int), np.ones(100, int)]
    assert duplicate_rows(X) == 50
    splits = fold_splits(X, y, 5, seed=1)
    fold = np.empty(200, int)
    for i, (tr, te) in enumerate(splits):
        fold[te] = i
        assert len(np.intersect1d(tr, te)) == 0 and len(tr) + len(te) == 200
    assert (fold[150:] == fold[:50]).all()
    groups = np.repeat(np.arange(40), 5)
    for tr, te in fold_splits(X, y, 5, seed=1, groups=groups):
        assert not set(groups[tr]) & set(groups[te])


def test_evaluate_group_column(cli, fast_settings, tmp_path):
    src = pd.read_csv(FIXTURES / "germancredit_sample.csv")
    src["firm"] = [f"F{i // 2}" for i in range(len(src))]  # two rows per firm
    p = tmp_path / "panel.csv"
    src.to_csv(p, index=False)
    r = cli("--settings", fast_settings, "credit", "evaluate", p, "--target", "creditability", "--group", "firm", "--json")
    assert _json(r.stdout)["rows"] == len(src) and f"{src.shape[1] - 2} features" in r.stderr  # neither target nor group
    assert f"{len(src) // 2} groups of 'firm', each kept in one fold" in r.stderr
    cli("credit", "evaluate", p, "--target", "creditability", "--group", "nope", code=2, err="--group: no column 'nope'")
    src.assign(firm="F0").to_csv(p, index=False)
    cli("credit", "evaluate", p, "--target", "creditability", "--group", "firm", code=2, err="1 group(s) cannot fill")


def test_evaluate_bad_input(cli, tmp_path):
    cli("credit", "evaluate", FIXTURES / "germancredit_sample.csv", "--target", "nope", code=2, err="no column 'nope'")
    cli("credit", "evaluate", tmp_path / "missing.csv", "--target", "y", code=2, err="no such file")
    three = tmp_path / "three.csv"
    three.write_text("x,y\n1,a\n2,b\n3,c\n", encoding="utf-8")
    cli("credit", "evaluate", three, "--target", "y", code=2, err="exactly two classes")
    bad = tmp_path / "bad.toml"
    bad.write_text("[tiers]\nshares = [0.5, 0.5, 0.5, 0.5]\n", encoding="utf-8")
    cli("--settings", bad, "credit", "evaluate", FIXTURES / "germancredit_sample.csv", "--target", "creditability",
        code=2, err="[tiers] shares")


@pytest.fixture(scope="module")
def small_city(tmp_path_factory):
    from features.core.settings import load_settings
    from riskmodels.simulation import simulate

    d = tmp_path_factory.mktemp("city")
    s = d / "sim.toml"
    s.write_text("[simulate]\nenterprises = 400\ntenders = 120\ncartels = 2\n", encoding="utf-8")
    simulate(d / "city", scale="tiny", seed=3, settings=load_settings(s))
    return d / "city"


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
    r = cli("credit", "evaluate", shared_path("credit", name), "--target", target, "--json")
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
