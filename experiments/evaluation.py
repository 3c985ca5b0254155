"""Honest evaluations as tracked runs: `collusion evaluate` and `credit evaluate` each leave one MLflow run.

A training run's cross-validated AUC answers "how well does the model sort tenders like the ones it learned from?"; the
evaluation answers the modeler's question, "how well will it do on firms and periods it has not seen?". Both belong in
the tracking store, side by side, so `experiments compare` and the MLflow UI show the honest figure next to the fit.

Each evaluation run records:
- every split's metrics, flattened: `splits.tender.auc`, `splits.bidder.auc`, `splits.time.auc`,
  `splits.time_forward.auc`, ... (and average precision, balanced accuracy, F1, counts), with the baseline on the same
  folds beside them (`splits.tender.baseline_auc`); the headline `auc` is the tender split's;
- the model family: the one chosen on all labelled tenders (`family`) and how often each was chosen inside the folds;
- the data by name and content fingerprint (`features.identity`: never a machine path);
- the settings: the options of the command, the model section of the settings file as parameters, and a fingerprint
  of the whole settings (`settings_fingerprint`), so two runs with different settings files never look alike;
- the full result as `evaluation.json`.
The run is named `collusion-evaluate · <data> · <family> · <UTC minute>` (`tracking.run_name`).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from experiments import tracking
from features.io.identity import dataset_identity


def settings_params(settings, section: str) -> dict:
    """The settings as run parameters: section `section` value by value, and `settings_fingerprint` (12 hex digits of a
    SHA-256 over every section but [engine], which changes where things run, not what they compute)."""
    if settings is None:
        from features.core.settings import Settings

        settings = Settings()
    doc = {k: v for k, v in dataclasses.asdict(settings).items() if k != "engine"}
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:12]
    sec = doc.get(section) or {}
    return {"settings_fingerprint": digest, **{f"settings.{section}.{k}": v for k, v in sec.items()}}


def _log(experiment: str, task: str, data: dict, family: str, params: dict, metrics: dict, result: dict,
         predictions=None) -> dict:
    """One FINISHED evaluation run; its {run_id, run_name, experiment, tracking_uri}."""
    name = tracking.run_name(f"{task}-evaluate", data["data"], family, experiment=experiment)
    info = tracking.log_run(experiment, params={**data, "family": family, **params}, metrics=metrics,
                            predictions=predictions, run_name=name,
                            tags={"task": task, "kind": "evaluate", **data},
                            texts={"evaluation.json": json.dumps(result, indent=1, default=str)})
    return {"run_id": info["run_id"], "run_name": name, "experiment": experiment, "tracking_uri": info["tracking_uri"]}


def evaluate_collusion(ds, *, settings=None, experiment: str = "collusion", track: bool = True, labels=None,
                       min_bids: int = 3, kind: str = "full", graph: bool = False, flags: bool = False,
                       n_splits: int = 5, seed: int = 0, baseline: bool = True, families=("lightgbm",)) -> dict:
    """`riskmodels collusion evaluate`: `riskmodels.collusion.pipeline.evaluate_dataset` on `ds` (floats rounded for
    display), logged as one run of `experiment` unless `track` is false (module doc). The result carries `tracking`
    ({run_id, run_name, ...}) when tracked. `ds` may be an `Evidence` whose evidence other stages already computed."""
    from riskmodels.collusion.evaluate import round_floats
    from riskmodels.collusion.pipeline import evaluate_dataset

    res = evaluate_dataset(ds, min_bids=min_bids, kind=kind, graph=graph, flags=flags, n_splits=n_splits, seed=seed,
                           baseline=baseline, settings=settings, labels=labels, families=tuple(families))
    out = round_floats(res)
    if not track:
        return out
    families = tuple(families)
    family = res.get("family") or (families[0] if len(families) == 1 else "selected")
    params = {"features": kind, "graph": graph, "flags": flags, "folds": n_splits, "seed": seed, "min_bids": min_bids,
              "families": ",".join(families), "n_features": len(res.get("features", [])),
              "baseline": "extra trees on the 10 textbook screens, same folds" if baseline else "none",
              "labels": "given file" if labels is not None else "tenders.collusive",
              **settings_params(settings, "collusion")}
    metrics = {k: v for k, v in res.items() if k not in ("features", "min_bids")}
    out["tracking"] = _log(experiment, "collusion", dataset_identity(ds.path), family, params, metrics, out)
    return out


def evaluate_credit(table: str | Path, target: str, X, y, read_info: dict, *, settings=None, experiment: str = "credit",
                    track: bool = True, folds: int | None = None, seed: int | None = None, progress=None,
                    baseline: bool = True):
    """`riskmodels credit evaluate`: `riskmodels.credit.evaluate.cross_validate` on a labelled table read by
    `read_labelled_table` (`X`, `y`, `read_info`), logged as one run of `experiment` unless `track` is false. The split
    is `folds` (stratified K folds, duplicates kept on one side) or `groups` (K folds keeping each group's rows on one
    side). Returns (the `Evaluation`, the run's {run_id, run_name, ...} or None)."""
    from riskmodels.credit.evaluate import cross_validate

    groups = read_info.get("groups")
    ev = cross_validate(X, y, settings, folds=folds, seed=seed, progress=progress, groups=groups, baseline=baseline)
    if not track:
        return ev, None
    m = ev.metrics
    split = "groups" if groups is not None else "folds"
    keys = ("auc", "gini", "ks", "brier", "baseline_auc", "rows", "folds", "groups", "duplicate_rows")
    metrics = {k: m[k] for k in ("auc", "gini", "ks", "brier") if k in m}
    metrics["splits"] = {split: {k: m[k] for k in keys if k in m}}
    metrics["bad_rate"] = read_info.get("bad_rate")
    metrics["tiers"] = {t: {"bad_rate": v.get("bad_rate"), "n": v.get("n")} for t, v in (m.get("tiers") or {}).items()}
    data = {"data": Path(table).name, "data_fingerprint": _file_fingerprint(table)}
    params = {"target": target, "bad_value": str(read_info.get("bad_value")),
              "features": read_info.get("features"), "folds": m.get("folds"), "seed": seed,
              "split": split + (" (rows of a group on one side)" if split == "groups" else " (stratified)"),
              "baseline": "logistic regression on the same features, same folds" if baseline else "none",
              **settings_params(settings, "credit")}
    result = {k: v for k, v in m.items()}
    info = _log(experiment, "credit", data, "lightgbm", params, metrics, result, predictions=(ev.y, ev.oof))
    return ev, info


def _file_fingerprint(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(hashlib.file_digest(fh, "sha256").digest())
    return h.hexdigest()[:12]


def family_option(text: str) -> tuple:
    """`--families lightgbm,logistic` as a tuple of known families; InputError naming the unknown ones."""
    from features.core.errors import InputError
    from riskmodels.collusion.families import FAMILIES

    fams = tuple(f.strip() for f in str(text).split(",") if f.strip())
    bad = [f for f in fams if f not in FAMILIES]
    if bad or not fams:
        raise InputError(f"--families: unknown family {', '.join(bad) or '(none given)'} (known: {', '.join(FAMILIES)})")
    return fams


def collusion_report(r: dict, min_bids: int) -> tuple[list[str], dict]:
    """What `collusion evaluate` says of a result of `evaluate_collusion`: (lines for stderr, one per split, the family
    and the run; the JSON object for stdout)."""
    lines = []
    for name, sp in r["splits"].items():
        if "skipped" in sp:
            lines.append(f"{name:>13}: skipped ({sp['skipped']})")
            continue
        base = f", baseline auc {sp['baseline_auc']}" if sp.get("baseline_auc") is not None else ""
        chosen = ", ".join(f"{f} {k}" for f, k in sp.get("families", {}).items())
        lines.append(f"{name:>13}: auc {sp['auc']}, average precision {sp['average_precision']}, balanced accuracy "
                     f"{sp['balanced_accuracy']}, f1 {sp['f1']} ({sp['n']} tenders, {sp['positives']} collusive){base}"
                     + (f"; families chosen in the folds: {chosen}" if chosen else ""))
    if "family" in r:
        lines.append(f"model family chosen on all {r['n_tenders']} tenders by inner cross-validation: {r['family']} "
                     f"(inner auc {r['inner_auc']}; " + ", ".join(f"{f} {v}" for f, v in r["inner_scores"].items()) + ")")
    if "tracking" in r:
        t = r["tracking"]
        lines.append(f"tracked as run {t['run_id']} '{t['run_name']}' in experiment {t['experiment']} "
                     f"({t['tracking_uri']})")
    out = {k: r[k] for k in ("auc", "average_precision", "balanced_accuracy", "f1")}
    out.update(splits=r["splits"], n_tenders=r["n_tenders"], positive_share=r["positive_share"], min_bids=min_bids,
               features=r["features"], **{k: r[k] for k in ("family", "inner_auc", "inner_scores") if k in r},
               **({"run_id": r["tracking"]["run_id"]} if "tracking" in r else {}))
    return lines, out


def credit_report(m: dict, run: dict | None, group: str | None = None) -> tuple[list[str], dict]:
    """What `credit evaluate` says of its metrics `m` (an `Evaluation`'s) and its run: (lines for stderr, the JSON
    object for stdout)."""
    lines = []
    if m.get("duplicate_rows"):
        lines.append(f"{m['duplicate_rows']} rows repeat an earlier row in every feature: each is kept in its twin's fold")
    if m.get("groups"):
        lines.append(f"{m['groups']:,} groups of '{group}', each kept in one fold")
    lines.append(f"out-of-fold ({m['folds']} folds): auc {m['auc']:.4f}, gini {m['gini']:.4f}, ks {m['ks']:.4f}, "
                 f"brier {m['brier']:.4f}")
    if m.get("baseline_auc") is not None:
        lines.append(f"baseline (logistic regression, same folds): auc {m['baseline_auc']:.4f}")
    lines.append("bad rate by tier: " + ", ".join(f"{t} {v['bad_rate']:.1%} (n {v['n']})" for t, v in m["tiers"].items()
                                                  if v["bad_rate"] is not None))
    if run:
        lines.append(f"tracked as run {run['run_id']} '{run['run_name']}' in experiment {run['experiment']} "
                     f"({run['tracking_uri']})")
    out = {"auc": round(m["auc"], 6), "ks": round(m["ks"], 6), "brier": round(m["brier"], 6), "tiers": m["tiers"],
           "gini": round(m["gini"], 6), "folds": m["folds"], "rows": m["rows"],
           **({"baseline_auc": round(m["baseline_auc"], 6)} if m.get("baseline_auc") is not None else {}),
           **({"run_id": run["run_id"]} if run else {})}
    return lines, out
