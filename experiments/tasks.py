"""Task adapters: from a spec and a dataset directory to a fitted model with its evaluation, over the library layers.

Each trainer returns a `Fitted` (model, parameters, cross-validated metrics, out-of-fold predictions, the training table and
a few rows as input example); `collusion_fitted` and `credit_fitted` build it from the pipelines' results, so the CLI's
`train` commands and experiment specs hand the same thing to `experiments.runner.keep_model`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from features.core.errors import InputError


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


def _dataset(spec, settings, cache, tables):
    """The spec's dataset: the one the demo already loaded (same directory) or a fresh load. A shallow copy, so that
    adding labels never changes the caller's tables."""
    import copy
    from pathlib import Path

    from features.io.dataset import load_dataset

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
        from features.core.errors import InputError

        raise InputError(f"{data_dir}: no labels to train on (tenders.csv has no 'collusive' column and there is no "
                         f"truth/tenders.csv)")
    from riskmodels.collusion.pipeline import read_labels

    return read_labels(truth)


def collusion_evidence(ds, features: dict, settings=None, cache: dict | None = None):
    """(groups, per-tender graph features, flag findings) as `riskmodels.collusion.pipeline` computes them, reusing what the
    demo's graphs and flags stages already computed on the same dataset."""
    from riskmodels.collusion import pipeline as C
    from riskmodels.collusion.tables import flag_findings, tender_findings

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
        findings = tender_findings(cache["flags"]) if "flags" in cache else flag_findings(ds, settings)
    return groups, gf, findings


def _collusion(spec, *, settings=None, progress=None, cache: dict | None = None) -> Fitted:
    """`riskmodels collusion train` on the spec's dataset (tender table, model, tender-grouped cross-validation), with the
    spec's evidence switches, model parameters, folds and seed, reusing the demo's graphs and flags."""
    from riskmodels.collusion import pipeline as C

    ds = _dataset(spec, settings, cache, ("tenders", "bids", "bid_items", "enterprises", "shareholders"))
    labels = _truth_labels(spec.data, ds.get("tenders"))
    ev = collusion_evidence(ds, spec.features, settings, cache)
    model, table, y, info = C.train([ds], kind=spec.features.get("kind", "full"), flags=spec.features.get("flags", True),
                                    seed=spec.seed, params={**C.model_params(settings), **spec.model}, cv=True,
                                    labels=[labels], settings=settings, method="lightgbm", folds=spec.folds,
                                    evidence=[ev])
    return collusion_fitted(model, table, y, info)


def collusion_fitted(model, table, y, info: dict, params: dict | None = None) -> Fitted:
    """A `Fitted` from `riskmodels.collusion.pipeline.train`'s result (with `cv=True` it carries metrics and out-of-fold
    scores). `params`: what the caller chose (switches, markets), logged beside the estimator's parameters."""
    cols = info["features"]
    metrics = {**info.get("metrics", {}),
               **{f"transfer_{m}_{k}_auc": v for m, r in info.get("transfer_check", {}).items() for k, v in r.items()},
               "train_tenders": info["tenders"], "positive_share": info["positive_share"],
               **({"inner_auc": info["inner_auc"]} if "inner_auc" in info else {}),
               **{f"inner_{f}_auc": v for f, v in info.get("inner_scores", {}).items()}}
    run_params = {**(params or {}), "method": info["method"], "estimator": type(model).__name__,
                  **({"family": info["family"]} if "family" in info else {}), **model.get_params(deep=False)}
    if "folds" in info:
        run_params["cv"] = f"{info['folds']}-fold grouped by tender"
    return Fitted(model=model, metrics=metrics, params=run_params, input_example=table[cols].head(5), table=table[cols],
                  predictions=(y, info["oof"]) if "oof" in info else None, extra={"columns": cols})


def score_collusion(model, ds, features: dict, settings=None, cache: dict | None = None) -> dict:
    """What `riskmodels collusion score --model` computes (`score_dataset`, model branch), reusing the demo's graphs and
    flags: {"scores", "cases", "groups", ...}."""
    from riskmodels.collusion.pipeline import score_dataset

    return score_dataset(ds, model, flags=features.get("flags", True), settings=settings,
                           evidence=collusion_evidence(ds, features, settings, cache))


def _credit(spec, *, settings=None, progress=None, cache: dict | None = None) -> Fitted:
    """`riskmodels credit train` on the spec's dataset, with the spec's feature families, folds and seed, and the demo's
    collusion scores and bidder groups as bidding features when the spec switches them on."""
    from riskmodels.credit.pipeline import train_dataset

    ds = _dataset(spec, settings, cache, ("credit_events", "inspections", "enterprises", "shareholders", "bids",
                                          "tenders", "credit_labels"))
    scores, members = credit_side_tables(spec.features, cache)
    params = {"inner_folds": spec.folds, "random_state": spec.seed, **spec.model}
    families = {f: bool(spec.features[f]) for f in ("events", "inspections", "bidding", "registry") if f in spec.features}
    side = {"collusion_scores": {"model": (cache or {}).get("collusion_model_uri")},
            "groups": {"computed": "graphs.pipeline.analyse on the same dataset with the [graphs] settings"}}
    fit = train_dataset(ds, settings, collusion_scores=scores, group_members=members, params=params, families=families,
                        side_inputs=side)
    return credit_fitted(fit)


def credit_fitted(fit) -> Fitted:
    """A `Fitted` from `riskmodels.credit.pipeline.train_dataset`'s `CreditFit` (tier bad rates as flat metrics)."""
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
    if features.get("bidding", True) and ("graph" in cache or "groups" in cache):
        from riskmodels.credit.pipeline import group_members_table

        groups = cache["groups"] if "groups" in cache else cache["graph"][0]
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
    from features.io.dataset import load_dataset
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
        from riskmodels.collusion import pipeline as C
        from riskmodels.collusion.tables import flag_findings

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
        r = C.score_dataset(ds, load_model(uri, kind="collusion", allowed_hosts=getattr(getattr(settings, "models", None),
                                                                                         "allowed_hosts", ())),
                            settings=settings, evidence=(groups, gf, flag_findings(ds, settings)))
        collusion_scores = r["scores"][["tender_id", "score"]]
    return collusion_scores, group_members


def tier_credit(model, ds, features: dict, settings=None, cache: dict | None = None):
    """What `riskmodels credit tier --model` computes (`tier_dataset`)."""
    from riskmodels.credit.pipeline import tier_dataset

    scores, members = credit_side_tables(features, cache)
    return tier_dataset(model, ds, settings, collusion_scores=scores, group_members=members)


def monitor_credit(model, ds, features: dict, settings=None, cache: dict | None = None, *, reference_as_of, as_of):
    """What `riskmodels credit monitor` computes (`monitor_dataset`), with the same side inputs as `tier_credit`."""
    from riskmodels.credit.pipeline import monitor_dataset

    scores, members = credit_side_tables(features, cache)
    return monitor_dataset(model, ds, settings, reference_as_of=reference_as_of, as_of=as_of, collusion_scores=scores,
                           group_members=members)


TRAINERS: dict[str, Callable[..., Fitted]] = {"collusion": _collusion, "credit": _credit}
