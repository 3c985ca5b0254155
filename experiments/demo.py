"""`riskmodels demo`: the whole job end to end on the built-in synthetic city.

simulate -> validate -> screens -> pair evidence -> red flags -> graphs and groups -> collusion model (train, register
`collusion`, evaluate honestly, score) -> credit model (train, register `credit`, tier) -> inspection plan (+ verify, lift) -> summary.

Each stage is one small function over a shared `Demo` context that calls the library layers. An error stops the demo
with the stage named. Progress lines go to
stderr; the summary goes to stdout and to `OUT/summary.json` (with the seconds each stage took: `benchmarks/demo.py`).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from features.core.errors import InputError
from features.io.export import write_text


SCALES = ("tiny", "city")
DEMO_SEED = 20240601
INSPECTION_SEED = "riskmodels-demo"


@dataclass
class Demo:
    """What the stages share: where things go, what earlier stages produced, and the report."""

    out: Path
    scale: str = "tiny"
    seed: int = DEMO_SEED
    settings: Any = None
    data: Path | None = None  # dataset directory (simulated, or given)
    log: Callable[[str], None] = print
    ds: Any = None  # features.io.dataset.Dataset
    screens: pd.DataFrame | None = None
    flags: pd.DataFrame | None = None
    groups: pd.DataFrame | None = None
    scores: pd.DataFrame | None = None
    tiers_file: Path | None = None
    ev: Any = None  # riskmodels.evidence.Evidence of `ds`: screens, flags, graph and groups computed once, shared
    shared: Any = None  # experiments.tasks.Shared: the evidence, the collusion model and its scores, for later stages
    results: dict = field(default_factory=dict)  # stage -> summary dict
    outputs: dict = field(default_factory=dict)  # label -> path
    seconds: dict = field(default_factory=dict)  # stage -> wall seconds
    total_seconds: float | None = None  # wall seconds from the first stage to the summary (summary.json total_seconds)

    def need(self, attr: str, stage: str):
        value = getattr(self, attr)
        if value is None:
            raise RuntimeError(f"needs the {stage} stage, which did not run")
        return value

    def output(self, label: str, path: Path) -> Path:
        self.outputs[label] = Path(path)
        return Path(path)


# ------------------------------------------------------------------------------------------------------------- stages

def stage_simulate(d: Demo) -> dict:
    """The synthetic city with planted cartels and ground truth."""
    if d.data is not None:
        return {"dataset": str(d.data), "note": "given with --data, not simulated"}
    from riskmodels.simulation import simulate

    target = d.out / "data"
    res = simulate(target, scale=d.scale, seed=d.seed, settings=d.settings)
    d.data = target
    d.output("dataset (simulated city, truth/ = planted ground truth)", target)
    return res if isinstance(res, dict) else {"dataset": str(target)}


def stage_validate(d: Demo) -> dict:
    """Load, check and prepare every table; rejects kept."""
    from features.io.dataset import load_dataset
    from features.io.export import write_table

    data = d.need("data", "simulate")
    from experiments.tasks import Shared
    from riskmodels.evidence import Evidence

    d.ds = load_dataset(data, d.settings)
    d.ev = Evidence(d.ds, d.settings)
    d.shared = Shared(evidence=d.ev)
    rep = d.ds.report()
    folder = d.out / "validate"
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / "report.json", json.dumps(rep, indent=2, default=str))
    d.output("validation report", folder / "report.json")
    if len(d.ds.rejects):
        write_table(d.ds.rejects, folder / "rejects.csv")
        d.output("rejected rows", folder / "rejects.csv")
    read = sum(v["read"] for v in rep["tables"].values())
    rejected = sum(v["rejected"] for v in rep["tables"].values())
    return {"tables": len(rep["tables"]), "rows_read": read, "rows_rejected": rejected}


def stage_screens(d: Demo) -> dict:
    """Tender screens, bid progressions and market-relative screens."""
    from features.io.export import write_table

    ev = d.need("ev", "validate")
    if ev.get("bids") is None:
        raise InputError(f"{ev.name}: the dataset has no bids table")
    d.screens = ev.screens_table()
    d.output("tender screens", write_table(d.screens, d.out / "evidence" / "screens.csv"))
    return {"tenders": int(len(d.screens)), "with_3_bids": int(d.screens["rd"].notna().sum())}


def stage_pairs(d: Demo) -> dict:
    """Pairwise bid evidence per bidder pair across tenders."""
    ev = d.need("ev", "validate")
    if ev.get("bids") is None:
        raise InputError(f"{ev.name}: the dataset has no bids table")
    pe = ev.bidder_pair_evidence()
    n = pe.counts()
    big = n["bidder_pairs"] > 200_000  # a spreadsheet cannot open more; Parquet keeps the city's pairs small and typed
    # written a part at a time (Parquet), not kept: no later stage reads it (a province has millions)
    d.output("bidder-pair evidence", pe.write(d.out / "evidence" / ("pairs.parquet" if big else "pairs.csv")))
    return {"bid_pairs": int(pe.bid_pairs), "bidder_pairs": n["bidder_pairs"], "pairs_sharing_metadata": n["sharing_metadata"]}


def stage_flags(d: Demo) -> dict:
    """Legal-article and OCP red flags with evidence."""
    from features.io.export import write_table
    from features.evidence.flags import flagged_tenders

    ev = d.need("ev", "validate")
    if ev.get("bids") is None:
        raise InputError(f"{ev.name}: the dataset has no bids table")
    evidence, stats = ev.flags.table, ev.flags.stats
    d.flags = evidence
    d.output("red flags with evidence (code, article, tender, bidders)", write_table(evidence, d.out / "evidence" / "flags.csv"))
    write_text(d.out / "evidence" / "flags_meta.json", json.dumps(stats, ensure_ascii=False, indent=1, default=float))
    counts = evidence["code"].value_counts() if len(evidence) else pd.Series(dtype=int)
    return {"findings": int(len(evidence)), "tenders_flagged": len(flagged_tenders(evidence)),
            **{f"n_{c}": int(n) for c, n in counts.head(6).items()}}


def stage_graphs(d: Demo) -> dict:
    """Bidder graphs, suspicious groups and their recovery of the planted cartels."""
    from features.io.export import write_table
    from graphs.pipeline import write_bidder_graph

    g = d.need("ev", "validate").graph
    groups, bg = g.groups, g.graphs
    d.groups = groups
    folder = d.out / "graphs"
    folder.mkdir(parents=True, exist_ok=True)
    write_table(groups, folder / "groups.csv")
    d.output("suspicious bidder groups", folder / "groups.csv")
    res = write_bidder_graph(bg, groups, folder / "bidders.graphml", d.settings)
    d.output("bidder graph (GraphML, open in Gephi)", folder / "bidders.graphml")
    res["groups"] = int(len(groups))
    res.update(cartels_recovered(groups, d.data))
    return res


def stage_collusion(d: Demo) -> dict:
    """Train and register the collusion model (`collusion`), then score every tender with models:/collusion@champion."""
    from experiments import tasks, tracking
    from experiments.runner import run_spec
    from features.io.export import write_table

    data = d.need("data", "simulate")
    d.need("ds", "validate")
    info = run_spec("collusion", data=data, settings=d.settings, shared=d.shared)
    honest = evaluate_stage(d, info)
    uri = _scoring_uri(info, "collusion")
    d.shared.collusion_model_uri = tracking.pinned_uri(uri)  # the credit model records which model made its scores
    r = tasks.score_collusion(tracking.load_model(uri, kind="collusion"), d.ev, info["spec"].features, d.settings)
    d.scores = r["scores"]
    d.shared.collusion_scores = d.scores
    folder = d.out / "collusion"
    d.output("collusion scores (tender_id, score, flag, reasons)", write_table(d.scores, folder / "scores.csv"))
    from riskmodels.collusion.caselist import write_case_list

    paths = write_case_list(r["cases"], r["groups"], folder / "scores.csv", title=f"Collusion case list: {data}",
                            note=f"Scored by model {uri}.")
    d.output("case list table (HTML)", Path(paths["html"]))
    from riskmodels.report.casefile import CaseEvidence, collusion_report

    ev = CaseEvidence(scores=r["scores"], table=r.get("table"), evidence=d.ev)
    rep = collusion_report(d.ev, folder / "report", method=uri, settings=d.settings, evidence=ev, force=True)
    d.output("case file for investigators (start at index.html)", folder / "report" / "index.html")
    res = _run_summary(info)
    res["evaluation"] = honest
    res["scored_with"] = uri
    res["flagged"] = int(d.scores["flag"].sum())
    res["case_file_pages"] = int(rep["pages"])
    res.update(collusion_truth_metrics(d.scores, d.data))
    # the bidder graphs (a province's: gigabytes) have served their last stage; the credit model reads only the groups
    d.ev.drop_graphs()
    return res


def evaluate_stage(d: Demo, info: dict) -> dict:
    """`collusion evaluate` on the data and features the collusion model was just trained on (its spec's evidence, the
    LightGBM family it fits, the same folds and seed), logged as a run beside the training run: the honest figures
    (firms held out, later periods held out) the summary sets beside the training fit."""
    from experiments import tasks
    from experiments.evaluation import evaluate_collusion

    spec = info["spec"]
    labels = tasks._truth_labels(spec.data, d.ds.get("tenders"))
    ev = evaluate_collusion(d.ev, settings=d.settings, experiment=info["experiment"], labels=labels,
                            kind=spec.features.get("kind", "full"), graph=spec.features.get("graph", True),
                            flags=spec.features.get("flags", True), n_splits=spec.folds, seed=spec.seed,
                            families=("lightgbm",))
    out = {"run_id": ev["tracking"]["run_id"], "run_name": ev["tracking"]["run_name"]}
    for name, sp in ev["splits"].items():
        if sp.get("auc") is not None:
            out[f"{name}_auc"] = sp["auc"]
            if sp.get("baseline_auc") is not None:
                out[f"{name}_baseline_auc"] = sp["baseline_auc"]
    return out


def stage_credit(d: Demo) -> dict:
    """Train and register the credit model (`credit`), then tier every enterprise with models:/credit@champion."""
    from experiments import tasks, tracking
    from experiments.runner import run_spec
    from features.io.export import write_table

    data = d.need("data", "simulate")
    d.need("ds", "validate")
    info = run_spec("credit", data=data, settings=d.settings, shared=d.shared)
    uri = _scoring_uri(info, "credit")
    model = tracking.load_model(uri, kind="credit")
    tiers = tasks.tier_credit(model, d.ev, info["spec"].features, d.settings, shared=d.shared)
    d.tiers_file = write_table(tiers, d.out / "credit" / "tiers.csv")
    d.output("credit tiers (enterprise_id, tier, probability, reasons, override)", d.tiers_file)
    res = _run_summary(info)
    res["scored_with"] = uri
    res["tiers"] = {str(k): int(v) for k, v in tiers["tier"].value_counts().sort_index().items()}
    res.update(credit_truth_metrics(tiers, d.data))
    # monitoring: the same model a year before the tiering date against now (`riskmodels credit monitor`)
    now = pd.Timestamp(tiers["as_of"].iloc[0])
    mon = tasks.monitor_credit(model, d.ev, info["spec"].features, d.settings, shared=d.shared,
                               reference_as_of=now - pd.Timedelta(days=365), as_of=now)
    d.output("credit monitoring a year apart (PSI per feature, tier migration, calibration)",
             mon.write(d.out / "credit" / "monitor"))
    res["monitor"] = {**{k: mon.summary[k] for k in ("reference_as_of", "score_psi", "same_tier_share")},
                      "features_shifted": len(mon.summary["features_shifted"])}
    return res


def stage_inspection(d: Demo) -> dict:
    """A tier-driven double-random inspection plan, verified from its manifest, and its lift."""
    from riskmodels.inspection import make_plan, verify_plan
    from riskmodels.inspection.evaluate import simulate_plans
    from riskmodels.inspection.planner import load_inputs, locate_inputs

    data = d.need("data", "simulate")
    tiers = d.need("tiers_file", "credit")
    plan_dir = d.out / "inspection" / "plan"
    # the plan and its simulated lift draw from the same inputs, taken (and hashed) once for both from the tables the
    # validate stage prepared: not read and validated a second time
    loaded = load_inputs(locate_inputs(data, tiers), d.settings, dataset=d.ds)
    # the period: the month after the tiers' as-of date (make_plan's default)
    result, manifest = make_plan(data, tiers, None, INSPECTION_SEED, plan_dir, d.settings, loaded=loaded)
    d.output("inspection plan (plan.xlsx internal; notice.csv/.xlsx/.md public; manifest.json)", plan_dir)
    verify_plan(plan_dir)  # re-reads the published files; raises VerifyFailed if the plan does not re-derive
    sim = simulate_plans(data, tiers, manifest["period"], INSPECTION_SEED, runs=5, settings=d.settings, loaded=loaded)
    del loaded
    res = decision_report(d, plan_dir)
    s = result.summary
    return {**res, "period": manifest["period"], "visits": s["visits"], "saved_by_joint_inspection": s["visits_saved_by_joint_inspection"],
            "verified": True, "lift": sim["lift"]["mean"], "lift_min": sim["lift"]["min"],
            "a_disturbed": sim["a_disturbed"]["mean"]}


def decision_report(d: Demo, plan_dir: Path) -> dict:
    """Decision analysis of the plan: the visits' results are simulated from the city's true violation
    probabilities (truth/), so the report's estimate of the roster's violation rate can be set against the truth."""
    from features.io.export import write_table
    from riskmodels.inspection.analysis import analyse, read_plan, write_report
    from riskmodels.simulation.outcomes import simulate_results

    plan = read_plan(plan_dir)
    truth = _truth(d.data, "enterprises")
    results = None
    if truth is not None and "violation_prob" in truth:
        results = simulate_results(plan.visits, truth, seed=d.seed)
        d.output("simulated results of the planned visits (from truth/)",
                 write_table(results, d.out / "inspection" / "results.csv"))
    a = analyse(d.ds, [plan], d.settings, results=results)
    r = write_report(a, d.out / "inspection" / "report")
    d.output("decision analysis (index.html with charts, report.xlsx)", r["html"].parent)
    e = a["estimate"].iloc[0].to_dict()
    out = {"report_charts": r["charts"]}
    if e.get("estimate") is not None and e["estimate"] == e["estimate"]:
        out.update(violation_rate_estimate=e["estimate"], violation_rate_low=e["low"], violation_rate_high=e["high"],
                   violation_rate_naive=e["naive"])
        if truth is not None and plan.inclusion is not None:
            vp = pd.to_numeric(truth.set_index("enterprise_id")["violation_prob"], errors="coerce")
            el = plan.inclusion[plan.inclusion["eligible"] == 1]
            out["violation_rate_truth"] = float(vp.reindex(el["enterprise_id"]).mean())
    return out


STAGES: list[tuple[str, Callable[[Demo], dict]]] = [
    ("simulate", stage_simulate),
    ("validate", stage_validate),
    ("screens", stage_screens),
    ("pairs", stage_pairs),
    ("flags", stage_flags),
    ("graphs", stage_graphs),
    ("collusion", stage_collusion),
    ("credit", stage_credit),
    ("inspection", stage_inspection),
]


# ------------------------------------------------------------------------------------------------------- measurements

def _scoring_uri(info: dict, name: str) -> str:
    """models:/NAME@champion when a champion exists, else this run's own model (the gate refused it and nothing else
    was ever promoted): the demo still shows its outputs, and the summary says the model is not the champion."""
    from experiments import tracking

    if info.get("champion") or tracking.has_alias(name, tracking.CHAMPION):
        return f"models:/{name}@{tracking.CHAMPION}"
    return info["model_uri"]


def _run_summary(info: dict) -> dict:
    m = info.get("metrics") or {}
    keep = {k: float(v) for k, v in m.items() if isinstance(v, (int, float)) and "." not in k}
    return {"run_id": info["run_id"], "version": info.get("version"), "champion": info.get("champion"),
            "gate": info.get("gate_reason"), **keep}


def _truth(data: Path | None, name: str) -> pd.DataFrame | None:
    if data is None:
        return None
    p = Path(data) / "truth" / f"{name}.csv"
    return pd.read_csv(p, dtype=str, keep_default_na=False) if p.exists() else None


def cartels_recovered(groups: pd.DataFrame, data: Path | None, min_jaccard: float = 0.5) -> dict:
    """Planted cartels matched by a found group (Jaccard overlap of members >= `min_jaccard`), from truth/cartels.csv."""
    cartels = _truth(data, "cartels")
    if cartels is None or "members" not in cartels:
        return {}
    found = [set(str(m).split(";")) for m in groups.get("members", pd.Series(dtype=str))]
    hits = 0
    for members in cartels["members"]:
        c = set(str(members).split(";")) - {""}
        if c and any(len(c & g) / len(c | g) >= min_jaccard for g in found):
            hits += 1
    return {"cartels_planted": int(len(cartels)), "cartels_recovered": hits, "recovery_min_jaccard": min_jaccard}


def credit_truth_metrics(tiers: pd.DataFrame, data: Path | None) -> dict:
    """Spearman rank correlation of the tier probability with the planted latent risk (truth/enterprises.csv)."""
    truth = _truth(data, "enterprises")
    if truth is None or "latent_risk" not in truth or "probability" not in tiers:
        return {}
    risk = tiers["enterprise_id"].astype(str).map(dict(zip(truth["enterprise_id"], pd.to_numeric(truth["latent_risk"],
                                                                                               errors="coerce"))))
    ok = risk.notna() & tiers["probability"].notna()
    if ok.sum() < 3:
        return {}
    return {"rank_corr_latent_risk": float(tiers.loc[ok, "probability"].rank().corr(risk[ok].astype(float).rank()))}


def collusion_truth_metrics(scores: pd.DataFrame, data: Path | None, top: int = 100) -> dict:
    """AUC of the tender scores against truth/tenders.csv and precision among the `top` highest-scored tenders."""
    truth = _truth(data, "tenders")
    if truth is None or scores is None or "score" not in scores:
        return {}
    from sklearn.metrics import roc_auc_score

    y = scores["tender_id"].astype(str).map(dict(zip(truth["tender_id"], truth["collusive"])))
    y = pd.to_numeric(y, errors="coerce")
    ok = y.notna()
    if ok.sum() == 0 or y[ok].nunique() < 2:
        return {}
    s = scores.loc[ok, "score"].astype(float)
    order = np.argsort(-s.to_numpy(), kind="stable")[:top]
    return {"truth_auc": float(roc_auc_score(y[ok], s)), f"precision_at_{top}": float(y[ok].to_numpy()[order].mean())}


# ------------------------------------------------------------------------------------------------------------- runner

OUTPUT_FOLDERS = ("validate", "evidence", "graphs", "collusion", "credit", "inspection")
# the demo's own MLflow store (unless MLFLOW_TRACKING_URI names another): runs from different --out folders never mix,
# and one demo cannot move another's @champion. Kept across --force reruns in the same folder, as a registry is.
STORE_FOLDER = "mlflow"


def demo_outputs(out: str | Path, simulating: bool = True) -> list[Path]:
    """Every path the demo writes in `out` (the simulated dataset in `out/data` when `simulating`): what it replaces."""
    from riskmodels.simulation import output_files

    out = Path(out)
    paths = [out / f for f in OUTPUT_FOLDERS] + [out / "summary.json"]
    return paths + (output_files(out / "data") if simulating else [])


def run_demo(out: str | Path = "demo-output", scale: str = "tiny", *, seed: int = DEMO_SEED, settings=None,
             data: str | Path | None = None, log: Callable[[str], None] = print, only=None, force: bool = False) -> Demo:
    """Run every stage in order; returns the context with results, outputs and seconds per stage.

    `data`: run on this dataset directory instead of simulating one. `only`: names of stages to run (tests).
    Outputs of an earlier demo in `out` are an InputError naming them unless `force`; then the demo's own files are
    replaced and nothing else in `out` is touched (a user's notes in `out/data` stay). Runs and models are tracked in
    `out/mlflow` (`STORE_FOLDER`) unless `MLFLOW_TRACKING_URI` is set: nothing is written outside `out`."""
    from features.io.export import refuse_overwrite

    if scale not in SCALES:
        raise InputError(f"--scale must be one of {', '.join(SCALES)}; got {scale!r}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: is a file; --out must be a folder")
    refuse_overwrite(*demo_outputs(out, data is None), force=force)
    out.mkdir(parents=True, exist_ok=True)
    d = Demo(out=out, scale=scale, seed=seed, settings=settings, data=Path(data) if data else None, log=log)
    if settings is None:
        from features.core.settings import Settings

        d.settings = Settings()
    from experiments.tracking import use_store

    with use_store(out / STORE_FOLDER) as uri:
        d.outputs["MLflow tracking store (runs, registered models)"] = uri
        _run_stages(d, only, log)
    return d


def _run_stages(d: Demo, only, log) -> None:
    total = time.perf_counter()
    n = len(STAGES)
    for i, (name, fn) in enumerate(STAGES, 1):
        if only is not None and name not in only:
            continue
        log(f"[{i}/{n}] {name}: {(fn.__doc__ or '').strip().splitlines()[0]}")
        t = time.perf_counter()
        try:
            res = fn(d) or {}
        except Exception as e:
            d.seconds[name] = time.perf_counter() - t
            e.add_note(f"demo stage '{name}' failed after {d.seconds[name]:.1f}s")
            _write_summary(d, time.perf_counter() - total, failed=name)
            raise
        d.seconds[name] = time.perf_counter() - t
        d.results[name] = res
        release_tables(d, name)
        release_memory()
        log(f"[{i}/{n}] {name}: done in {d.seconds[name]:.1f}s  {_brief(res)}")
    _write_summary(d, time.perf_counter() - total)


def later_reads() -> dict:
    """stage -> the dataset's tables it reads, for the stages after collusion (the stages up to collusion read the
    tender side, and collusion's case file all of it): the credit features' families and labels, the plan's tables."""
    from riskmodels.credit.pipeline import FAMILIES
    from riskmodels.inspection.planner import DATASET_TABLES

    return {"credit": (*dict.fromkeys(t for f in FAMILIES.values() for t in f), "credit_labels"),
            "inspection": tuple(DATASET_TABLES)}


def release_tables(d: Demo, stage: str) -> None:
    """After `stage` (collusion or a later one), drop what no later stage reads: the dataset's tables outside
    `later_reads` of the stages after it, and the per-tender evidence (the credit stage reads the groups and the
    scores, the inspection stage neither). A province's bid items, bids and credit events would otherwise stay in the
    driver (or on the workers) to the end."""
    names = [n for n, _ in STAGES]
    if d.ds is None or "collusion" not in names or names.index(stage) < names.index("collusion"):
        return
    reads = later_reads()
    later = set().union(*(reads.get(s, ()) for s in names[names.index(stage) + 1:]))
    d.ds.drop(*[n for n in [*d.ds.tables, *d.ds.kept_tables] if n not in later])
    if d.ev is not None:
        d.ev.drop_tender_evidence()
    d.screens = d.flags = None


def release_memory() -> None:
    """Hand the memory a finished stage freed back to the system: collect cycles, and on glibc trim the heap (a
    province's bidder graph is millions of small dicts; freed, they stay in the process until trimmed)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


# progress words for result keys whose names are internal shorthand; shares shown as percentages
_BRIEF_WORDS = {"a_disturbed": "tier A firms disturbed", "lift_min": "lowest lift", "n": "tenders",
                "positives": "collusive", "rows": "labelled rows"}
_BRIEF_SHARES = {"a_disturbed", "positive_share", "bad_rate", "same_tier_share"}
_BRIEF_SKIP = {"run_id", "version", "champion", "gate", "scored_with", "seconds", "out", "recovery_min_jaccard",
               "run_name"}


def _brief(res: dict) -> str:
    """One progress line in words: counts as whole numbers, shares as percentages, the registry outcome spelt out."""
    parts = []
    if res.get("version") is not None:
        parts.append(f"registered as version {res['version']}"
                     + (" (now @champion)" if res.get("champion") else f" (not promoted: {res.get('gate') or 'gate'})"))
    for k, v in res.items():
        if k in _BRIEF_SKIP or isinstance(v, (dict, list)):
            continue
        label = _BRIEF_WORDS.get(k, k.replace("_", " "))
        if isinstance(v, bool):
            parts.append(f"{label}: {'yes' if v else 'no'}")
        elif isinstance(v, (int, np.integer)):
            parts.append(f"{label} {int(v):,}")
        elif isinstance(v, (float, np.floating)):
            if k in _BRIEF_SHARES:
                parts.append(f"{label} {v:.1%}")
            elif float(v).is_integer() and abs(v) >= 2:
                parts.append(f"{label} {int(v):,}")
            else:
                parts.append(f"{label} {v:.3f}")
        elif isinstance(v, str) and len(v) <= 40:
            parts.append(f"{label} {v}")
    return ", ".join(parts[:9])


def _write_summary(d: Demo, total: float, failed: str | None = None) -> Path:
    d.total_seconds = total
    path = d.out / "summary.json"
    d.outputs.setdefault("this summary", path)
    doc = {"scale": d.scale, "seed": d.seed, "total_seconds": total, "failed_stage": failed, "seconds": d.seconds,
           "results": d.results, "outputs": {k: str(v) for k, v in d.outputs.items()}}
    if "note" not in d.results.get("simulate", {}):
        doc["synthetic"] = True
        doc["real_markets"] = REAL_MARKETS
    write_text(path, json.dumps(doc, indent=2, default=_json_default))
    return path


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    return str(o)


# Figures measured on real labelled markets (García Rodríguez et al. 2022; tenders with 3+ bids), copied from the
# side-by-side table of docs/evaluation.md with the date they were measured there (a test holds them equal to the page).
REAL_MARKETS = {
    "measured": "2026-12-06",
    "no_model_auc": {"Japan": 0.739, "Italy": 0.630, "Switzerland": 0.526},
    "within_auc": {"Japan": 0.878, "Italy": 0.927, "Switzerland": 0.684},
    "transfer_auc": {"Japan": 0.610, "Italy": 0.535, "Switzerland": 0.539},
}


def real_market_lines() -> list[str]:
    """What the city's figures do not say: the data are synthetic, and what the same scores reached on real markets."""
    r = REAL_MARKETS

    def fig(key):
        return ", ".join(f"{m} {v:.3f}" for m, v in r[key].items())

    return ["  the city is synthetic: its cartels were planted by the simulator, so its figures show that the pipeline "
            "finds what was planted, not how it does on real data",
            f"  on real labelled markets (ROC-AUC, tenders with 3+ bids; docs/evaluation.md, measured {r['measured']}):",
            f"    score without labels: {fig('no_model_auc')} (no better than the low coefficient of variation alone)",
            f"    model trained within the market (tender-grouped CV): {fig('within_auc')}",
            f"    trained on the other two markets, applied unchanged: {fig('transfer_auc')}",
            "    `collusion score --model` on a market the model was not trained on ranks as the score without labels "
            "there, because its transfer guard falls back to it (the collusion-transfer check, docs/evaluation.md)"]


def summary_text(d: Demo) -> str:
    """The short human summary the command prints: headline findings and where every output is."""
    r = d.results
    what = f"{d.scale} scale, seed {d.seed}" if "note" not in r.get("simulate", {}) else f"dataset {d.data}"
    total = d.total_seconds if d.total_seconds is not None else sum(d.seconds.values())
    lines = [f"riskmodels demo ({what}): {len(r)} stages done in {total:.0f}s (summary.json total_seconds: from the "
             f"first stage to the summary; starting Python and loading the libraries come on top)"]
    g = r.get("graphs", {})
    if "cartels_planted" in g:
        lines.append(f"  planted cartels recovered as bidder groups: {g['cartels_recovered']} of {g['cartels_planted']} "
                     f"(member overlap >= {g['recovery_min_jaccard']:.0%}); {g['groups']} groups found")
    c = r.get("collusion", {})
    if c:
        line = (f"  collusion model: training fit (5-fold CV on the training tenders, graph features included) AUC "
                f"{c.get('auc', float('nan')):.3f}")
        if "truth_auc" in c:
            line += (f"; against the planted truth (training tenders included) AUC {c['truth_auc']:.3f}, "
                     f"precision in the top 100 {c['precision_at_100']:.2f}")
        lines.append(line + f"; registered collusion v{c.get('version')}{' = @champion' if c.get('champion') else ''}")
        e = c.get("evaluation") or {}
        if e:
            parts = [f"{label} {e[k]:.3f}" for k, label in (("tender_auc", "tenders held out"),
                                                              ("bidder_auc", "winning firms held out"),
                                                              ("time_auc", "time blocks held out"),
                                                              ("time_forward_auc", "later 30% held out"))
                     if e.get(k) is not None]
            base = (f"; baseline (extra trees on the 10 textbook screens, same folds) {e['tender_baseline_auc']:.3f} "
                    f"with tenders held out" if e.get("tender_baseline_auc") is not None else "")
            lines.append(f"  honest evaluation (collusion evaluate, run '{e.get('run_name', '')}'): AUC "
                         + ", ".join(parts) + base)
    k = r.get("credit", {})
    if k:
        tiers = ", ".join(f"{t} {n}" for t, n in k.get("tiers", {}).items())
        corr = (f"; rank correlation with the planted latent risk {k['rank_corr_latent_risk']:.2f}"
                if "rank_corr_latent_risk" in k else "")
        lines.append(f"  credit model: out-of-fold AUC {k.get('auc', float('nan')):.3f}{corr}; tiers {tiers}; "
                     f"registered credit v{k.get('version')}{' = @champion' if k.get('champion') else ''}")
        if "monitor" in k:
            mo = k["monitor"]
            lines.append(f"  credit monitoring since {mo['reference_as_of']}: PSI of the probability {mo['score_psi']:.3f}, "
                         f"{mo['same_tier_share']:.0%} of firms keep their tier, {mo['features_shifted']} features shifted")
    p = r.get("inspection", {})
    if p:
        lines.append(f"  inspection plan: {p['visits']} visits, {p['saved_by_joint_inspection']} saved by joint inspection, "
                     f"verified; lift over a uniform double-random plan {p['lift']:.2f}x")
        if "violation_rate_estimate" in p:
            lines.append(f"  decision analysis: roster violation rate estimated from the draw {p['violation_rate_estimate']:.1%} "
                         f"(95% {p['violation_rate_low']:.1%}-{p['violation_rate_high']:.1%}; naive share "
                         f"{p['violation_rate_naive']:.1%}; truth {p.get('violation_rate_truth', float('nan')):.1%})")
    if "note" not in r.get("simulate", {}):  # the built-in city (not a user's dataset)
        lines += real_market_lines()
    lines.append("outputs:")
    width = max((len(k) for k in d.outputs), default=0)
    for label, path in d.outputs.items():
        lines.append(f"  {label:<{width}}  {path}")
    return "\n".join(lines)
