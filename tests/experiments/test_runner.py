"""experiments.runner: a spec runs only on a dataset that exists; keep_model writes or tracks a fitted model, nothing else."""
from __future__ import annotations

import pytest

from experiments import runner
from experiments.specs import load_spec
from experiments.tasks import Fitted
from features.core.errors import InputError


def test_run_spec_needs_a_dataset_directory(tmp_path):
    spec = load_spec("credit").with_data("")
    with pytest.raises(InputError, match=r"\[data\] path is empty"):
        runner.run_spec(spec)
    with pytest.raises(InputError, match="dataset directory not found"):
        runner.run_spec("credit", data=tmp_path / "missing")


def test_keep_model_without_a_place_keeps_nothing_and_registering_needs_an_experiment(monkeypatch, tmp_path):
    saved = []
    monkeypatch.setattr(runner.tracking, "save_model", lambda model, path, input_example=None: saved.append(path) or path)
    fitted = Fitted(model=object(), metrics={"auc": 0.9})
    assert runner.keep_model(fitted) == {}
    assert runner.keep_model(fitted, model_out=tmp_path / "m") == {"model_out": str(tmp_path / "m")}
    assert saved == [tmp_path / "m"]
    with pytest.raises(InputError, match="needs the MLflow experiment"):
        runner.keep_model(fitted, register="collusion")


def test_keep_model_logs_params_metrics_and_the_gate(monkeypatch):
    calls = {}

    def log_run(experiment, **kw):
        calls.update(kw, experiment=experiment)
        return {"run_id": "r1", "version": 1}

    monkeypatch.setattr(runner.tracking, "log_run", log_run)
    fitted = Fitted(model="m", metrics={"auc": 0.8}, params={"n_estimators": 5})
    info = runner.keep_model(fitted, experiment="e", register="reg", params={"task": "credit"}, gate_metric="auc",
                             gate_threshold=0.7)
    assert info == {"metrics": {"auc": 0.8}, "run_id": "r1", "version": 1}
    assert calls["experiment"] == "e" and calls["register"] == "reg" and calls["gate_threshold"] == 0.7
    assert calls["params"] == {"task": "credit", "n_estimators": 5} and calls["model"] == "m"
