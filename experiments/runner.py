"""Run an experiment spec: train the task's model on the spec's data inside a tracked MLflow run, then apply the gate.

The task code (feature building, fitting, cross-validation) lives in `experiments/tasks.py` over the library layers;
this module only wires a spec to a tracked run.
"""
from __future__ import annotations

from pathlib import Path

from experiments import tasks, tracking
from experiments.specs import Spec, load_spec
from features.errors import InputError


def run_spec(spec: Spec | str | Path, *, data: str | Path | None = None, settings=None, progress=None,
             cache: dict | None = None) -> dict:
    """Train and track one spec; returns the tracker's info plus the headline metrics.

    `data` overrides the spec's `[data] path`. Raises `tasks.StageUnavailable` (before any run is opened) when the library
    code the task needs is not in this installation; a failure during training ends the MLflow run as FAILED."""
    if not isinstance(spec, Spec):
        spec = load_spec(spec)
    if data is not None:
        spec = spec.with_data(data)
    if not spec.data:
        raise InputError(f"{spec.path}: [data] path is empty; give a dataset directory (or --data DIR)")
    if not Path(spec.data).is_dir():
        raise InputError(f"{spec.data}: dataset directory not found (from {spec.path or 'the spec'})")
    trainer = tasks.trainer(spec.task)  # raises StageUnavailable with the reason
    with tracking.tracked(spec.name, run_name=f"{spec.task}-{Path(spec.data).name}",
                          tags={"task": spec.task, "spec": str(spec.path or ""), "data": str(Path(spec.data).resolve())}) as run:
        fitted = trainer(spec, settings=settings, progress=progress, cache=cache)
        info = run.finish(params={**spec.as_params(), **fitted.params}, metrics=fitted.metrics, model=fitted.model,
                          input_example=fitted.input_example, dataset=fitted.table, dataset_source=str(spec.data),
                          importance=fitted.importance, predictions=fitted.predictions, figures=fitted.figures,
                          register=spec.register or None, gate_metric=spec.metric, higher_is_better=spec.higher_is_better,
                          gate_threshold=spec.min)
    info["metrics"] = fitted.metrics
    info["experiment"] = spec.name
    info["fitted"] = fitted
    info["spec"] = spec
    return info
