"""Collusion models over datasets: one function per `riskmodels collusion ...` command (evaluate, train, score).

A dataset is anything with `.get(name) -> DataFrame | None` (e.g. `features.io.dataset.Dataset`); each dataset handed to
`train` is one market (market-relative features are computed within it). Saving models and tracking runs happen in
`experiments/` (called by the CLI), never here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from features.core.errors import InputError
from sklearn.base import clone

from riskmodels.collusion import caselist, evaluate as collusion_eval
from riskmodels.collusion.batch import (apply_market_statistics, market_statistics, positioned_strength,
                                        unbuildable)
from riskmodels.collusion.families import FAMILIES, FamilySelectedClassifier
from riskmodels.collusion.composite import TIE_FLAGS, composite_frame, default_direction
from riskmodels.collusion.model import CompositeCollusionScore, ConsensusCollusionScore, TenderCollusionClassifier
from riskmodels.collusion.tables import SCREEN_BIDS, flag_table, model_columns, tender_findings  # noqa: F401
from riskmodels.collusion.transfer import (blend, guarded_use, outside_training, scored_market, training_profile,
                                           transfer_flags, transfer_guard)
from riskmodels.evidence import Evidence, anonymous_bidders, flag_evidence  # noqa: F401


def model_params(settings=None) -> dict:
    """Tender-model parameters from the `[collusion]` settings section (defaults when absent)."""
    c = getattr(settings, "collusion", None)
    if c is None:
        return {}
    cal = None if c.calibration == "none" else c.calibration  # values checked on load (CollusionSettings.check)
    return {"n_estimators": c.n_estimators, "learning_rate": c.learning_rate, "num_leaves": c.num_leaves,
            "min_child_samples": c.min_child_samples, "calibration": cal, "threshold": c.threshold}


# bid screens are undefined or degenerate below SCREEN_BIDS (three) bids; the published baselines and docs/evaluation.md
# use tenders with at least this many; `evaluate` and `train` learn from them only by default


def _name(ds) -> str:
    return str(getattr(ds, "path", "dataset"))


def _bids(ds) -> pd.DataFrame:
    bids = ds.get("bids")
    if bids is None or len(bids) == 0:
        raise InputError(f"{_name(ds)}: no accepted bids (bids.csv is missing or every row was rejected)")
    return bids


def graph_analysis(ds, settings=None):
    """(groups, per-tender graph features) of the dataset's `Evidence`, or (None, None) when bidders are anonymous."""
    g = Evidence.of(ds, settings).named_graph
    return (None, None) if g is None else (g.groups, g.tender_features)


def flag_findings(ds, settings=None) -> pd.DataFrame | None:
    """The red-flag findings of the dataset's `Evidence` (code, tender_id, evidence, ...), one row per (tender, finding):
    findings naming several tenders are split, findings about a bidder rather than a tender are left out."""
    return Evidence.of(ds, settings).findings


def tender_table(ds, *, min_bids: int = 1, graph: bool = False, flags: bool = False, market: str | None = None,
                 settings=None) -> pd.DataFrame:
    """The tender feature table of one dataset (one market), from its `Evidence` (built once per dataset and choice of
    features): `graph` adds graph features, `flags` the red-flag counts."""
    return Evidence.of(ds, settings).tender_table(min_bids=min_bids, graph=graph, flags=flags, market=market)


def read_labels(path) -> pd.DataFrame:
    """A label file (`tender_id`, `collusive`), e.g. a simulated city's `truth/tenders.csv`."""
    from pathlib import Path

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: label file not found")
    from features.io.read import read_raw

    lab = read_raw(p).frame  # text, through the export rule: ids read as the toolkit wrote them
    for col in ("tender_id", "collusive"):
        if col not in lab.columns:
            raise InputError(f"{p}: missing column '{col}' (a label file has tender_id, collusive)")
    lab = lab[["tender_id", "collusive"]].copy()
    lab["collusive"] = pd.to_numeric(lab["collusive"], errors="coerce")
    return lab


def with_labels(table: pd.DataFrame, labels: pd.DataFrame | None) -> pd.DataFrame:
    """`table` with `collusive` taken from `labels` (tender_id, collusive) where given."""
    if labels is None:
        return table
    m = pd.Series(pd.to_numeric(labels["collusive"], errors="coerce").to_numpy(dtype=float),
                  index=labels["tender_id"].astype(str)).groupby(level=0).max()
    return table.assign(collusive=table["tender_id"].astype(str).map(m).to_numpy(dtype=float))


def labelled(table: pd.DataFrame, where: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows with a known label and the label as 0/1; InputError when there is no usable label."""
    from pathlib import Path

    truth = Path(where) / "truth" / "tenders.csv"
    hint = f" (a simulated city keeps them apart: add --labels {truth})" if truth.is_file() else ""
    if "collusive" not in table.columns:
        raise InputError(f"{where}: tenders.collusive is missing; training and evaluation need labelled tenders{hint}")
    t = table[table["collusive"].notna()].reset_index(drop=True)
    y = (t["collusive"].to_numpy(dtype=float) > 0).astype(int)
    if len(np.unique(y)) < 2:
        raise InputError(f"{where}: tenders.collusive holds one class only ({len(t)} labelled tenders); need both"
                         + (hint if len(t) == 0 else ""))
    return t, y


def evaluate_dataset(ds, *, min_bids: int = SCREEN_BIDS, kind: str = "full", graph: bool = False, flags: bool = False,
                     n_splits: int = 5, seed: int = 0, params: dict | None = None, baseline: bool = False,
                     labels: pd.DataFrame | None = None, settings=None, families=FAMILIES) -> dict:
    """`collusion evaluate`: tender-grouped, bidder-held-out and time splits on one labelled dataset.
    Graph features and red flags are unsupervised (no labels used) but are computed once on the whole dataset.
    `families`: with more than LightGBM, each fold's model is a `FamilySelectedClassifier` that chooses among them by
    cross-validation inside the fold's training tenders (nested; each split reports how often each family was chosen),
    and the result names the family chosen on all the labelled tenders (`family`, `inner_auc`, `inner_scores`)."""
    ev = Evidence.of(ds, settings)
    table = with_labels(ev.tender_table(min_bids=min_bids, graph=graph, flags=flags), labels)
    table, y = labelled(table, _name(ds))
    cols = model_columns(table, kind)
    lgbm = TenderCollusionClassifier(**(params or model_params(settings)), random_state=seed)
    families = tuple(families or ("lightgbm",))
    est = lgbm if families == ("lightgbm",) else FamilySelectedClassifier(families, lightgbm=lgbm, random_state=seed)
    base, base_cols = None, None
    if baseline:
        base, base_cols = baseline_estimator(seed), baseline_columns(table)
    res = collusion_eval.evaluate(est, table[cols], y, tender_ids=table["tender_id"].to_numpy(),
                                  winners=collusion_eval.winners_of(table, ds.get("bids")),
                                  times=collusion_eval.time_key(table, ds.get("tenders")), n_splits=n_splits, seed=seed,
                                  baseline=base, baseline_columns=base_cols)
    res["features"] = cols
    res["min_bids"] = min_bids
    if isinstance(est, FamilySelectedClassifier):  # what `train` would keep: the choice on all the labelled tenders
        final = clone(est).fit(table[cols], y)
        res.update(family=final.family_, inner_auc=final.inner_auc_, inner_scores=final.inner_scores_)
    return res


def baseline_columns(table: pd.DataFrame) -> list[str]:
    """The baseline's inputs: the 10 textbook screens (n_bids + 9), as in the published baselines."""
    from features.evidence.screens import SCREENS

    return ["n_bids", *SCREENS]


def baseline_estimator(seed: int = 0):
    """Extra trees, 300 trees, class-balanced, missing screens as 0 (the published baseline's setup)."""
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    return make_pipeline(SimpleImputer(strategy="constant", fill_value=0.0, keep_empty_features=True),
                         ExtraTreesClassifier(n_estimators=300, class_weight="balanced", n_jobs=1, random_state=seed))


def market_weights(markets, y) -> np.ndarray:
    """Sample weights giving every market the same total weight and, within a market, both classes the same weight
    (mean 1). Without them the market with the most tenders and its base rate (e.g. 77% collusive in the Swiss data)
    would dominate what the model learns."""
    markets = np.asarray(markets).astype(str)
    y = np.asarray(y).astype(int)
    w = np.zeros(len(y))
    for m in np.unique(markets):
        for c in (0, 1):
            sel = (markets == m) & (y == c)
            if sel.any():
                w[sel] = 1.0 / sel.sum()
    return w / w.mean()


def literature_monotone(columns) -> dict:
    """Directions the screening literature expects under collusion (`default_direction`), for the columns that have one."""
    return {c: default_direction(c) for c in columns if default_direction(c) != 0}


METHODS = ("auto", "lightgbm", "consensus", "select")


def fit_tender_model(table: pd.DataFrame, y, *, kind: str = "transfer", directions: str | None = None,
                     method: str = "lightgbm", balance: bool = True, seed: int = 0, params: dict | None = None):
    """(unfitted model, columns, fit keyword arguments) for a training table with a `market` column; fit with
    `model.fit(table[columns], y, **fit_kw)` (the keyword arguments hold one value per row of `table`).

    `method`: 'lightgbm' is the calibrated boosted tender model; 'consensus' the `ConsensusCollusionScore` (evidence
    kept only where it points the textbook way in every training market, weighted by its worst market).
    `directions` (LightGBM only): 'literature' keeps only evidence with a direction fixed in advance by the screening
    literature and constrains the model to it (monotone), so that what it carries to another market is the textbook
    pattern and not a market's own quirk; 'free' lets LightGBM learn any shape. Default: 'literature' for `transfer`,
    'free' for `full`."""
    markets = table["market"].to_numpy() if "market" in table.columns else np.zeros(len(table))
    cols = model_columns(table, kind)
    if method == "consensus":
        return ConsensusCollusionScore(), [c for c in cols if default_direction(c) != 0], {"markets": markets}
    if method not in ("lightgbm", "select"):
        raise InputError(f"method must be one of {', '.join(METHODS[1:])} here; got {method!r}")
    directions = directions or ("literature" if kind == "transfer" else "free")
    if directions not in ("literature", "free"):
        raise InputError(f"directions must be 'literature' or 'free'; got {directions!r}")
    mono = None
    if directions == "literature":
        mono = literature_monotone(cols)
        cols = list(mono)
    w = market_weights(markets, y) if balance else None
    model = TenderCollusionClassifier(**{**(params or {}), **({"monotone": mono} if mono else {})}, random_state=seed)
    if method == "select":
        model = FamilySelectedClassifier(lightgbm=model, threshold=model.threshold, random_state=seed)
    return model, cols, ({"sample_weight": w} if w is not None else {})


def transfer_check(table: pd.DataFrame, y, *, kind: str = "transfer", directions: str | None = None, seed: int = 0,
                   params: dict | None = None, methods=("lightgbm", "consensus")) -> dict:
    """Leave one training market out: for each method, {market: ROC-AUC when trained on the other markets and applied
    unchanged to it}, plus `mean`; and the same for `no_model` (the score without a model on the held-out market:
    `composite_frame` of its table) and `blend_<method>` (`transfer.blend` of the method and the no-model score), the
    figures `transfer.transfer_guard` decides from. Needs at least two markets; only the training markets are used, so
    choosing a method by it never looks at the market the model will score. Every (method, held-out market) fit is a
    separate task on the current engine (`features.engine.submit_many`), the table sent once."""
    from sklearn.metrics import roc_auc_score

    from features import engine
    from riskmodels.collusion.transfer import blend

    markets = table["market"].astype(str).to_numpy()
    names = list(dict.fromkeys(markets))
    if len(names) < 2:
        raise InputError("a transfer check needs at least two labelled markets")
    y = np.asarray(y)
    runs, calls = [], []
    for method in methods:
        for held in names:
            tr, te = markets != held, markets == held
            if len(np.unique(y[tr])) < 2 or len(np.unique(y[te])) < 2:
                continue
            sub = table[tr].reset_index(drop=True)
            model, cols, kw = fit_tender_model(sub, y[tr], kind=kind, directions=directions, method=method, seed=seed,
                                               params=params)
            runs.append((method, held))
            calls.append((model, cols, kw, tr, te))
    eng = engine.current()
    ts, ys = eng.share(table, keep=False), eng.share(y, keep=False)
    scores = eng.submit_many([(_held_out_scores, (model, ts, ys, cols, kw, tr, te), None)
                              for model, cols, kw, tr, te in calls],
                             label="collusion transfer check (method x held-out market)")
    no_model = {}
    for held in dict.fromkeys(h for _, h in runs):
        te = markets == held
        X, w = composite_frame(table[te].reset_index(drop=True))
        no_model[held] = (CompositeCollusionScore(weights=w).fit(X).score_samples(X) if X.shape[1]
                          else np.full(int(te.sum()), 0.5))
    out = {}

    def entry(res: dict) -> dict:
        res["mean"] = float(np.mean(list(res.values()))) if res else float("nan")
        return res

    for method in methods:
        got = {held: s for (m, held), s in zip(runs, scores) if m == method}
        out[method] = entry({h: float(roc_auc_score(y[markets == h], s)) for h, s in got.items()})
        out[f"blend_{method}"] = entry({h: float(roc_auc_score(y[markets == h], blend(s, no_model[h])))
                                        for h, s in got.items()})
    out["no_model"] = entry({h: float(roc_auc_score(y[markets == h], s)) for h, s in no_model.items()})
    return out


def _held_out_scores(model, table: pd.DataFrame, y: np.ndarray, cols: list, fit_kw: dict, train, test) -> np.ndarray:
    """One fit of `transfer_check`, a task on the current engine: `model` fitted on the `train` rows (the other
    markets), its probabilities on the held-out market's rows `test`."""
    model = clone(model).fit(table[train].reset_index(drop=True)[cols], y[train], **fit_kw)
    return model.predict_proba(table.loc[test, cols].astype(float))[:, 1]


def train(datasets: list, *, kind: str = "transfer", min_bids: int = SCREEN_BIDS, graph: bool = False, flags: bool = False,
          seed: int = 0, params: dict | None = None, cv: bool = False, labels: list | None = None,
          directions: str | None = None, balance: bool = True, settings=None, method: str = "auto", folds: int = 5,
          ) -> tuple[TenderCollusionClassifier | ConsensusCollusionScore, pd.DataFrame, np.ndarray, dict]:
    """`collusion train`: one model over one or more labelled markets (each dataset is a market).
    Returns (model, training table, labels, summary). With `cv`, the summary also holds tender-grouped cross-validated
    `metrics` and the out-of-fold `oof` probabilities (the gate a registered model must pass). `labels`: per dataset,
    None (use tenders.collusive) or a (tender_id, collusive) frame. `method` (`fit_tender_model`): 'auto' takes, with
    two or more markets, the method that did best in `transfer_check` (each training market held out in turn; the
    figures are in the summary), else 'select'. `folds`: of the cross-validation. A dataset may be an `Evidence` whose
    graph, flags and tender table other stages already computed (reused, not computed again). 'select' (the default of 'auto' with one market) is a `FamilySelectedClassifier`: the model
    family chosen by cross-validation on the training tenders (`family`, `inner_auc`, `inner_scores` in the summary)."""
    tables, ys, per, stats = [], [], {}, {}
    labels = labels or [None] * len(datasets)
    for ds, lab in zip(datasets, labels):
        # every tender first (the market-relative columns and the kept market statistics are over all of them), then
        # those to learn from
        ev = Evidence.of(ds, settings)
        t = ev.tender_table(graph=graph, flags=flags)
        stats[_name(ds)] = market_statistics(t, ev.get("tenders"))
        t = t[t["n_bids"] >= max(1, int(min_bids))].reset_index(drop=True)
        t, y = labelled(with_labels(t, lab), _name(ds))
        tables.append(t.assign(market=_name(ds)))
        ys.append(y)
        per[_name(ds)] = {"tenders": int(len(y)), "collusive": int(y.sum())}
    table = pd.concat(tables, ignore_index=True)
    y = np.concatenate(ys)
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    params = params or model_params(settings)
    info = {"markets": per, "kind": kind, "tenders": int(len(y)), "positive_share": float(y.mean()), "balanced": balance}
    if method == "auto":
        method = "select"  # one market: the model family chosen by cross-validation on its tenders
        if len(datasets) >= 2:  # choose by how each method moved between the training markets
            info["transfer_check"] = transfer_check(table, y, kind=kind, directions=directions, seed=seed, params=params)
            means = {m: r["mean"] for m, r in info["transfer_check"].items()
                     if m in ("lightgbm", "consensus") and np.isfinite(r["mean"])}
            method = max(means, key=means.get) if means else "lightgbm"  # no market held both classes: the default
    if len(datasets) >= 2 and method not in info.get("transfer_check", {}):  # the guard needs the chosen method held out
        info["transfer_check"] = {**info.get("transfer_check", {}), **transfer_check(
            table, y, kind=kind, directions=directions, seed=seed, params=params, methods=(method,))}
    model, cols, kw = fit_tender_model(table, y, kind=kind, directions=directions, method=method, balance=balance,
                                       seed=seed, params=params)
    info.update(features=cols, method=method)
    if method in ("lightgbm", "select"):
        info["directions"] = directions or ("literature" if kind == "transfer" else "free")
    if cv:
        sp = collusion_eval.tender_split(y, table["tender_id"].astype(str) + "@" + table["market"], folds, seed)
        info["folds"] = len(sp)
        # the folds and the fit on every tender: one batch of tasks on the current engine
        oof, model = collusion_eval.cross_fit(model, table[cols], y, sp, fit_params=kw)
        info["metrics"] = collusion_eval._metrics(y, oof, float(model.threshold))
        info["oof"] = oof
    else:
        model.fit(table[cols], y, **kw)
    fitted = info.get("oof")
    seen = "out-of-fold"
    if fitted is None or not np.isfinite(fitted).all():
        fitted, seen = model.predict_proba(table[cols].astype(float))[:, 1], "in-sample"
    model.training_profile_ = training_profile(table, y, fitted, seen)
    model.market_stats_ = stats
    model.transfer_guard_ = (transfer_guard(info["transfer_check"], method) if "transfer_check" in info else None)
    if model.transfer_guard_ is not None:
        info["transfer_guard"] = model.transfer_guard_
    if method == "select":
        info.update(family=model.family_, inner_auc=model.inner_auc_, inner_scores=model.inner_scores_)
    return model, table, y, info


def family_evidence(texts: dict) -> dict:
    """`tie_flags` / `pattern_flags` -> per-tender evidence sentences of the flags of that family, joined, for the
    reasons of the no-model score (`flag_evidence` gives them per `flag_<code>`)."""
    out = {}
    for fam in ("tie_flags", "pattern_flags"):
        cols = [c for c in texts if (c.removeprefix("flag_") in TIE_FLAGS) == (fam == "tie_flags")]
        if not cols:
            continue
        rows = zip(*(texts[c] for c in cols))
        out[fam] = np.array(["; ".join(str(x) for x in r if isinstance(x, str) and x.strip()) for r in rows], dtype=object)
    return out


def composite_columns(table: pd.DataFrame) -> list[str]:
    """The no-model score's evidence columns on this table (`composite_frame`)."""
    return list(composite_frame(table)[0].columns)


def bid_list_notes(table: pd.DataFrame) -> list[str]:
    """Per tender, what its bid list says beside the score: a bidder that bid more than once (`repeat_bidders`), fewer
    than SCREEN_BIDS valid bids (no screens), or fewer bids than the source reports bidders (`reported_bidders`; the
    screens describe the listed bids only)."""
    def col(name):
        return table[name].to_numpy(dtype=float) if name in table.columns else np.full(len(table), np.nan)

    out = []
    for n, r, twice in zip(col("n_bids"), col("reported_bidders"), col("repeat_bidders")):
        of = f" of {int(r)} reported bidders" if np.isfinite(r) and r > n else ""
        words = []
        if twice > 0:
            words.append(f"{int(twice)} bidder{'s' if twice != 1 else ''} bid more than once in this tender "
                         "(`data validate` lists the rows)")
        if n < SCREEN_BIDS:
            words.append(f"only {int(n)} valid bid{'s' if n != 1 else ''}{of}: too few for bid screens "
                         f"(they need {SCREEN_BIDS})")
        elif of:
            words.append(f"partial bid list ({int(n)}{of}): the bid screens describe the listed bids only")
        out.append("; ".join(words))
    return out


def _probability_block(X: pd.DataFrame, model) -> pd.DataFrame:
    return pd.DataFrame({"p": model.predict_proba(X)[:, 1]})


def probabilities(model, X: pd.DataFrame) -> np.ndarray:
    """`model.predict_proba(X)[:, 1]` in row blocks on the current engine (`features.engine.steps.map_rows`), the
    model sent once; a tender's probability depends on its own row only, so the blocks give the one-pass result."""
    from features import engine
    from features.engine import steps

    eng = engine.current()
    return steps.map_rows(_probability_block, X, None, eng.share(model), eng=eng, label="collusion scores")["p"].to_numpy()


def evidence_strength(table: pd.DataFrame, flag_share: float = 0.1) -> np.ndarray:
    """The strength of each tender's evidence, 0-1: the no-model evidence score (`CompositeCollusionScore` over
    `composite_frame`, positions within this market), 0 where the dataset has no evidence to weigh. It breaks the ties
    of a model's saturated probabilities in the case order (`caselist.ranking_score`)."""
    X, weights = composite_frame(table)
    if X.shape[1] == 0:
        return np.zeros(len(table))
    s = CompositeCollusionScore(weights=weights, flag_share=flag_share).fit(X).score_samples(X)
    return np.nan_to_num(np.asarray(s, dtype=float), nan=0.0)


def score_dataset(ds, model=None, *, top: int | None = None, graph: bool = True, flags: bool = True, min_bids: int = 1,
                  settings=None, transfer_share: float | None = None, market: str | None = None) -> dict:
    """`collusion score`: scores, flags and reasons per tender, plus the case list tables.

    Columns: `score` (the case order's key: with a model, its log-odds plus 0.01 x the evidence strength,
    `caselist.ranking_score`, its evidence positioned in the training market's kept distributions on a training market;
    without one, the evidence score; on a market the model was not trained on, what the
    transfer guard chose), `probability` (the model's calibrated probability, what the flag threshold reads; empty
    without a model), `evidence` (the evidence strength, 0-1), `flag`, `reasons`.

    With a fitted `model` (from `train`), its columns are built from this dataset; a red flag that ran and found nothing
    counts 0, and a feature the data cannot give (`batch.unbuildable`: a flag not enabled or without its inputs, graph
    features without named bidders, ...) is an InputError naming it. Without a model, the transparent composite score
    of flags and screens, ranked within this market. `graph` computes bidder groups for the case list (and graph
    features); `flags` the red flags, whose evidence texts become reasons. `ds` may be an `Evidence` whose graph, flags
    and tender table other stages already computed (reused, not computed again).

    Which market the data is (`transfer.scored_market`; `market`: None to decide, 'new', or a training market's name):
    a training market's tenders are positioned in its kept market statistics (`batch.apply_market_statistics`), so a
    tender's score does not depend on the batch, and flagged by the model's threshold. On a market the model was not
    trained on the market-relative columns are computed within the data, the score is the model, the blend or the
    no-model score as the training-time transfer check allows (`transfer.guarded_use`; `use` in the result, said in
    `notes`), and the top `transfer_share` (default `[collusion] transfer_flag_share`) is flagged instead of a
    probability threshold; `warnings` when the market lies outside the training markets.
    """
    ev = Evidence.of(ds, settings)
    bids = ev.bids
    c = getattr(settings, "collusion", None)
    top = top if top is not None else (c.reasons if c is not None else 3)
    g = ev.named_graph if graph else None
    findings = ev.findings if flags else None
    table = ev.tender_table(min_bids=min_bids, graph=graph, flags=flags)
    built = []
    names = [str(n) for n in getattr(model, "feature_names_in_", [])] if model is not None else []
    if any(n not in table.columns for n in names) and (g is None or not flags):
        # the model was trained with graph or flag features that --no-graph / --no-flags left out: build them rather
        # than score with holes (a model that never sees its strongest evidence flags almost nothing)
        if g is None:
            g = ev.named_graph
            built.append("bidder graph")
        if not flags:
            findings, flags = ev.findings, True
            built.append("red flags")
        table = ev.tender_table(min_bids=min_bids, graph=True, flags=True)
    groups, gf = (g.groups, g.tender_features) if g is not None else (None, None)
    ran = [x.removeprefix("flag_") for x in table.columns if x.startswith("flag_")] if flags else []
    which, why = scored_market(model, table, market) if model is not None else (None, "")
    unused = (model is not None and which is None and guarded_use(model)[0] == "no-model"
              and composite_frame(table)[0].shape[1] > 0)  # the no-model fallback needs none of the model's features
    missing = [] if unused else unbuildable(names, table, ev, ran, graph_built=gf is not None)
    if missing:
        raise InputError(f"{_name(ds)}: the model needs {len(missing)} feature(s) that cannot be built from this dataset: "
                         f"{'; '.join(missing[:8])}{' ...' if len(missing) > 8 else ''}")
    if len(table) == 0:
        raise InputError(f"{_name(ds)}: no tender with at least {min_bids} valid bid(s) to score")
    texts = flag_evidence(findings, table["tender_id"])
    notes, warnings, use = [], [], None

    def no_model_score(t):
        X, weights = composite_frame(t)
        if X.shape[1] == 0:
            raise InputError(f"{_name(ds)}: no evidence to score: no tender has {SCREEN_BIDS} bids whose spread varies, "
                             "and there are no ties between bidders")
        m = CompositeCollusionScore(weights=weights, flag_share=c.flag_share if c is not None else 0.1).fit(X)
        return m, X

    if model is None:
        composite, X = no_model_score(table)
        score = composite.score_samples(X)
        probability, strength = np.full(len(score), np.nan), score
        flag = composite.predict(X).astype(int)
        reasons = composite.explain(X, top=top, context=table, evidence={**texts, **family_evidence(texts)})
        method = "composite"
    else:
        if not names:
            raise InputError("the model has no feature names; train it with `riskmodels collusion train`")
        stats = (getattr(model, "market_stats_", None) or {}).get(which) if which is not None else None
        if stats is not None:
            table = apply_market_statistics(table, ds.get("tenders"), stats)
        X = table.reindex(columns=names).astype(float)
        # the model's calibrated probability (what its threshold reads) and the case order's key: its log-odds plus a
        # hundredth of the evidence strength, so that tenders the model ties at the top are told apart by the evidence
        probability = np.full(len(X), np.nan) if unused else probabilities(model, X)
        # on a training market the evidence strength is positioned in the market's kept distributions, so that a
        # tender's score does not depend on the batch it is scored with; elsewhere it ranks within the scored market
        ref = (stats or {}).get("evidence") if which is not None else None
        strength = (positioned_strength(table, ref) if ref is not None
                    else np.zeros(len(table)) if which is not None  # a model kept before the reference was
                    else evidence_strength(table, c.flag_share if c is not None else 0.1))
        score = np.full(len(X), np.nan) if unused else caselist.ranking_score(probability, strength)
        method = "model"
        if which is not None:
            notes.append(f"scored as {why}")
            flag = (probability >= float(getattr(model, "threshold", 0.5))).astype(int)
            reasons = model.explain(X, top=top, context=table, evidence=texts)
        else:
            profile = getattr(model, "training_profile_", None)
            use, guard_why = guarded_use(model)
            if use != "model" and composite_frame(table)[0].shape[1] == 0:
                use, guard_why = "model", "the no-model score has no evidence that varies in these tenders"
            if use == "model":
                reasons = model.explain(X, top=top, context=table, evidence=texts)
            else:
                composite, Xc = no_model_score(table)
                base = composite.score_samples(Xc)
                if use == "blend":
                    score = blend(score, base)
                    reasons = model.explain(X, top=top, context=table, evidence=texts)
                else:
                    score = base
                    reasons = composite.explain(Xc, top=top, context=table, evidence={**texts, **family_evidence(texts)})
            words = {"model": "scored by the model", "blend": "scored by the blend of the model and the no-model score",
                     "no-model": "scored by the no-model score (the evidence-aware composite of `collusion score` "
                                 "without a model), not the model"}[use]
            notes.append(f"{_name(ds)} is {why}: {words}, because {guard_why}")
            method = {"model": "model", "blend": "model+no-model blend", "no-model": "no-model fallback"}[use]
            share = transfer_share if transfer_share is not None else (c.transfer_flag_share if c is not None else 0.05)
            if profile is not None:
                flag, note = transfer_flags(profile, score, share)
                notes.append(note)
                outside = outside_training(profile, table)
                if outside:
                    warnings.append(f"{_name(ds)} lies outside the training markets (the model extrapolates): "
                                    + "; ".join(outside))
            else:
                flag = (probability >= float(getattr(model, "threshold", 0.5))).astype(int)
    n_bids = table["n_bids"].to_numpy()
    reasons = ["; ".join(x for x in (r, f) if x) or "no single piece of evidence stands out in this market"
               for r, f in zip(reasons, bid_list_notes(table))]
    scores = pd.DataFrame({"tender_id": table["tender_id"].astype(str), "score": score, "probability": probability,
                           "evidence": np.round(np.asarray(strength, dtype=float), 6), "flag": flag, "reasons": reasons})
    tenders = caselist.tender_cases(scores.assign(n_bids=n_bids), bids, gf, findings=findings)
    groups_t = caselist.group_cases(scores, bids, groups)
    return {"scores": scores, "cases": tenders, "groups": groups_t, "method": method, "table": table, "built": built,
            "notes": notes, "warnings": warnings, "use": use}
