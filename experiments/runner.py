"""Run an experiment spec: train the task's model on the spec's data inside a tracked MLflow run, then apply the gate.

The task code (feature building, fitting, cross-validation) lives in `experiments/tasks.py` over the library layers;
this module only wires a fitted model to where it is kept: `keep_model` is the one path from a `tasks.Fitted` to an MLflow
model directory and/or a tracked, registered run, used by `run_spec` and by the `collusion train` / `credit train` commands.
"""
from __future__ import annotations

from pathlib import Path

from experiments import tasks, tracking
from experiments.specs import Spec, load_spec
from features.core.errors import InputError


def run_spec(spec: Spec | str | Path, *, data: str | Path | None = None, settings=None, progress=None,
             cache: dict | None = None) -> dict:
    """Train and track one spec; returns the tracker's info plus the headline metrics.

    `data` overrides the spec's `[data] path`. A failure during training ends the MLflow run as FAILED."""
    if not isinstance(spec, Spec):
        spec = load_spec(spec)
    if data is not None:
        spec = spec.with_data(data)
    if not spec.data:
        raise InputError(f"{spec.path}: [data] path is empty; give a dataset directory (or --data DIR)")
    if not Path(spec.data).is_dir():
        raise InputError(f"{spec.data}: dataset directory not found (from {spec.path or 'the spec'})")
    trainer = tasks.TRAINERS[spec.task]
    with tracking.tracked(spec.name, run_name=f"{spec.task}-{Path(spec.data).name}",
                          tags={"task": spec.task, "spec": str(spec.path or ""), "data": str(Path(spec.data).resolve())}) as run:
        fitted = trainer(spec, settings=settings, progress=progress, cache=cache)
        info = keep_model(fitted, run=run, params=spec.as_params(), dataset_source=str(spec.data),
                          register=spec.register or None, gate_metric=spec.metric,
                          higher_is_better=spec.higher_is_better, gate_threshold=spec.min)
    info["metrics"] = fitted.metrics
    info["experiment"] = spec.name
    info["fitted"] = fitted
    info["spec"] = spec
    return info


def keep_model(fitted: tasks.Fitted, *, model_out: str | Path | None = None, experiment: str | None = None,
               register: str | None = None, run=None, params: dict | None = None, dataset_source: str | None = None,
               gate_metric: str = "auc", higher_is_better: bool = True, gate_threshold: float | None = None) -> dict:
    """Keep a fitted model: write it as an MLflow model directory at `model_out`, and/or log it with its parameters,
    metrics, training table and figures as a tracked run (`run`, an open `tracking.TrackedRun`, else a new run of
    `experiment`) and register it as `register`, promoted to @champion when it passes the gate on `gate_metric`.
    Returns the tracker's info ({run_id, model_uri, version, champion, gate_reason, ...}) plus `model_out`."""
    info: dict = {}
    if model_out is not None:
        info["model_out"] = str(tracking.save_model(fitted.model, model_out, input_example=fitted.input_example))
    if run is None and register is None:
        return info
    kw = dict(params={**(params or {}), **fitted.params}, metrics=fitted.metrics, model=fitted.model,
              input_example=fitted.input_example, dataset=fitted.table, dataset_source=dataset_source,
              importance=fitted.importance, predictions=fitted.predictions, figures=fitted.figures, register=register,
              gate_metric=gate_metric, higher_is_better=higher_is_better, gate_threshold=gate_threshold)
    info["metrics"] = fitted.metrics
    if run is not None:
        info.update(run.finish(**kw))
    else:
        if not experiment:
            raise InputError("registering a model needs the MLflow experiment to track its run in")
        info.update(tracking.log_run(experiment, **kw))
    return info
