"""MLflow tracking, the registry gate and experiment specs, against a throwaway sqlite store under tmp_path.

mlflow is slow to import and migrate (about 5 s), so the tracking behaviour is checked in a few larger tests."""
from __future__ import annotations
from __future__ import annotations

import json
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from features.core.errors import InputError
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from tests.hostile import ROOT, _bids


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


@pytest.mark.slow
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


def test_remote_model_url_is_refused_before_any_request(cli, tmp_path):
    hits = []

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

    srv = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    d = _bids(tmp_path / "d", "T1,B1,100\nT1,B2,101\nT1,B3,99\n")
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/mlflow-artifacts/artifacts/model"
        cli("collusion", "score", d, "--model", url, "--out", tmp_path / "s.csv", code=2, err="allowed_hosts")
        cli("credit", "tier", d, "--model", "s3://bucket/model", "--out", tmp_path / "t.csv", code=2, err="is refused")
    finally:
        srv.shutdown()
    assert hits == []
    assert not (tmp_path / "s.csv").exists()


def test_allowed_hosts_and_local_models():
    from experiments.tracking import model_source

    assert model_source("models:/collusion@champion") == ("store", "models:/collusion@champion")
    assert model_source("runs:/abc/model")[0] == "store"
    assert model_source("https://mlflow.internal/x", allowed_hosts=["mlflow.internal"])[0] == "store"
    with pytest.raises(InputError, match="allowed_hosts"):
        model_source("https://evil.example/x", allowed_hosts=["mlflow.internal"])


def test_malformed_or_foreign_model_directories_exit_2(cli, tmp_path):
    d = _bids(tmp_path / "d", "T1,B1,100\nT1,B2,101\nT1,B3,99\n")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "MLmodel").write_text("flavors: [unclosed\n")
    cli("collusion", "score", d, "--model", bad, "--out", tmp_path / "s.csv", code=2, err="MLmodel file is not readable")
    onnx = tmp_path / "onnx"
    onnx.mkdir()
    (onnx / "MLmodel").write_text("flavors:\n  onnx: {}\n")
    cli("collusion", "score", d, "--model", onnx, "--out", tmp_path / "s.csv", code=2, err="not sklearn")


def test_a_model_of_the_wrong_kind_is_refused():
    from sklearn.linear_model import LogisticRegression

    from experiments.tracking import check_model
    from riskmodels.credit.model import CreditClassifier

    with pytest.raises(InputError, match="not a collusion model"):
        check_model(LogisticRegression(), "m", kind="collusion")
    with pytest.raises(InputError, match="is a credit model, not a collusion model"):
        check_model(CreditClassifier(), "m", kind="collusion")


@pytest.mark.slow
def test_two_processes_on_a_fresh_store_both_succeed(tmp_path):
    # without the lock the second process fails in MLflow's schema migration ("Online migration expected to match one row")
    code = "from experiments import tracking\nprint(tracking.list_runs())\n"
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/fresh.db", "MLFLOW_DISABLE_TELEMETRY": "true",
           "OMP_WAIT_POLICY": "PASSIVE", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    ps = [subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in ps]
    assert [p.returncode for p in ps] == [0, 0], [o[1][-400:] for o in outs]
def test_nothing_in_a_model_folder_is_unpickled_before_its_mlmodel_says_what_it_is(store, tmp_path, monkeypatch):
    import mlflow.sklearn
    import yaml

    from experiments import tracking

    model, X, _ = _fitted()
    path = tracking.save_model(model, tmp_path / "model", input_example=X.head(5))
    said = yaml.safe_load((path / "MLmodel").read_text())["metadata"]["riskmodels"]
    assert said == {"kind": None, "class": "LogisticRegression", "module": "sklearn.linear_model._logistic"}
    unpickled = []
    real = mlflow.sklearn.load_model
    monkeypatch.setattr(mlflow.sklearn, "load_model", lambda *a, **k: unpickled.append(a) or real(*a, **k))
    assert isinstance(tracking.load_model(path), LogisticRegression) and len(unpickled) == 1  # the loader is watched
    unpickled.clear()
    with pytest.raises(InputError, match="is a LogisticRegression .*not a collusion model .*not loaded"):
        tracking.load_model(path, kind="collusion")
    doc = yaml.safe_load((path / "MLmodel").read_text())
    doc["metadata"]["riskmodels"]["kind"] = "credit"
    (path / "MLmodel").write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError, match="is a credit model, not a collusion model"):
        tracking.load_model(path, kind="collusion")
    del doc["metadata"]
    (path / "MLmodel").write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError, match="does not say what model it is"):
        tracking.load_model(path)
    assert unpickled == []
