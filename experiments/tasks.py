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


@dataclass
class Shared:
    """What a run's earlier stages computed for its later ones (the demo: validation, graphs and flags, then the
    collusion model, then the credit model): the dataset's `Evidence` (loaded and validated once, its screens, flags,
    graph and groups computed once), the collusion model that scored the tenders and its scores."""

    evidence: Any = None  # riskmodels.evidence.Evidence
    collusion_model_uri: str | None = None
    collusion_scores: Any = None  # tender_id, score, flag, reasons


def _dataset(spec, settings, shared: Shared | None, tables):
    """The spec's dataset: the evidence the run already holds (same directory) or a fresh load."""
    from pathlib import Path

    from riskmodels.evidence import Evidence

    ev = shared.evidence if shared is not None else None
    if ev is not None and Path(ev.path).resolve() == Path(spec.data).resolve():
        return ev
    return Evidence.load(spec.data, settings, tables=tables, require=())


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


def _collusion(spec, *, settings=None, progress=None, shared: Shared | None = None) -> Fitted:
    """`riskmodels collusion train` on the spec's dataset (tender table, model, tender-grouped cross-validation), with the
    spec's evidence switches, model parameters, folds and seed, on the run's shared evidence."""
    from riskmodels.collusion import pipeline as C

    ds = _dataset(spec, settings, shared, ("tenders", "bids", "bid_items", "enterprises", "shareholders"))
    labels = _truth_labels(spec.data, ds.get("tenders"))
    model, table, y, info = C.train([ds], kind=spec.features.get("kind", "full"), graph=spec.features.get("graph", True),
                                    flags=spec.features.get("flags", True), seed=spec.seed,
                                    params={**C.model_params(settings), **spec.model}, cv=True, labels=[labels],
                                    settings=settings, method="lightgbm", folds=spec.folds)
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


def score_collusion(model, ev, features: dict, settings=None) -> dict:
    """What `riskmodels collusion score --model` computes (`score_dataset`, model branch) on the evidence `ev`, with the
    spec's graph and flag switches: {"scores", "cases", "groups", ...}."""
    from riskmodels.collusion.pipeline import score_dataset

    return score_dataset(ev, model, graph=features.get("graph", True), flags=features.get("flags", True),
                         settings=settings)


def _credit(spec, *, settings=None, progress=None, shared: Shared | None = None) -> Fitted:
    """`riskmodels credit train` on the spec's dataset, with the spec's feature families, folds and seed, and the run's
    collusion scores and bidder groups as bidding features when the spec switches them on."""
    from riskmodels.credit.pipeline import train_dataset

    ds = _dataset(spec, settings, shared, ("credit_events", "inspections", "enterprises", "shareholders", "bids",
                                           "tenders", "credit_labels"))
    scores, members = credit_side_tables(spec.features, shared)
    params = {"inner_folds": spec.folds, "random_state": spec.seed, **spec.model}
    families = {f: bool(spec.features[f]) for f in ("events", "inspections", "bidding", "registry") if f in spec.features}
    side = {"collusion_scores": {"model": shared.collusion_model_uri if shared is not None else None},
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


def credit_side_tables(features: dict, shared: Shared | None):
    """(collusion scores, group members) for the credit features, from the run's earlier stages when present."""
    if shared is None or not features.get("bidding", True):
        return None, None
    scores = shared.collusion_scores
    members = None
    groups = shared.evidence.groups if shared.evidence is not None and "graph" in vars(shared.evidence) else None
    if groups is not None and len(groups):
        from riskmodels.credit.pipeline import group_members_table

        members = group_members_table(groups)
    if scores is not None:
        from features.io.side_tables import tender_probabilities

        scores = tender_probabilities(scores)[["tender_id", "score"]]
    return scores, members


def tiering_side_tables(model, ev, settings=None, *, collusion_scores=None, group_members=None, log=None):
    """(collusion scores, group members) for scoring with a credit `model`: what is given is used; what the model was
    trained with but is not given is built from the evidence `ev` (`riskmodels.evidence.Evidence` of the dataset being
    tiered, loaded once) the way training built it (its bidder groups; tender scores by the collusion model the credit
    model records, `collusion score`'s code). InputError naming the missing input (and the features that need it) when
    it cannot be built."""
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
    if ev.get("bids") is None:
        missing = " and ".join(k for k, w in (("collusion scores", want_scores), ("bidder groups", want_groups)) if w)
        raise InputError(f"{ev.name}: table 'bids' is missing; the model needs {missing} built from it "
                         "(or give --collusion-scores / --groups)")
    if log:
        log("building bidder groups (as in training)")
    if want_groups:
        from riskmodels.credit.pipeline import group_members_table

        groups = ev.groups
        group_members = group_members_table(groups) if groups is not None and len(groups) else None
    if want_scores:
        from experiments.tracking import load_model
        from riskmodels.collusion.pipeline import score_dataset

        if log:
            log(f"scoring tenders with {uri} (the collusion model the credit model was trained with)")
        hosts = getattr(getattr(settings, "models", None), "allowed_hosts", ())
        r = score_dataset(ev, load_model(uri, kind="collusion", allowed_hosts=hosts), settings=settings)
        from features.io.side_tables import tender_probabilities

        collusion_scores = tender_probabilities(r["scores"])[["tender_id", "score"]]
    return collusion_scores, group_members


def tier_credit(model, ds, features: dict, settings=None, shared: Shared | None = None):
    """What `riskmodels credit tier --model` computes (`tier_dataset`)."""
    from riskmodels.credit.pipeline import tier_dataset

    scores, members = credit_side_tables(features, shared)
    return tier_dataset(model, ds, settings, collusion_scores=scores, group_members=members)


def monitor_credit(model, ds, features: dict, settings=None, shared: Shared | None = None, *, reference_as_of, as_of):
    """What `riskmodels credit monitor` computes (`monitor_dataset`), with the same side inputs as `tier_credit`."""
    from riskmodels.credit.pipeline import monitor_dataset

    scores, members = credit_side_tables(features, shared)
    return monitor_dataset(model, ds, settings, reference_as_of=reference_as_of, as_of=as_of, collusion_scores=scores,
                           group_members=members)


TRAINERS: dict[str, Callable[..., Fitted]] = {"collusion": _collusion, "credit": _credit}
# the model family each trainer fits (named in the run's name)
FAMILIES = {"collusion": "lightgbm", "credit": "lightgbm"}


def spec_family(spec) -> str:
    """The model family a spec's trainer fits: what its runs are named by."""
    return FAMILIES.get(spec.task, spec.task)
