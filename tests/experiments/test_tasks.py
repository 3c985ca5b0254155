"""Experiment specs reach the pipelines: every switch of [features], the [model] table and the [evaluate] folds and seed
arrive at the library call they configure (a switch that is validated and then dropped fails here)."""
from __future__ import annotations

import dataclasses
import numpy as np
import pandas as pd
import pytest
from experiments import tasks
from experiments.specs import load_spec


class _Stop(Exception):
    """Raised by a stand-in pipeline once it has seen its arguments."""


def _spec(tmp_path, task: str, features: str, model: str = "") -> object:
    path = tmp_path / f"{task}.toml"
    path.write_text(f'[experiment]\ntask = "{task}"\n[data]\npath = "{tmp_path.as_posix()}"\n[features]\n{features}\n'
                    f'[model]\n{model}\n[evaluate]\nfolds = 3\nseed = 7\n', encoding="utf-8")
    return load_spec(path)


class _DS:
    path = "x"
    tables: dict = {}

    def get(self, name):
        return pd.DataFrame({"tender_id": ["t1"], "collusive": [1]}) if name == "tenders" else None


@pytest.mark.parametrize("events,inspections,bidding,registry", [(False, True, True, True), (True, False, True, False),
                                                                 (True, True, False, True)])
def test_credit_spec_switches_folds_and_seed_reach_train_dataset(tmp_path, monkeypatch, events, inspections, bidding,
                                                                  registry):
    import riskmodels.credit.pipeline as pipeline

    seen = {}

    def train_dataset(ds, settings, **kw):
        seen.update(kw)
        raise _Stop

    monkeypatch.setattr(pipeline, "train_dataset", train_dataset)
    monkeypatch.setattr(tasks, "_dataset", lambda *a, **k: _DS())
    b = str.lower
    spec = _spec(tmp_path, "credit", f"events = {b(str(events))}\ninspections = {b(str(inspections))}\n"
                                     f"bidding = {b(str(bidding))}\nregistry = {b(str(registry))}", "max_rounds = 50")
    scores = pd.DataFrame({"tender_id": ["t1"], "score": [0.5]})
    with pytest.raises(_Stop):
        tasks.TRAINERS["credit"](spec, shared=tasks.Shared(collusion_scores=scores))
    assert seen["families"] == {"events": events, "inspections": inspections, "bidding": bidding, "registry": registry}
    assert seen["params"] == {"inner_folds": 3, "random_state": 7, "max_rounds": 50}
    assert (seen["collusion_scores"] is not None) == bidding


@pytest.mark.parametrize("graph,flags,kind", [(False, True, "full"), (True, False, "transfer")])
def test_collusion_spec_switches_folds_and_seed_reach_train(tmp_path, monkeypatch, graph, flags, kind):
    from riskmodels.collusion import pipeline

    seen = {}

    def train(datasets, **kw):
        seen.update(kw)
        raise _Stop

    monkeypatch.setattr(pipeline, "train", train)
    monkeypatch.setattr(tasks, "_dataset", lambda *a, **k: _DS())
    spec = _spec(tmp_path, "collusion", f"graph = {str(graph).lower()}\nflags = {str(flags).lower()}\nkind = \"{kind}\"",
                 "n_estimators = 40")
    with pytest.raises(_Stop):
        tasks.TRAINERS["collusion"](spec)
    assert seen["flags"] is flags and seen["kind"] == kind and seen["folds"] == 3 and seen["seed"] == 7
    assert seen["params"]["n_estimators"] == 40
    assert seen["graph"] is graph  # the evidence is computed inside train, on first use, only when switched on


def test_every_switch_is_covered_by_a_test_above():
    from experiments.specs import FEATURE_SWITCHES

    assert set(FEATURE_SWITCHES["credit"]) == {"events", "inspections", "bidding", "registry"}
    assert set(FEATURE_SWITCHES["collusion"]) == {"graph", "flags", "kind"}


@pytest.mark.slow
def test_keep_model_writes_the_directory_and_logs_one_registered_run(tmp_path, monkeypatch):
    from sklearn.linear_model import LogisticRegression

    from experiments import runner, tracking

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    X = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
    y = (X["a"] > 9).astype(int).to_numpy()
    model = LogisticRegression().fit(X, y)
    fitted = tasks.Fitted(model=model, metrics={"auc": 0.9}, params={"estimator": "LogisticRegression"},
                          input_example=X.head(3), table=X, predictions=(y, model.predict_proba(X)[:, 1]))
    info = runner.keep_model(fitted, model_out=tmp_path / "m", experiment="keep-test", register="keep-model")
    assert (tmp_path / "m" / "MLmodel").is_file() and info["version"] == "1" and info["champion"] is True
    assert isinstance(tracking.load_model("models:/keep-model@champion"), LogisticRegression)
    only_dir = runner.keep_model(dataclasses.replace(fitted), model_out=tmp_path / "m2")
    assert set(only_dir) == {"model_out"}


@pytest.mark.slow
def test_credit_tiering_scores_a_batch_where_a_flag_of_its_collusion_model_never_fires(tmp_path, monkeypatch):
    """`credit tier` scores tenders with the collusion model its credit model records (`tiering_side_tables`): a model
    trained with red flags scores a 10-tender batch where one of them never fires (0 findings, not a missing feature)."""
    from experiments.tracking import save_model
    from features.io.dataset import load_dataset
    from riskmodels.collusion import pipeline as C
    from tests.riskmodels.collusion.markets import batch_of, planted_market

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    market = planted_market(tmp_path / "market", seed=2, n_tenders=150)
    model, table, _, info = C.train([load_dataset(market)], flags=True, method="lightgbm", kind="full",
                                    params={"n_estimators": 30, "min_child_samples": 5})
    assert "flag_A40.1" in info["features"]
    save_model(model, tmp_path / "collusion-model", input_example=table[info["features"]].head(2))
    quiet = batch_of(market, tmp_path / "batch", [f"T{t:04d}" for t in range(1, 13) if t % 6][:10])

    class Credit:  # what tiering reads of a credit model trained with collusion scores
        feature_names_in_ = np.array(["bid_collusion_max", "age"], dtype=object)
        feature_spec_ = {"side_inputs": {"collusion_scores": {"model": str(tmp_path / "collusion-model")}}}

    from riskmodels.evidence import Evidence

    scores, members = tasks.tiering_side_tables(Credit(), Evidence.load(quiet))
    assert len(scores) == 10 and scores["score"].notna().all() and members is None
