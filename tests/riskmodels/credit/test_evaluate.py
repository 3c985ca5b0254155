"""riskmodels.credit.evaluate: the credit evaluation on a labelled file: CSV and ARFF, labels, identifiers, fold splits, group columns, bad input."""
from __future__ import annotations

import pytest

import pandas as pd
from tests.riskmodels.credit.credit_files import FIXTURES, _json


@pytest.mark.slow
def test_evaluate_csv_with_categorical_columns(cli, fast_settings):
    r = cli("--settings", fast_settings, "credit", "evaluate", "--no-track", FIXTURES / "germancredit_sample.csv",
            "--target", "creditability", "--json", err="'bad' read as bad")
    m = _json(r.stdout)
    assert set(m) >= {"auc", "ks", "brier", "tiers"} and list(m["tiers"]) == ["A", "B", "C", "D"]
    assert sum(t["n"] for t in m["tiers"].values()) == 250
    assert m["auc"] > 0.65 and 0 < m["ks"] < 1 and 0 < m["brier"] < 0.25
    assert m["tiers"]["A"]["bad_rate"] < m["tiers"]["D"]["bad_rate"]


def test_evaluate_arff_with_missing_values(cli, fast_settings):
    r = cli("--settings", fast_settings, "credit", "evaluate", "--no-track", FIXTURES / "polish_bankruptcy_1year_sample.arff",
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


@pytest.mark.slow
def test_evaluate_group_column(cli, fast_settings, tmp_path):
    src = pd.read_csv(FIXTURES / "germancredit_sample.csv")
    src["firm"] = [f"F{i // 2}" for i in range(len(src))]  # two rows per firm
    p = tmp_path / "panel.csv"
    src.to_csv(p, index=False)
    r = cli("--settings", fast_settings, "credit", "evaluate", "--no-track", p, "--target", "creditability", "--group", "firm", "--json")
    assert _json(r.stdout)["rows"] == len(src) and f"{src.shape[1] - 2} features" in r.stderr  # neither target nor group
    assert f"{len(src) // 2} groups of 'firm', each kept in one fold" in r.stderr
    cli("credit", "evaluate", "--no-track", p, "--target", "creditability", "--group", "nope", code=2, err="--group: no column 'nope'")
    src.assign(firm="F0").to_csv(p, index=False)
    cli("credit", "evaluate", "--no-track", p, "--target", "creditability", "--group", "firm", code=2, err="1 group(s) cannot fill")


def test_evaluate_bad_input(cli, tmp_path):
    cli("credit", "evaluate", "--no-track", FIXTURES / "germancredit_sample.csv", "--target", "nope", code=2, err="no column 'nope'")
    cli("credit", "evaluate", "--no-track", tmp_path / "missing.csv", "--target", "y", code=2, err="no such file")
    three = tmp_path / "three.csv"
    three.write_text("x,y\n1,a\n2,b\n3,c\n", encoding="utf-8")
    cli("credit", "evaluate", "--no-track", three, "--target", "y", code=2, err="exactly two classes")
    bad = tmp_path / "bad.toml"
    bad.write_text("[tiers]\nshares = [0.5, 0.5, 0.5, 0.5]\n", encoding="utf-8")
    cli("--settings", bad, "credit", "evaluate", "--no-track", FIXTURES / "germancredit_sample.csv", "--target", "creditability",
        code=2, err="[tiers] shares")
