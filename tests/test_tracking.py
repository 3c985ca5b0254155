"""MLflow tracking, the registry gate and experiment specs, against a throwaway sqlite store under tmp_path.

mlflow is slow to import and migrate (about 5 s), so the tracking behaviour is checked in a few larger tests."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from features.core.errors import InputError


@pytest.fixture
def store(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return tmp_path / "store"


def _fitted(seed=0, n=200):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["spread", "cv", "gap"])
    y = (X["spread"] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return LogisticRegression().fit(X, y), X, y


def test_save_and_load_model_directory(store, tmp_path):
    from experiments import tracking

    model, X, _ = _fitted()
    path = tracking.save_model(model, tmp_path / "model", input_example=X.head(5))
    text = (path / "MLmodel").read_text()
    assert "predict_fn: predict_proba" in text and "signature:" in text and "spread" in text
    assert json.loads((path / "input_example.json").read_text())["columns"] == ["spread", "cv", "gap"]
    back = tracking.load_model(path)
    assert isinstance(back, LogisticRegression)
    np.testing.assert_allclose(back.predict_proba(X), model.predict_proba(X))
    import mlflow.pyfunc  # the generic pyfunc returns probabilities, not labels

    assert np.asarray(mlflow.pyfunc.load_model(str(path)).predict(X.head(4))).shape == (4, 2)
    with pytest.raises(InputError, match="not an MLflow model directory"):
        tracking.load_model(tmp_path / "nowhere")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("x")
    with pytest.raises(InputError, match="refusing to overwrite"):
        tracking.save_model(model, tmp_path / "other")


def test_registration_keeps_mlflow_lines_off_stderr_and_list_says_what_the_gate_decided(store, capfd, cli):
    from experiments import tracking

    model, X, y = _fitted()
    capfd.readouterr()
    tracking.log_run("quiet-test", params={}, metrics={"auc": 0.8}, model=model, input_example=X.head(3),
                     register="quiet-model", gate_metric="auc")
    err = capfd.readouterr().err
    assert "Successfully registered" not in err and "Created version" not in err
    out = cli("experiments", "list").stdout
    line = next(x for x in out.splitlines() if "quiet-model/1" in x)
    assert "@champion" in line and "gate: first version promoted" in line and "no champion yet" not in line


def test_log_run_gate_champion_alias_and_failed_run(store):
    import mlflow
    from experiments import tracking

    model, X, y = _fitted()
    p = model.predict_proba(X)[:, 1]
    first = tracking.log_run("collusion-test", params={"model": {"C": 1.0}, "folds": 5},
                             metrics={"auc": 0.80, "splits": {"bidder": {"auc": 0.7}}, "note": "text is skipped"},
                             model=model, input_example=X.head(3), dataset=X.assign(label=y), predictions=(y, p),
                             importance={"spread": 3.0, "cv": 1.0, "gap": 0.5}, register="demo-model", gate_metric="auc")
    assert first["version"] == "1" and first["champion"] and first["gate_reason"].startswith("first version promoted")
    worse = tracking.log_run("collusion-test", params={}, metrics={"auc": 0.70}, model=model, input_example=X.head(3),
                             register="demo-model", gate_metric="auc")
    assert worse["version"] == "2" and not worse["champion"] and "does not beat" in worse["gate_reason"]
    below = tracking.log_run("collusion-test", params={}, metrics={"auc": 0.95}, model=model, register="demo-model",
                             gate_metric="auc", gate_threshold=0.99)
    assert not below["champion"] and "fails the gate" in below["gate_reason"]
    better = tracking.log_run("collusion-test", params={}, metrics={"auc": 0.90}, model=model, register="demo-model",
                              gate_metric="auc")
    assert better["champion"] and better["previous_champion"] == "1"

    client = mlflow.MlflowClient()
    assert str(client.get_model_version_by_alias("demo-model", "champion").version) == "4"
    run = client.get_run(first["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["model.C"] == "1.0" and run.data.metrics["splits.bidder.auc"] == 0.7
    assert "note" not in run.data.metrics
    assert run.inputs.dataset_inputs and run.inputs.dataset_inputs[0].dataset.digest
    arts = {a.path for a in client.list_artifacts(first["run_id"], "plots")}
    assert arts == {"plots/roc.png", "plots/calibration.png", "plots/feature_importance.png"}
    schema = json.loads(next(store.glob("artifacts/**/dataset/schema.json")).read_text())
    assert schema["training"]["columns"]["label"] == "int64" and schema["training"]["rows"] == 200
    assert isinstance(tracking.load_model("models:/demo-model@champion"), LogisticRegression)

    assert tracking.promote("demo-model", 2)["previous_champion"] == "4"
    assert str(client.get_model_version_by_alias("demo-model", "champion").version) == "2"
    with pytest.raises(InputError, match="no such registered model version"):
        tracking.promote("demo-model", 99)
    with pytest.raises(InputError, match="cannot load the model"):
        tracking.load_model("models:/no-such-model@champion")

    with pytest.raises(RuntimeError):
        with tracking.tracked("collusion-test", run_name="boom"):
            raise RuntimeError("training broke")
    runs = tracking.list_runs("collusion-test")
    assert [r["status"] for r in runs].count("FAILED") == 1 and len(runs) == 5
    assert all(r["status"] == "FINISHED" for r in runs if r["run_name"] != "boom")


def test_specs_are_checked(tmp_path):
    from experiments.specs import load_spec, shipped_specs

    names = {p.stem for p in shipped_specs()}
    assert {"collusion", "credit"} <= names
    for p in shipped_specs():
        spec = load_spec(p)
        assert spec.register and spec.metric == "auc"
    bad = tmp_path / "bad.toml"
    bad.write_text('[experiment]\ntask = "collusion"\n[gate]\nmetrik = "auc"\n')
    with pytest.raises(InputError, match="unknown key 'metrik' in \\[gate\\]"):
        load_spec(bad)
    bad.write_text('[experiment]\ntask = "weather"\n')
    with pytest.raises(InputError, match="task must be one of"):
        load_spec(bad)
    bad.write_text('[experiment]\ntask = "collusion"\n[features]\nkind = "everything"\n')
    with pytest.raises(InputError, match="kind must be full or transfer"):
        load_spec(bad)
    bad.write_text('[experiment]\ntask = "credit"\n[features]\nscreens = true\n')
    with pytest.raises(InputError, match="unknown key 'screens' in \\[features\\] for task credit"):
        load_spec(bad)


def test_cli_experiments_errors_are_one_line(cli, store, tmp_path):
    cli("experiments", "promote", "nothing", "1", code=2, err="no such registered model version")
    cli("experiments", "run", tmp_path / "missing.toml", code=2, err="no such experiment spec")
    r = cli("experiments", "list")
    assert "registered models (" in r.stdout
