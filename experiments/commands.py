"""One function per command that trains, loads or lists a tracked model (MLflow lives in `experiments/` only):
`collusion train/score/report`, `credit train/tier/monitor`, `cases warn` with a model, `experiments list`.

Each reads the command's inputs (the dataset loaded and validated once, as a `riskmodels.evidence.Evidence` where
collusion evidence is involved), runs the library, writes the outputs whole and returns what the command line prints:
a result dict and/or the lines to say. `log` receives progress lines (stderr).
"""
from __future__ import annotations

from pathlib import Path

from features.core.errors import InputError
from riskmodels.evidence import BID_TABLES, Evidence

CREDIT_TABLES = ("credit_events", "inspections", "enterprises", "shareholders", "bids", "tenders", "credit_labels")


def load_model(uri: str | None, kind: str, settings):
    """The model at `uri` (directory or models:/...), fetched only from the `[models] allowed_hosts`; None for None."""
    if uri is None:
        return None
    from experiments.tracking import load_model as _load

    return _load(uri, kind=kind, allowed_hosts=settings.models.allowed_hosts)


def _say_kept(kept: dict, register: str | None) -> list[str]:
    """Where a trained model went: its directory, and its tracked run, registered version and gate."""
    lines = [f"model written to {kept['model_out']}"] if "model_out" in kept else []
    if register is not None:
        m = kept.get("metrics") or {}
        auc = f"cross-validated auc {m['auc']:.3f}; " if isinstance(m.get("auc"), float) else ""
        lines.append(f"run {kept.get('run_id')}: {auc}registered {register} version {kept.get('version')}"
                     + (" (now @champion)" if kept.get("champion") else f" ({kept.get('gate_reason', '')})"))
    return lines


def train_collusion(directories: list, settings, *, model_out, register, experiment, kind, min_bids, graph, flags, seed,
                    labels, directions, method, verdicts=None, claim=None, log=None, say=print) -> list[str]:
    """`collusion train`: one model over the labelled markets (each directory one market), kept in `model_out` and/or
    tracked and registered; the lines to print. With `verdicts` (a case store), learns from its verdicts: which store
    goes to `log` (progress), how many verdicts to `say`. `claim()` is called once the options are checked, before any
    work: the command line refuses existing outputs there."""
    from experiments.runner import keep_model
    from experiments.tasks import collusion_fitted
    from riskmodels.collusion.commands import check_choices
    from riskmodels.collusion.pipeline import read_labels, train

    if labels and verdicts:
        raise InputError("give --labels or --verdicts, not both")
    if labels and len(labels) != len(directories):
        raise InputError(f"--labels: give one label file per DIR ({len(directories)}); got {len(labels)}")
    if model_out is None and register is None:
        raise InputError("give --model-out PATH and/or --register NAME (otherwise the model would be lost)")
    check_choices(kind=kind, method=method)
    if claim:
        claim()
    evs = [Evidence.load(d, settings) for d in directories]
    lab, extra = ([read_labels(p) for p in labels] if labels else None), {}
    if verdicts is not None:
        lab, extra = _verdict_labels(verdicts, settings, len(evs), log, say)
    model, table, y, info = train(evs, kind=kind, min_bids=min_bids, graph=graph, flags=flags, seed=seed,
                                  cv=register is not None, settings=settings, labels=lab, directions=directions,
                                  method=method)
    lines = [f"transfer check {m}: " + ", ".join(f"{k} auc {v:.3f}" for k, v in res.items())
             for m, res in info.get("transfer_check", {}).items()]
    if "transfer_guard" in info:
        lines.append(f"on a market it was not trained on the model will use: {info['transfer_guard']['use']} "
                     f"({info['transfer_guard']['why']})")
    from experiments.runner import train_identity

    ident = train_identity(directories, info.get("family", info["method"]), experiment) if register else {}
    fitted = collusion_fitted(model, table, y, info, params={
        "features": kind, "min_bids": min_bids, "graph": graph, "flags": flags, **ident.get("params", {}), **extra})
    lines += _say_kept(keep_model(fitted, model_out=model_out, experiment=experiment, register=register,
                                  run_name=ident.get("run_name"), tags=ident.get("tags")), register)
    fam = (f" (family {info['family']}, inner cross-validated auc {info['inner_auc']:.3f})" if "family" in info else "")
    return lines + [f"trained on {info['tenders']:,} tenders from {len(evs)} market(s) ({info['positive_share']:.1%} "
                    f"collusive), {len(info['features'])} {kind} features, method {info['method']}{fam}"]


def _verdict_labels(store: str, settings, n: int, log, say) -> tuple[list, dict]:
    """The case store's verdicts as the labels of each of `n` markets, and what to record about them."""
    from riskmodels.cases.commands import open_store
    from riskmodels.cases.records import training_labels

    st = open_store(store, settings, log)
    v = training_labels(st)
    say(f"learning from {len(v)} verdict(s) in {st.name} ({int(v['collusive'].sum())} collusive)")
    return [v] * n, {"labels": "verdicts", "verdicts": int(len(v)), "verdicts_collusive": int(v["collusive"].sum())}


def score_collusion(directory, out: Path, settings, *, model: str | None, top, graph: bool, flags: bool, min_bids: int,
                    flag_share: float | None, market: str | None = None) -> list[str]:
    """`collusion score`: scores to `out` and the ranked case list beside it (CSV + HTML); the lines to print."""
    from features.io.export import write_table
    from riskmodels.collusion.caselist import write_case_list
    from riskmodels.collusion.pipeline import score_dataset

    est = load_model(model, "collusion", settings)
    ev = Evidence.load(directory, settings)
    if flag_share is not None and not 0 < flag_share < 1:
        raise InputError(f"--flag-share must lie strictly between 0 and 1; got {flag_share}")
    r = score_dataset(ev, est, top=top, graph=graph, flags=flags, min_bids=min_bids, settings=settings,
                      transfer_share=flag_share, market=market)
    lines = [f"note: the model uses features of the {' and '.join(r['built'])}, which --no-graph/--no-flags leave out; "
             "built them for the model anyway"] if r.get("built") else []
    lines += [f"warning: {w}" for w in r["warnings"]] + list(r["notes"])
    write_table(r["scores"], out)
    used = ", ".join(["screens", "pair evidence"] + (["red flags"] if flags else []) + (["bidder graph"] if graph else []))
    how = ((f"model {model}" + (f" ({r['method']})" if r["method"] != "model" else "")) if model
           else f"composite score of {used} (no model given)")
    paths = write_case_list(r["cases"], r["groups"], out, title=f"Collusion case list: {directory}", note=f"Scored by {how}.")
    return lines + [f"scored {len(r['scores']):,} tenders ({int(r['scores']['flag'].sum()):,} flagged) with the {how}; "
                    f"wrote {out}, case list {paths['cases']}, groups {paths['groups']}, page {paths['html']}"]


def collusion_report(directory, out: Path, settings, *, model: str | None, scores: Path | None, lang: str | None,
                     force: bool, tiers: Path | None = None, profiles: Path | None = None,
                     cases: str | None = None, log=None) -> str:
    """`collusion report`: the investigator's case file in `out` (firm pages with their credit tier from `tiers` and
    links to the `credit profile --ids` pages in `profiles`, when given; each tender's status and verdict history from
    the case store `cases`); the summary line."""
    from features.io.side_tables import read_side_table
    from riskmodels.report.casefile import collusion_report as write_report, read_scores

    if model is not None and scores is not None:
        raise InputError("give --model or --scores, not both (--scores are already scored)")
    sc = read_scores(scores) if scores is not None else None
    est = load_model(model, "collusion", settings)
    history = None
    if cases is not None:
        from riskmodels.cases.commands import open_store

        st = open_store(cases, settings, log)
        try:
            history = st.verdict_history()
        finally:
            st.close()
    ev = Evidence.load(directory, settings)
    r = write_report(ev, out, est, method=model or "", scores=sc, scores_file=str(scores or ""), settings=settings,
                     lang=lang, force=force, profiles=profiles, verdicts=history,
                     tiers=read_side_table(tiers, ("enterprise_id", "tier")) if tiers else None)
    return (f"wrote {Path(out) / 'index.html'} ({r['lang']}): {r['tender_pages']:,} tender, {r['group_pages']:,} group and "
            f"{r['firm_pages']:,} firm pages for {r['tenders']:,} tenders and {r['groups']:,} groups "
            f"(evidence {r['evidence_s']:.1f}s, pages {r['pages_s']:.1f}s)")


def credit_side_tables(collusion_scores: Path | None, groups: Path | None):
    """(tender scores, group members) read from the files given (None for a file not given)."""
    from features.io.side_tables import read_side_table
    from riskmodels.credit.pipeline import group_members_table

    return (read_side_table(collusion_scores, ("tender_id", "score")) if collusion_scores else None,
            group_members_table(read_side_table(groups, ("group_id",)), str(groups)) if groups else None)


def train_credit(directory, settings, *, model_out, register, experiment, collusion_scores, groups,
                 claim=None, progress=None) -> list[str]:
    """`credit train`: the calibrated credit model, kept in `model_out` and/or tracked and registered; lines to print.
    `claim()` is called once the options are checked, before any work."""
    from experiments.runner import keep_model
    from experiments.tasks import credit_fitted
    from features.io.dataset import load_dataset
    from riskmodels.credit import train_dataset

    if model_out is None and register is None:
        raise InputError("give --model-out PATH and/or --register NAME (otherwise the model would be lost)")
    if claim:
        claim()
    scores, members = credit_side_tables(collusion_scores, groups)
    ds = load_dataset(directory, settings, tables=list(CREDIT_TABLES), require=["credit_labels"])
    side = {"collusion_scores": {"file": collusion_scores.name if collusion_scores else "None"},  # names, never paths
            "groups": {"file": groups.name if groups else "None"}}
    fit = train_dataset(ds, settings, collusion_scores=scores, group_members=members, progress=progress, side_inputs=side)
    from experiments.runner import train_identity

    ident = train_identity([directory], "lightgbm", experiment, task="credit") if register else {}
    fitted = credit_fitted(fit)
    fitted.params.update(ident.get("params", {}))
    lines = _say_kept(keep_model(fitted, model_out=model_out, experiment=experiment, register=register,
                                 run_name=ident.get("run_name"), tags=ident.get("tags")), register)
    m = fit.metrics
    return lines + [f"trained on {m['rows']:,} labelled rows ({m['bad_rate']:.1%} bad), {m['features']} features; held-out "
                    f"auc {m['auc']:.3f}, ks {m['ks']:.3f}, brier {m['brier']:.4f}; bad rate by tier "
                    + ", ".join(f"{t} {v['bad_rate']:.1%}" for t, v in m["tiers"].items() if v["bad_rate"] is not None)]


def _credit_evidence(model, directory, settings, tables, collusion_scores, groups, log, require=("enterprises",)):
    """The dataset for scoring with a credit `model`, loaded and validated once (credit tables and, when the model's
    side inputs must be built from it, the bid tables), and the side tables (`experiments.tasks.tiering_side_tables`)."""
    from experiments.tasks import tiering_side_tables
    from riskmodels.credit.pipeline import side_inputs_needed

    scores, members = credit_side_tables(collusion_scores, groups)
    need = side_inputs_needed(model)
    build = ("collusion_scores" in need and scores is None) or ("groups" in need and members is None)
    ev = Evidence.load(directory, settings, tables=dict.fromkeys([*tables, *(BID_TABLES if build else ())]),
                       require=require)
    scores, members = tiering_side_tables(model, ev, settings, collusion_scores=scores, group_members=members, log=log)
    return ev, scores, members


def tier_credit(directory, out: Path, settings, *, model: str, as_of, previous, collusion_scores, groups,
                log=print, cases: str | None = None) -> list[str]:
    """`credit tier`: every enterprise graded A-D to `out` (firms named in a collusive verdict of the case store
    `cases` are tier D); the lines to print (counts, migration, PSI)."""
    import pandas as pd

    from features.io.export import write_table
    from riskmodels.credit import tier_dataset
    from riskmodels.credit.monitor import migration_matrix, psi
    from features.io.side_tables import parse_day, read_side_table

    when = parse_day(as_of, "--as-of") if as_of else None
    prev = read_side_table(previous, ("enterprise_id", "tier")) if previous else None
    est = load_model(model, "credit", settings)
    tables = [t for t in CREDIT_TABLES if t != "credit_labels"]
    ev, scores, members = _credit_evidence(est, directory, settings, tables, collusion_scores, groups, log)
    tiers = tier_dataset(est, ev, settings, as_of=when, previous=prev, collusion_scores=scores, group_members=members,
                         cases=cases)
    write_table(tiers, out)
    counts = tiers["tier"].value_counts()
    n_over = int((tiers["override"] != "").sum())
    lines = [f"tiered {len(tiers):,} enterprises as of {tiers['as_of'].iloc[0]}: "
             + ", ".join(f"{t} {int(counts.get(t, 0)):,}" for t in "ABCD") + f"; {n_over:,} overridden; wrote {out}"]
    if prev is not None:
        lines.append("tier migration (rows previous, columns current):\n"
                     + migration_matrix(tiers["previous_tier"], tiers["tier"]).to_string())
        if "probability" in prev.columns:
            lines.append(f"PSI of the probability against the previous tiers: "
                         f"{psi(pd.to_numeric(prev['probability'], errors='coerce'), tiers['probability']):.4f}")
    return lines


def monitor_credit(directory, settings, *, model: str, reference_as_of, as_of, out, collusion_scores, groups, log=print):
    """`credit monitor`: (summary, lines to print) of `monitor_dataset` between two dates; the report in `out` if given."""
    from features.io.side_tables import parse_day
    from riskmodels.credit.pipeline import monitor_dataset

    ref = parse_day(reference_as_of, "--reference-as-of")
    when = parse_day(as_of, "--as-of") if as_of else None
    est = load_model(model, "credit", settings)
    ev, scores, members = _credit_evidence(est, directory, settings, CREDIT_TABLES, collusion_scores, groups, log)
    m = monitor_dataset(est, ev, settings, reference_as_of=ref, as_of=when, collusion_scores=scores, group_members=members)
    lines = monitoring_lines(m)
    if out is not None:
        lines.append(f"report written to {m.write(out)}")
    return m.summary, lines


def monitoring_lines(m) -> list[str]:
    """What `credit monitor` prints about a `Monitoring`: stability, migration, performance on the period's labels."""
    r = m.summary
    lines = [f"{r['enterprises']:,} enterprises scored as of {r['reference_as_of']} and {r['as_of']}: PSI of the probability "
             f"{r['score_psi']:.4f}; {len(r['features_shifted'])} feature(s) shifted (PSI > 0.25)"
             + (f": {', '.join(r['features_shifted'][:8])}" if r["features_shifted"] else "")
             + (f" ({len(r['clock_features_shifted'])} of them time since an event or age, which move with the calendar)"
                if r["clock_features_shifted"] else "")
             + f"; {len(r['features_watch'])} to watch (0.1-0.25); {r['same_tier_share']:.1%} keep their tier",
             "tier migration (rows reference, columns current):\n" + m.migration.to_string()]
    perf = r["performance"]
    if perf:
        lines.append(f"on {perf['labels']:,} labels dated {r['reference_as_of']} to {r['as_of']} ({perf['bad_rate']:.1%} "
                     f"bad): auc {perf['auc']:.4f}, gini {perf['gini']:.4f}, ks {perf['ks']:.4f}, brier {perf['brier']:.4f} "
                     "(optimistic where the model learned from these labels)")
    else:
        lines.append("no credit_labels dated in the period with both classes: no discrimination or calibration figures")
    return lines


def runs_overview(experiment: str | None, limit: int) -> dict:
    """`experiments list`: the tracking URI, the tracked runs (newest first) and the registered model versions."""
    from experiments.tracking import list_models, list_runs, tracking_uri

    runs, models = list_runs(experiment, max_results=limit), list_models()
    return {"tracking_uri": tracking_uri(), "runs": runs, "models": models}


def overview_lines(o: dict) -> list[str]:
    """`experiments list` in words: a table of the runs (`experiments.runs.runs_table`), then one line per registered
    model version."""
    from experiments.runs import runs_table

    lines = [f"runs in {o['tracking_uri']} (auc: tender-grouped; bidder, time: firms or later periods held out; base: "
             "the baseline on the same folds):", runs_table(o["runs"]),
             "registered models (alias, source run, what the gate decided when the version was registered):"]
    for m in o["models"]:
        alias = f"@{','.join(m['aliases'])}" if m["aliases"] else ""
        lines.append(f"  {m['name']}/{m['version']} {alias:<10} run {str(m['run_id'])[:12]}  gate: {m['gate'] or '-'}")
    return lines


def compare_runs(a: str, b: str, *, differences: bool = False, as_json: bool = False) -> str:
    """`experiments compare A B`: two tracked runs side by side (`experiments.runs.compare_table`), or as JSON."""
    import json

    from experiments.runs import compare_table
    from experiments.tracking import get_run

    ra, rb = get_run(a), get_run(b)
    return json.dumps({"a": ra, "b": rb}, default=str) if as_json else compare_table(ra, rb, only_differences=differences)


def warn_cases(directory, store, out, settings, *, black=None, model: str | None = None, share=None, log=None) -> str:
    """`cases warn`: early warnings on new tenders (`riskmodels.cases.commands.warn`), scored by the model at `model`
    when given."""
    from riskmodels.cases.commands import warn

    est = load_model(model, "collusion", settings)
    return warn(directory, store, out, settings, black=black, model=est, share=share, log=log)


def run_experiment(spec, data, settings) -> tuple[dict, list[str]]:
    """`experiments run`: (the run's outcome without the fitted model, the lines to print) of `runner.run_spec`."""
    from experiments.runner import run_spec

    info = run_spec(spec, data=data, settings=settings)
    info.pop("fitted", None)
    from experiments.runs import metrics_text

    nums = {k: v for k, v in info["metrics"].items() if isinstance(v, (int, float))}
    lines = [f"run {info['run_id']} in experiment {info['experiment']} ({info['tracking_uri']}): {metrics_text(nums)}"]
    if info.get("registered_model"):
        state = "now @champion" if info["champion"] else "not promoted"
        lines.append(f"registered {info['registered_model']} version {info['version']}: {state} "
                     f"({info.get('gate_reason', '')})")
    return info, lines


def score_outputs(out: Path) -> list[Path]:
    """What `collusion score` writes: the scores file `out` (.csv, .parquet or .xlsx; InputError otherwise) and the case
    list beside it."""
    from riskmodels.collusion.caselist import case_list_paths

    if Path(out).suffix.lower() not in (".csv", ".parquet", ".xlsx"):
        raise InputError(f"{out}: unsupported output format '{Path(out).suffix}' (use .csv, .parquet or .xlsx)")
    return [Path(out), *case_list_paths(out).values()]


def monitor_outputs(out: Path | None) -> list[Path]:
    """What `credit monitor --out` writes into folder `out` (nothing without it)."""
    return [] if out is None else [Path(out) / n for n in ("stability.csv", "migration.csv", "calibration.csv", "summary.json")]


def evaluate_collusion_data(directory, settings, *, min_bids: int, kind: str, graph: bool, flags: bool, folds: int,
                            seed: int, baseline: bool, labels, families: str, experiment: str = "collusion",
                            track: bool = True) -> tuple[dict, list[str]]:
    """`collusion evaluate`: (the JSON summary, the lines to print) of `experiments.evaluation.evaluate_collusion` on one
    dataset, logged as a run of `experiment` unless not `track`."""
    from experiments.evaluation import collusion_report, evaluate_collusion
    from riskmodels.collusion.commands import check_choices
    from riskmodels.collusion.pipeline import read_labels

    fams = check_choices(min_bids=min_bids, kind=kind, families=families)
    r = evaluate_collusion(Evidence.load(directory, settings), min_bids=min_bids, kind=kind, graph=graph, flags=flags,
                           n_splits=folds, seed=seed, baseline=baseline, settings=settings,
                           labels=read_labels(labels) if labels else None, families=fams, experiment=experiment,
                           track=track)
    lines, out = collusion_report(r, min_bids)
    return out, lines


def evaluate_credit_table(table, target: str, settings, *, positive=None, folds=None, seed=None, group=None,
                          experiment: str = "credit", track: bool = True, say=print,
                          progress=None) -> tuple[dict, list[str]]:
    """`credit evaluate`: (the JSON summary, the lines to print) of the credit model cross-validated on a labelled table
    beside its baseline, logged as a run of `experiment` unless not `track`; what was read is told through `say`
    before the folds run, their progress through `progress`."""
    from experiments.evaluation import credit_report, evaluate_credit
    from riskmodels.credit.commands import read_evaluation_table

    X, y, info, read = read_evaluation_table(table, target, positive=positive, group=group)
    for line in read:
        say(line)
    ev, run = evaluate_credit(table, target, X, y, info, settings=settings, experiment=experiment, track=track,
                              folds=folds, seed=seed, progress=progress)
    lines, out = credit_report(ev.metrics, run, group)
    return out, lines
