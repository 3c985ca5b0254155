"""Task adapters: from a spec and a dataset directory to a fitted model with its evaluation, over the library layers.

Each trainer returns a `Fitted` (model, parameters, cross-validated metrics, out-of-fold predictions, the training table and
a few rows as input example). When the library code a task needs is not in this installation, `trainer()` raises
`StageUnavailable` with the reason: nothing is faked.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

from features.errors import InputError


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


def module(name: str, *names: str, issue: str = ""):
    """The module itself, after `require` checked that it has `names`."""
    require(name, *names, issue=issue)
    return importlib.import_module(name)


def _dataset(spec, settings, cache, tables):
    """The spec's dataset: the one the demo already loaded (same directory) or a fresh load. A shallow copy, so that
    adding labels never changes the caller's tables."""
    import copy
    from pathlib import Path

    from features.dataset import load_dataset

    ds = (cache or {}).get("ds")
    if ds is not None and Path(ds.path).resolve() == Path(spec.data).resolve():
        ds = copy.copy(ds)
        ds.tables = dict(ds.tables)
        return ds
    return load_dataset(spec.data, settings, tables=tables)


def _truth_labels(data_dir, tenders):
    """None when the data carry `tenders.collusive` (the pipeline reads it), else the simulator's truth/tenders.csv
    as a (tender_id, collusive) frame."""
    from pathlib import Path

    if tenders is not None and "collusive" in tenders.columns and tenders["collusive"].notna().any():
        return None
    truth = Path(data_dir) / "truth" / "tenders.csv"
    if not truth.exists():
        from features.errors import InputError

        raise InputError(f"{data_dir}: no labels to train on (tenders.csv has no 'collusive' column and there is no "
                         f"truth/tenders.csv)")
    read_labels = require("riskmodels.collusion", "read_labels", issue="issue 7")
    return read_labels(truth)


def findings_from_evidence(evidence):
    """`riskmodels.collusion.flag_findings` from already computed `collusion_flags` evidence (the demo's flags stage):
    tender-level findings, one row per (tender, finding)."""
    if evidence is None or len(evidence) == 0:
        return None
    ev = evidence
    if "level" in ev.columns:
        ev = ev[ev["level"].astype(str) != "bidder"]
    ev = ev.assign(tender_id=ev["tender_id"].astype(str).str.split(";")).explode("tender_id")
    return ev[ev["tender_id"].astype(str) != ""].reset_index(drop=True)


def collusion_evidence(ds, features: dict, settings=None, cache: dict | None = None):
    """(groups, per-tender graph features, flag findings) as `riskmodels.collusion` computes them, reusing what the
    demo's graphs and flags stages already computed on the same dataset."""
    C = module("riskmodels.collusion", "graph_analysis", "flag_findings", issue="issue 7")
    cache = cache if cache is not None else {}
    groups = gf = findings = None
    if features.get("graph", True):
        if "graph" in cache:
            from graphs.tables import tender_features

            groups, bg = cache["graph"]
            gf = tender_features(bg, groups)
        else:
            groups, gf = C.graph_analysis(ds, settings)
    if features.get("flags", True):
        findings = findings_from_evidence(cache["flags"]) if "flags" in cache else C.flag_findings(ds, settings)
    return groups, gf, findings


def _collusion(spec, *, settings=None, progress=None, cache: dict | None = None) -> Fitted:
    """`riskmodels collusion train` on the spec's dataset (issue 7's pipeline: tender table, model, tender-grouped
    cross-validation), with the spec's evidence switches, model parameters and seed, reusing the demo's graphs and flags."""
    C = module("riskmodels.collusion", "train", "model_params", issue="issue 7")

    ds = _dataset(spec, settings, cache, ("tenders", "bids", "bid_items", "enterprises", "shareholders"))
    labels = _truth_labels(spec.data, ds.get("tenders"))
    ev = collusion_evidence(ds, spec.features, settings, cache)
    model, table, y, info = C.train([ds], kind=spec.features.get("kind", "full"), flags=spec.features.get("flags", True),
                                    seed=spec.seed, params={**C.model_params(settings), **spec.model}, cv=True,
                                    labels=[labels], settings=settings, method="lightgbm", folds=spec.folds,
                                    evidence=[ev])
    cols = info["features"]
    return Fitted(model=model, metrics=info["metrics"], params={"estimator": type(model).__name__, **model.get_params(),
                                                                "cv": f"{info['folds']}-fold grouped by tender"},
                  input_example=table[cols].head(5), table=table[cols], predictions=(y, info["oof"]),
                  extra={"columns": cols})


def score_collusion(model, ds, features: dict, settings=None, cache: dict | None = None) -> dict:
    """What `riskmodels collusion score --model` computes (issue 7's `score_dataset`, model branch), reusing the demo's
    graphs and flags: {"scores", "cases", "groups", ...}."""
    C = module("riskmodels.collusion", "score_dataset", issue="issue 7")
    return C.score_dataset(ds, model, flags=features.get("flags", True), settings=settings,
                           evidence=collusion_evidence(ds, features, settings, cache))


def _credit(spec, *, settings=None, progress=None, cache: dict | None = None) -> Fitted:
    """`riskmodels credit train` on the spec's dataset (issue 8's pipeline), with the demo's collusion scores and
    bidder groups as bidding features when the spec switches them on."""
    train_dataset = require("riskmodels.credit.pipeline", "train_dataset", issue="issue 8")
    ds = _dataset(spec, settings, cache, ("credit_events", "inspections", "enterprises", "shareholders", "bids",
                                          "tenders", "credit_labels"))
    scores, members = credit_side_tables(spec.features, cache)
    side = {"collusion_scores": {"model": (cache or {}).get("collusion_model_uri")},
            "groups": {"computed": "graphs.pipeline.analyse on the same dataset with the [graph] settings"}}
    fit = train_dataset(ds, settings, collusion_scores=scores, group_members=members, params=spec.model or None,
                        side_inputs=side)
    metrics = {k: v for k, v in fit.metrics.items() if k != "tiers"}
    for t, v in (fit.metrics.get("tiers") or {}).items():
        metrics[f"tier_{t}_bad_rate"] = v.get("bad_rate")
        metrics[f"tier_{t}_n"] = v.get("n")
    return Fitted(model=fit.model, metrics=metrics, params=fit.params, input_example=fit.table[fit.columns].head(5),
                  table=fit.table[fit.columns], predictions=(fit.table["label"].to_numpy(), fit.oof))


def credit_side_tables(features: dict, cache: dict | None):
    """(collusion scores, group members) for the credit features, from the demo's earlier stages when present."""

    cache = cache or {}
    scores = cache.get("collusion_scores") if features.get("bidding", True) else None
    members = None
    if features.get("bidding", True) and "graph" in cache:
        from riskmodels.credit.pipeline import group_members_table

        groups = cache["graph"][0]
        if groups is not None and len(groups):
            members = group_members_table(groups)
    if scores is not None:
        scores = scores[["tender_id", "score"]]
    return scores, members


def tiering_side_tables(model, directory, settings=None, *, collusion_scores=None, group_members=None, log=None):
    """(collusion scores, group members) for scoring with a credit `model`: what is given is used; what the model was
    trained with but is not given is built from the dataset in `directory` the way training built it (groups by
    `graphs.pipeline.analyse`; tender scores by the collusion model the credit model records, `collusion score`'s code).
    InputError naming the missing input (and the features that need it) when it cannot be built."""
    from features.dataset import load_dataset
    from riskmodels.credit.pipeline import side_inputs_needed

    need = side_inputs_needed(model)
    recorded = (getattr(model, "feature_spec_", None) or {}).get("side_inputs") or {}
    want_scores = "collusion_scores" in need and collusion_scores is None
    want_groups = "groups" in need and group_members is None
    if not (want_scores or want_groups):
        return collusion_scores, group_members
    uri = (recorded.get("collusion_scores") or {}).get("model") if want_scores else None
    if want_scores and not uri:
        raise InputError(f"the model was trained with collusion scores ({', '.join(need['collusion_scores'])}) and does not "
                         "record which collusion model made them; give --collusion-scores FILE (tender_id, score from "
                         "'riskmodels collusion score')")
    ds = load_dataset(directory, settings, tables=["tenders", "bids", "bid_items", "enterprises", "shareholders"])
    if ds.get("bids") is None:
        missing = " and ".join(k for k, w in (("collusion scores", want_scores), ("bidder groups", want_groups)) if w)
        raise InputError(f"{directory}: table 'bids' is missing; the model needs {missing} built from it "
                         "(or give --collusion-scores / --groups)")
    groups = None
    if want_groups or want_scores:
        C = module("riskmodels.collusion", "graph_analysis", "flag_findings", issue="issue 7")
        if log:
            log("building bidder groups (as in training)")
        groups, gf = C.graph_analysis(ds, settings)
    if want_groups:
        from riskmodels.credit.pipeline import group_members_table

        group_members = group_members_table(groups) if groups is not None and len(groups) else None
    if want_scores:
        from experiments.tracking import load_model

        if log:
            log(f"scoring tenders with {uri} (the collusion model the credit model was trained with)")
        C = module("riskmodels.collusion", "score_dataset", "flag_findings", issue="issue 7")
        r = C.score_dataset(ds, load_model(uri), settings=settings, evidence=(groups, gf, C.flag_findings(ds, settings)))
        collusion_scores = r["scores"][["tender_id", "score"]]
    return collusion_scores, group_members


def tier_credit(model, ds, features: dict, settings=None, cache: dict | None = None):
    """What `riskmodels credit tier --model` computes (issue 8's `tier_dataset`)."""
    tier_dataset = require("riskmodels.credit.pipeline", "tier_dataset", issue="issue 8")
    scores, members = credit_side_tables(features, cache)
    return tier_dataset(model, ds, settings, collusion_scores=scores, group_members=members)


def monitor_credit(model, ds, features: dict, settings=None, cache: dict | None = None, *, reference_as_of, as_of):
    """What `riskmodels credit monitor` computes (`monitor_dataset`), with the same side inputs as `tier_credit`."""
    monitor_dataset = require("riskmodels.credit.pipeline", "monitor_dataset", issue="issue 8")
    scores, members = credit_side_tables(features, cache)
    return monitor_dataset(model, ds, settings, reference_as_of=reference_as_of, as_of=as_of, collusion_scores=scores,
                           group_members=members)


_TRAINERS: dict[str, Callable[..., Fitted]] = {"collusion": _collusion, "credit": _credit}


def trainer(task: str) -> Callable[..., Fitted]:
    """The trainer of `task`, after checking its library code is importable (StageUnavailable otherwise)."""
    check = _CHECKS.get(task)
    if check is not None:
        check()
    return _TRAINERS[task]


def _check_collusion():
    require("riskmodels.collusion", "tender_table", "fit_tender_model", "graph_analysis", issue="issue 7")


def _check_credit():
    require("riskmodels.credit.pipeline", "train_dataset", "tier_dataset", issue="issue 8")


_CHECKS: dict[str, Callable[[], None]] = {"collusion": _check_collusion, "credit": _check_credit}
