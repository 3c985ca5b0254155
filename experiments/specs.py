"""Experiment specs: one TOML file says what data, which features, which model parameters and which promotion gate.

```toml
[experiment]
name = "collusion"            # MLflow experiment the run goes to
task = "collusion"            # collusion | credit
description = "..."

[data]
path = "demo-output/data"     # a dataset directory (relative paths: to the working directory)

[features]                    # which evidence the task builds (task-specific switches; unknown keys rejected)
graph = true

[model]                       # estimator parameters, passed through unchanged
n_estimators = 300

[evaluate]
folds = 5
seed = 0

[gate]                        # when the new version becomes models:/NAME@champion
register = "collusion"        # registered model name ("" = do not register)
metric = "auc"
higher_is_better = true
min = 0.6                     # never promote below this
```
Misspelt sections or keys are an error that names them (exit 2), as in the settings file.
"""
from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from features.core.errors import InputError

TASKS = ("collusion", "credit")
SPEC_DIR = Path(__file__).resolve().parent

FEATURE_SWITCHES = {
    # screens, auction facts and pair aggregates are always in; kind: "full" or "transfer" (market-relative only)
    "collusion": {"graph": True, "flags": True, "kind": "full"},
    "credit": {"events": True, "inspections": True, "bidding": True, "registry": True},
}


@dataclass
class Spec:
    name: str
    task: str
    description: str = ""
    data: str = ""
    features: dict = field(default_factory=dict)
    model: dict = field(default_factory=dict)
    folds: int = 5
    seed: int = 0
    register: str = ""
    metric: str = "auc"
    higher_is_better: bool = True
    min: float | None = None
    path: Path | None = None

    def with_data(self, data: str | Path) -> "Spec":
        return dataclasses.replace(self, data=str(data))

    def as_params(self) -> dict[str, Any]:
        """The spec as run parameters (flattened by the tracker)."""
        return {"spec": self.path.name if self.path else "", "task": self.task, "data": self.data,
                "features": self.features, "model": self.model, "evaluate": {"folds": self.folds, "seed": self.seed},
                "gate": {"metric": self.metric, "higher_is_better": self.higher_is_better, "min": self.min}}


_SECTIONS = {
    "experiment": {"name": str, "task": str, "description": str},
    "data": {"path": str},
    "features": None,  # checked per task
    "model": None,  # passed through
    "evaluate": {"folds": int, "seed": int},
    "gate": {"register": str, "metric": str, "higher_is_better": bool, "min": (int, float)},
}


def find_spec(ref: str | Path) -> Path:
    """A spec file from a path, or from a bare name of a spec shipped in `experiments/` (`collusion` -> collusion.toml)."""
    p = Path(ref)
    if p.is_file():
        return p
    for cand in (SPEC_DIR / f"{ref}.toml", SPEC_DIR / str(ref)):
        if cand.is_file():
            return cand
    shipped = ", ".join(sorted(q.stem for q in SPEC_DIR.glob("*.toml"))) or "none"
    raise InputError(f"{ref}: no such experiment spec (a TOML file, or one of the shipped specs: {shipped})")


def load_spec(ref: str | Path) -> Spec:
    """Read and check a spec file; InputError naming the file and the key when it is wrong."""
    path = find_spec(ref)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not valid TOML ({e})") from None
    for section, value in data.items():
        if section not in _SECTIONS:
            raise InputError(f"{path}: unknown section [{section}] (known: {', '.join(_SECTIONS)})")
        if not isinstance(value, dict):
            raise InputError(f"{path}: [{section}] must be a table; got {value!r}")
        keys = _SECTIONS[section]
        for key, v in value.items():
            if keys is None:
                continue
            if key not in keys:
                raise InputError(f"{path}: unknown key '{key}' in [{section}] (known: {', '.join(keys)})")
            if isinstance(v, bool) and keys[key] is not bool or not isinstance(v, keys[key]):
                want = keys[key].__name__ if isinstance(keys[key], type) else "number"
                raise InputError(f"{path}: [{section}] {key} must be {want}; got {v!r}")
    exp = data.get("experiment", {})
    task = exp.get("task", "")
    if task not in TASKS:
        raise InputError(f"{path}: [experiment] task must be one of {', '.join(TASKS)}; got {task!r}")
    features = dict(FEATURE_SWITCHES[task])
    for key, v in data.get("features", {}).items():
        if key not in features:
            raise InputError(f"{path}: unknown key '{key}' in [features] for task {task} (known: {', '.join(features)})")
        if type(v) is not type(features[key]):
            want = "true or false" if isinstance(features[key], bool) else "a string"
            raise InputError(f"{path}: [features] {key} must be {want}; got {v!r}")
        if key == "kind" and v not in ("full", "transfer"):
            raise InputError(f"{path}: [features] kind must be full or transfer; got {v!r}")
        features[key] = v
    ev, gate = data.get("evaluate", {}), data.get("gate", {})
    return Spec(name=exp.get("name", task), task=task, description=exp.get("description", ""),
                data=data.get("data", {}).get("path", ""), features=features, model=dict(data.get("model", {})),
                folds=ev.get("folds", 5), seed=ev.get("seed", 0), register=gate.get("register", ""),
                metric=gate.get("metric", "auc"), higher_is_better=gate.get("higher_is_better", True),
                min=float(gate["min"]) if "min" in gate else None, path=path)


def shipped_specs() -> list[Path]:
    return sorted(SPEC_DIR.glob("*.toml"))
