"""Run the enabled indicators over contracting processes and render Cardinal's JSON.

`run(processes, config)` folds every included process through the shared intermediates and the enabled indicators
(Cardinal's order), then finalizes; `run_chunks` folds chunks into separate accumulators and combines them, which must
give the same result. `to_json` renders `{"OCID": ..., "Buyer": ..., "ProcuringEntity": ..., "Tenderer": ..., "Meta": ...}`
with empty groups left out and Meta rounded to 4 decimals, as Cardinal prints it.
"""
from __future__ import annotations

import json
import math
from typing import Iterable

from features.evidence.indicators import stats
from features.evidence.indicators.base import GROUPS, Accumulator
from features.evidence.indicators.config import IndicatorConfig
from features.imports.ocds import Process


def build_steps(config: IndicatorConfig) -> list:
    from features.evidence.indicators import REGISTRY

    indicators = [REGISTRY[code](settings, config.globals) for code, settings in
                  sorted(config.enabled.items(), key=lambda kv: list(REGISTRY).index(kv[0]))]
    shared, seen = [], set()
    for ind in indicators:
        for helper in ind.needs:
            if helper not in seen:
                seen.add(helper)
                shared.append(helper(None, config.globals))
    return shared + indicators


def fold_all(steps: list, acc: Accumulator, processes: Iterable[Process]) -> Accumulator:
    for p in processes:
        if not acc.config.included(p):
            continue
        acc.processes += 1
        for step in steps:
            step.fold(acc, p)
    return acc


def combine(steps: list, acc: Accumulator, other: Accumulator) -> Accumulator:
    if acc.currency is None:
        acc.currency = other.currency
    acc.processes += other.processes
    acc.results["OCID"].update(other.results["OCID"])
    for key, codes in other.results["Tenderer"].items():  # a tenderer's value is the same in every chunk
        acc.results["Tenderer"].setdefault(key, {}).update(codes)
    for step in steps:
        step.combine(acc, other)
    return acc


def finalize(steps: list, acc: Accumulator) -> Accumulator:
    for step in steps:
        step.finalize(acc)
    return acc


def run(processes: Iterable[Process], config: IndicatorConfig) -> Accumulator:
    steps = build_steps(config)
    return finalize(steps, fold_all(steps, Accumulator(config=config.globals), processes))


def run_chunks(chunks: Iterable[Iterable[Process]], config: IndicatorConfig) -> Accumulator:
    """The partial -> combine -> finalize path: one accumulator per chunk, combined in order."""
    steps = build_steps(config)
    total = None
    for chunk in chunks:
        acc = fold_all(steps, Accumulator(config=config.globals), chunk)
        total = acc if total is None else combine(steps, total, acc)
    return finalize(steps, total if total is not None else Accumulator(config=config.globals))


def result_object(acc: Accumulator, meta: bool = True) -> dict:
    out = {}
    for group in GROUPS:
        entries = acc.results.get(group) or {}
        if entries:
            out[group] = {k: {c: v for c, v in sorted(codes.items())} for k, codes in entries.items()}
    if meta:
        out["Meta"] = {code: {k: stats.round4(v) for k, v in values.items()} for code, values in sorted(acc.meta.items())}
    return out


def _json_float(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None  # serde_json writes NaN and infinities as null
    return v


def to_json(acc: Accumulator, meta: bool = True) -> str:
    obj = result_object(acc, meta)

    def clean(o):
        if isinstance(o, dict):
            return {k: clean(v) for k, v in o.items()}
        return _json_float(o)

    return json.dumps(clean(obj), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
