"""Evaluations as tracked runs (`experiments.evaluation`), and the runs a modeler compares: every split's metrics with
the baseline beside them, the data by name and fingerprint (never a path), names that say what ran on what, a store
without an empty Default experiment, `experiments list` / `compare` as tables."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.riskmodels.collusion.markets import planted_market

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "credit"


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}")
    return tmp_path / "store"


def _market(path: Path, seed=0, n=90) -> Path:
    """Cartel firms C0-C3 bid tightly above a designated winner in every third tender; honest firms spread out."""
    return planted_market(path, seed=seed, n_tenders=n, devices=False, regions=())


@pytest.mark.slow
def test_collusion_evaluate_logs_every_split_the_baseline_and_the_data_by_fingerprint(cli, store, tmp_path):
    import mlflow

    d = _market(tmp_path / "market-a")
    r = cli("collusion", "evaluate", d, "--json", "--folds", "3", "--families", "lightgbm", err="tracked as run")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    run = mlflow.get_run(out["run_id"])
    m, p = run.data.metrics, run.data.params
    for split in ("tender", "bidder", "time"):
        assert m[f"splits.{split}.auc"] == pytest.approx(out["splits"][split]["auc"], abs=1e-4)
        assert f"splits.{split}.baseline_auc" in m
    assert p["data"] == "market-a" and len(p["data_fingerprint"]) == 12 and p["family"] == "lightgbm"
    assert p["settings.collusion.n_estimators"] and len(p["settings_fingerprint"]) == 12
    assert not any(str(v).startswith("/") for v in p.values())
    assert run.info.run_name.startswith("collusion-evaluate · market-a · lightgbm · 20")
    assert run.data.tags["kind"] == "evaluate"
    names = [e.name for e in mlflow.MlflowClient().search_experiments()]
    assert "Default" not in names and "collusion" in names
    desc = mlflow.get_experiment_by_name("collusion").tags.get("mlflow.note.content", "")
    assert "collusion-evaluate" in desc


@pytest.mark.slow
def test_credit_evaluate_logs_its_folds_and_the_logistic_baseline(cli, store):
    import mlflow

    r = cli("credit", "evaluate", FIXTURES / "germancredit_sample.csv", "--target", "creditability", "--folds", "3",
            "--json", err="baseline (logistic regression, same folds)")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    run = mlflow.get_run(out["run_id"])
    assert run.data.metrics["splits.folds.auc"] == pytest.approx(out["auc"], abs=1e-6)
    assert 0.5 < run.data.metrics["splits.folds.baseline_auc"] < 1
    assert run.data.params["data"] == "germancredit_sample.csv"
    assert run.info.run_name.startswith("credit-evaluate · germancredit_sample.csv · lightgbm · ")


def test_run_names_are_unique_and_say_what_ran_and_compare_prints_them_side_by_side(cli, store, tmp_path):
    from experiments import tracking

    first = tracking.run_name("collusion-train", "city-tiny-s1", "lightgbm", experiment="names")
    tracking.log_run("names", params={"data": "city-tiny-s1"}, metrics={"auc": 0.9, "n": 898}, run_name=first)
    again = tracking.run_name("collusion-train", "city-tiny-s1", "lightgbm", experiment="names")
    assert again != first  # within the same minute the repeat is numbered (` · 2`) and again.startswith("collusion-train · city-tiny-s1 · lightgbm · ")
    tracking.log_run("names", params={"data": "city-tiny-s2"}, metrics={"auc": 0.8, "n": 900}, run_name=again)
    r = cli("experiments", "compare", first, again)
    lines = r.stdout.splitlines()
    assert any(x.startswith("*") and "param data" in x and "city-tiny-s1" in x and "city-tiny-s2" in x for x in lines)
    assert any("metric n" in x and "898" in x and "898.0" not in x for x in lines)
    listed = cli("experiments", "list").stdout
    assert first[:40] in listed and "auc" in listed
    cli("experiments", "compare", first, "no-such-run", code=2, err="'no-such-run': no run")


def test_use_store_sends_runs_to_the_folder_unless_the_environment_names_one(tmp_path, monkeypatch):
    from experiments import tracking

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    with tracking.use_store(tmp_path / "out" / "mlflow") as uri:
        assert uri == f"sqlite:///{(tmp_path / 'out' / 'mlflow').resolve() / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///elsewhere.db")
    with tracking.use_store(tmp_path / "out" / "mlflow") as uri:
        assert uri == "sqlite:///elsewhere.db"
