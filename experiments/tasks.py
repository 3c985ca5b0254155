"""Task adapters: from a spec and a dataset directory to a fitted model with its evaluation, over the library layers.

Each trainer returns a `Fitted` (model, parameters, cross-validated metrics, out-of-fold predictions, the training table and
a few rows as input example). When the library code a task needs is not in this installation, `trainer()` raises
`StageUnavailable` with the reason: nothing is faked.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable


class StageUnavailable(Exception):
    """The library code this stage needs is not in this installation (yet)."""


@dataclass
class Fitted:
    model: Any
    metrics: dict
    params: dict = field(default_factory=dict)
    input_example: Any = None
    table: Any = None  # the training feature table (DataFrame): its digest and schema are logged
    predictions: tuple | None = None  # (y_true, y_score) out of fold
    importance: Any = None
    figures: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def require(module: str, *names: str, issue: str = ""):
    """Import `module` and return the named attributes, or raise StageUnavailable naming what is missing."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and (module == e.name or module.startswith(e.name + ".")):
            raise StageUnavailable(f"{module} is not in this installation yet{f' ({issue})' if issue else ''}") from None
        raise
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        raise StageUnavailable(f"{module} has no {', '.join(missing)} yet{f' ({issue})' if issue else ''}")
    got = tuple(getattr(mod, n) for n in names)
    return got[0] if len(got) == 1 else got


def _collusion(spec, *, settings=None, progress=None) -> Fitted:
    raise StageUnavailable("the collusion model is not wired in yet (issue 7)")


def _credit(spec, *, settings=None, progress=None) -> Fitted:
    raise StageUnavailable("the credit model is not wired in yet (issue 8)")


_TRAINERS: dict[str, Callable[..., Fitted]] = {"collusion": _collusion, "credit": _credit}


def trainer(task: str) -> Callable[..., Fitted]:
    """The trainer of `task`, after checking its library code is importable (StageUnavailable otherwise)."""
    check = _CHECKS.get(task)
    if check is not None:
        check()
    return _TRAINERS[task]


def _check_collusion():
    raise StageUnavailable("the collusion model is not wired in yet (issue 7)")


def _check_credit():
    raise StageUnavailable("the credit model is not wired in yet (issue 8)")


_CHECKS: dict[str, Callable[[], None]] = {"collusion": _check_collusion, "credit": _check_credit}
