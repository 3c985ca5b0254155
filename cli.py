"""The `riskmodels` command line: each command parses its options (shared ones declared once: `Dir`, `Out`, `Force` ...),
calls one library function (the `commands` modules of `experiments/` and the `riskmodels` packages, `graphs.pipeline` ...)
and prints what it returns. Results go to stdout or to `--out` files, which only the library writes; messages and progress
go to stderr. Exit codes are decided in one place (`_exit_code`): 0 done, 2 the input or the settings are wrong (one line
on stderr naming the file, column or key), 1 anything unexpected (traceback with --verbose)."""
from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Literal, Optional

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # LightGBM threads must not spin on a shared 2-core machine (STACK.md)
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import typer

from experiments.cli_options import (AsOf, ColModel, CreditModel, Experiment, Flags, Force, Graph, GraphDir, Groups,
                                     Issues, Json, Lang, LangOpt, MinBids, ModelOut, Opt, Out, Period, Register, Scores,
                                     Seed, Store, Tiers, Arg, Dir, add_examples, plain_help, print_version)
from features.core.errors import InputError

plain_help()

def _group(parent: typer.Typer, name: str, help: str) -> typer.Typer:
    """A command group `name` under `parent`."""
    sub = typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)
    parent.add_typer(sub, name=name)
    return sub

app = typer.Typer(help="Find collusive bidding, grade enterprise credit and plan double-random inspections.",
                  no_args_is_help=True, rich_markup_mode=None, add_completion=False, pretty_exceptions_enable=False)
data_app = _group(app, "data", "Load, validate, simulate and import datasets.")
import_app = _group(data_app, "import", "Convert outside datasets into canonical tables.")
collusion_app = _group(app, "collusion", "Collusion evidence, models and case lists.")
graph_app = _group(app, "graph", "Bidder graphs, suspicious groups and exports.")
credit_app = _group(app, "credit", "Enterprise credit models and A-D tiers.")
inspect_app = _group(app, "inspect", "Tier-driven double-random inspection plans.")
ocds_app = _group(app, "ocds", "Open Contracting (OCDS) red-flag indicators, Cardinal-compatible.")
experiments_app = _group(app, "experiments", "Experiment specs, tracked runs and model promotion (MLflow).")
cases_app = _group(app, "cases", "The investigator's loop: verdicts, the review queue and early warnings (docs/cases.md).")

verbose = False  # --verbose: tracebacks of unexpected errors
state = None  # experiments.session.Session of this invocation: settings loaded once, outputs claimed, progress routed


def _exit_code(e: BaseException) -> int:
    """The exit code of an error, after saying it on stderr: 2 for what the user can fix, 130 interrupted, else 1."""
    if isinstance(e, KeyboardInterrupt):
        say("interrupted")
        return 130
    if isinstance(e, InputError):
        say(f"error: {' '.join(str(e).split())}")
    elif isinstance(e, PermissionError) or (isinstance(e, OSError) and e.errno in (28, 30)):
        say(f"error: {e.filename or ''}: cannot write ({e.strerror})")  # a read-only or full output place
    else:
        say(*state.stale_lines())  # outputs it claimed and did not replace
        if verbose:
            traceback.print_exc()
        else:
            say(f"unexpected error: {type(e).__name__}: {e} (run with --verbose for the traceback)")
        return 1
    say(*state.stale_lines())
    return 2

def _handled(fn):
    """Map errors to exit codes in one place (`_exit_code`); a local Dask cluster stops with the command."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except (Exception, KeyboardInterrupt) as e:  # noqa: BLE001 - the one place that turns errors into exit codes
            raise typer.Exit(_exit_code(e))
        finally:
            from features import engine
            engine.shutdown()
    return wrapper

def cmd(group: typer.Typer, name: str, claims: tuple = ()):
    """Register a function as command `name` of `group`, its errors mapped to exit codes (`_handled`); `claims`: the
    parameters naming its outputs, refused first when they exist unless --force (`Session.claim`)."""
    def register(fn):
        @functools.wraps(fn)
        def claimed(*args, **kwargs):
            state.claim(*(kwargs[c] for c in claims), force=kwargs.get("force", False))
            return fn(*args, **kwargs)
        return group.command(name)(_handled(claimed if claims else fn))
    return register

def say(*lines: str) -> None:
    """Human messages on stderr, one line each."""
    for line in lines:
        typer.echo(line, err=True)

def echo(*lines: str) -> None:
    """Result lines on stdout."""
    for line in lines:
        typer.echo(line)

@app.callback()
def main(
    version_: Opt(bool, "--version", "Print the version and exit.", callback=print_version, is_eager=True) = False,
    settings_file: Opt(Optional[Path], "--settings", "Settings TOML (default: ./riskmodels.toml if present).") = None,
    verbose_: Opt(bool, "--verbose -v", "Show tracebacks of unexpected errors.") = False,
    quiet: Opt(bool, "--quiet -q", "No progress on stderr (bars, task counts, stage lines); results, warnings and errors still show.") = False,
    engine: Opt(Optional[str], "--engine", "pandas (one process, the default) or dask (partitions on Dask workers); default [engine] name.", envvar="RISKMODELS_ENGINE") = None,
    scheduler: Opt(Optional[str], "--scheduler", "With --engine dask: address of a running Dask scheduler (tcp://host:8786).") = None,
    workers: Opt(Optional[int], "--workers", "With --engine dask and no --scheduler: local worker processes (one thread each).") = None,
    memory_per_worker: Opt(Optional[str], "--memory-per-worker", "Memory limit of each local worker, e.g. 4GiB (Dask spills to disk).") = None):
    """riskmodels: collusion detection, credit tiers and inspection planning."""
    global state, verbose
    from experiments.session import Session
    from features.core.progress import library_notes
    verbose = verbose_
    state = Session(settings_file, {"name": engine, "scheduler": scheduler, "workers": workers,
                                    "memory_per_worker": memory_per_worker}, quiet=quiet, say=say)
    library_notes(sys.stderr)  # the library's warnings as one plain "note:" line each

@cmd(app, "init")
def init_cmd(path: Arg(Path, "Where to write the settings file.") = Path("riskmodels.toml"),
             force: Force("Overwrite an existing file.") = False):
    """Write the commented default settings file."""
    from features.core.settings import write_default_settings
    say(f"wrote {write_default_settings(path, force=force)}")

# --- experiments, tracking and the demo ---
@cmd(experiments_app, "run")
def experiments_run_cmd(spec: Arg(str, "Spec TOML file, or the name of a shipped spec (collusion, credit)."),
                        data: Opt(Optional[Path], "--data", "Dataset directory (overrides the spec's [data] path).") = None,
                        as_json: Json = False):
    """Train a spec's model in a tracked MLflow run; register it and promote it to @champion if it passes the gate."""
    from experiments.commands import run_experiment
    info, lines = run_experiment(spec, data, state.settings)
    echo(*([json.dumps(info, default=str)] if as_json else []))
    say(*lines)

@cmd(experiments_app, "list")
def experiments_list_cmd(experiment: Opt(Optional[str], "--experiment -e", "Only this experiment.") = None,
                         limit: Opt(int, "--limit", "At most this many runs.") = 20, as_json: Json = False):
    """Tracked runs (newest first) and registered model versions with their aliases."""
    from experiments.commands import overview_lines, runs_overview
    o = runs_overview(experiment, limit)
    echo(*([json.dumps(o, default=str)] if as_json else overview_lines(o)))

@cmd(experiments_app, "compare")
def experiments_compare_cmd(a: Arg(str, "A run: its id, the start of its id, or its name."),
                            b: Arg(str, "Another run, the same way."),
                            differences: Opt(bool, "--differences", "Only the rows that differ.") = False,
                            as_json: Opt(bool, "--json", "Both runs as one JSON object.") = False):
    """Two tracked runs side by side: every parameter and metric, differences marked with *."""
    from experiments.commands import compare_runs
    echo(compare_runs(a, b, differences=differences, as_json=as_json))

@cmd(experiments_app, "promote")
def experiments_promote_cmd(name: Arg(str, "Registered model name, e.g. collusion."),
                            version: Arg(str, "Version number to make @champion.")):
    """Point NAME@champion at VERSION by hand (overrides the gate)."""
    from experiments.tracking import promote
    r = promote(name, version)
    say(f"models:/{name}@champion -> version {r['version']} (was {r['previous_champion'] or 'none'})")

@cmd(app, "demo")
def demo_cmd(scale: Opt(Literal["tiny", "city"], "--scale", "tiny (1,000 tenders, 2,000 firms: 2-5 minutes on 2 cores) or city (Pingshan-sized: 5-15 minutes).") = "tiny",
             out: Out("Folder for every output of the demo.") = Path("demo-output"),
             seed: Opt(int, "--seed", "Seed of the simulated city.") = 20240601,
             data: Opt(Optional[Path], "--data", "Run on this dataset directory instead of simulating.") = None,
             force: Force("Replace the outputs of an earlier demo in --out (other files there are never touched).") = False):
    """The whole job on a simulated city: evidence, graphs, models tracked in MLflow, tiers, inspection plan."""
    from experiments.demo import demo_outputs, run_demo, summary_text
    state.claim(*demo_outputs(out, data is None), force=force)
    echo(summary_text(run_demo(out, scale, seed=seed, settings=state.settings, data=data, log=state.progress, force=force)))

# --- data: validate, partition, simulate, import ---
@cmd(data_app, "validate", claims=("rejects",))
def data_validate(directory: Dir(), as_json: Json = False,
                  rejects: Opt(Optional[Path], "--rejects", "Write rejected rows (file, row, column, value, reason) to this CSV.") = None,
                  force: Force("Replace the rejects file if it exists.") = False):
    """Check a dataset: read every table, report read / accepted / rejected rows and the problems found."""
    from features.io.dataset import validate_dataset
    rep, lines, n_rejects = validate_dataset(directory, state.settings, rejects)
    echo(*lines)
    say(*([f"rejects: {n_rejects} row(s) written to {rejects}"] if rejects is not None else []))
    echo(*([json.dumps(rep, ensure_ascii=False)] if as_json else []))

@cmd(data_app, "partition")
def data_partition_cmd(directory: Dir(), out: Out("New dataset directory: one folder of Parquet parts per table."),
                       partitions: Opt(Optional[int], "--partitions", "Parts per table (default: one per million rows of the largest table).") = None,
                       force: Force("Replace OUT if it exists.") = False):
    """Split a dataset into Parquet partitions by a hash of tender_id (tender tables) and enterprise_id (enterprise tables)."""
    from features.io.split import partition_dataset
    rep = partition_dataset(directory, out, partitions, state.settings, force=force)
    say("; ".join(f"{name} {r['rows']:,} rows in {r['parts']} part(s)" + (f" by {r['key']}" if r["key"] else "")
                  for name, r in rep.items()) + f"; written to {out}")

@cmd(data_app, "simulate")
def data_simulate_cmd(
    out: Out("Directory to write the canonical tables and truth/ into."),
    scale: Opt(Literal["tiny", "city", "province"], "--scale", "tiny (2,000 firms, seconds), city (77,500 firms, Pingshan-sized) or province (10x city).") = "tiny",
    seed: Opt(int, "--seed", "Random seed: the same seed gives the same bytes.") = 0,
    fmt: Opt(Optional[Literal["csv", "parquet"]], "--format", "Table format (default: csv; parquet parts for province).") = None,
    force: Force("Replace tables (and truth/) already in DIR; other files there are never touched.") = False):
    """Synthetic city with planted cartels, credit and inspection histories, and the ground truth in DIR/truth/."""
    from features.core.progress import stage_bars
    from riskmodels.simulation import output_files, simulate_city
    state.claim(*output_files(out), force=force)
    with stage_bars(not state.quiet) as progress:
        line = simulate_city(out, scale=scale, seed=seed, fmt=fmt, settings=state.settings, progress=progress)
    say(line)

@cmd(import_app, "garcia")
def import_garcia_cmd(csv_file: Arg(Path, "A García Rodríguez et al. (2022) bid file (one row per bid)."),
                      out: Out("Output dataset directory (tenders.csv, bids.csv)."), force: Force() = False):
    """Convert a García Rodríguez et al. research file to canonical tenders + bids (label kept as tenders.collusive)."""
    from features.io.dataset import table_files
    from features.imports.garcia import import_garcia
    state.claim(*table_files(out, ("tenders", "bids")), force=force)
    r = import_garcia(csv_file, out)
    anon = " (no bidder ids: one anonymous id per bid)" if r["anonymous"] else ""
    say(f"imported {r['tenders']:,} tenders ({r['collusive_tenders']:,} collusive) and {r['bids']:,} bids into {out}{anon}")

@cmd(import_app, "ocds")
def import_ocds_cmd(jsonl: Arg(Path, "OCDS compiled releases, one contracting process per line."),
                    out: Out("Output dataset directory (tenders.csv, bids.csv, enterprises.csv)."), issues: Issues = None,
                    force: Force() = False):
    """Convert OCDS compiled releases to canonical tenders, bids and (from parties) enterprises."""
    from features.imports.ocds import import_file
    from features.io.dataset import table_files
    state.claim(*table_files(out, ("tenders", "bids", "enterprises")), issues, force=force)
    say(*import_file(jsonl, out, issues))

@cmd(ocds_app, "indicators", claims=("issues",))
def ocds_indicators_cmd(
    jsonl: Arg(Path, "OCDS compiled releases, one contracting process per line ('-' for stdin)."),
    ini: Opt(Optional[Path], "--settings -s", "Cardinal settings (INI); default: all eleven Cardinal indicators.") = None,
    no_meta: Opt(bool, "--no-meta", "Leave out the Meta key (quartiles and fences).") = False,
    count: Opt(bool, "--count -c", "Print the number of results per group to stderr.") = False,
    issues: Issues = None, force: Force() = False):
    """Cardinal-compatible red flags: prints {"OCID", "Buyer", "ProcuringEntity", "Tenderer", "Meta"} as JSON."""
    from features.evidence.indicators.driver import run_file
    result, lines = run_file(jsonl, ini, meta=not no_meta, count=count, issues=issues)
    echo(result)
    say(*lines)

# --- inspection planning ---
@cmd(inspect_app, "plan", claims=("out",))
def inspect_plan_cmd(
    data: Dir("Dataset directory (inspectors; optional roster, inspections, enterprises)."),
    tiers: Opt(Path, "--tiers", "Tiers file (enterprise_id, tier; optional trigger column)."),
    seed: Opt(str, "--seed", "Public seed text (publish it; e.g. a lottery result announced later)."),
    out: Out("Output folder for plan.csv, plan.xlsx (internal), notice.csv/.xlsx/.md (public), manifest.json, ..."),
    period: Period = None, triggers: Opt(Optional[Path], "--triggers", "Triggers file: enterprise_id[, department, reason].") = None,
    embed_inputs: Opt(bool, "--embed-inputs", "Copy the inputs into OUT/inputs/ (self-contained).") = False,
    lang: Opt(Lang, "--lang", "Language of the workbooks' and notice's headers and department labels: en or zh.") = Lang.en,
    lists: Opt(Optional[Path], "--lists", "Folder from 'credit lists': black-listed firms drawn as tier D, red-listed as tier A.") = None,
    force: Force("Replace an existing plan folder (the new plan replaces it whole).") = False):
    """Draw a tier-driven double-random inspection plan for one period and write its exports and manifest."""
    from riskmodels.inspection.commands import draw_plan
    say(*draw_plan(data, tiers, period, seed, out, state.settings, triggers=triggers, embed_inputs=embed_inputs,
                   lang=lang.value, lists=lists))

@cmd(inspect_app, "verify")
def inspect_verify_cmd(plan_dir: Arg(Path, "A plan folder written by 'inspect plan'."),
                       data: Opt(Optional[Path], "--data", "Dataset directory, if it moved since the plan was drawn.") = None,
                       tiers: Opt(Optional[Path], "--tiers", "Tiers file, if it moved.") = None,
                       triggers: Opt(Optional[Path], "--triggers", "Triggers file, if it moved.") = None,
                       lists: Opt(Optional[Path], "--lists", "The red and black lists' folder, if it moved.") = None):
    """Re-derive a published plan from its manifest and inputs; exit 0 if it matches, 1 (with the reason) if not."""
    from riskmodels.inspection import VerifyFailed, verify_plan
    try:
        m = verify_plan(plan_dir, data_dir=data, tiers=tiers, triggers=triggers, lists=lists)
    except VerifyFailed as e:
        echo(f"MISMATCH: {' '.join(str(e).split())}")
        raise typer.Exit(1)
    echo(f"OK: {plan_dir} matches the plan re-derived from seed {m['seed']!r}, period {m['period']} and its inputs")

@cmd(inspect_app, "simulate")
def inspect_simulate_cmd(data: Dir("Dataset directory (with truth/enterprises.csv for the synthetic city)."),
                         tiers: Opt(Path, "--tiers", "Tiers file."), period: Period = None,
                         seed: Opt(str, "--seed", "Seed text; run r uses '<seed>#r'.") = "simulate",
                         runs: Opt(int, "--runs", "Number of plans drawn.", min=1) = 10,
                         triggers: Opt(Optional[Path], "--triggers", "Triggers file.") = None, as_json: Json = False):
    """Expected violations found per visit against a uniform double-random plan of the same size, and more."""
    from riskmodels.inspection.commands import simulation_lines
    from riskmodels.inspection.evaluate import simulate_plans
    r = simulate_plans(data, tiers, period, seed, runs=runs, settings=state.settings, triggers=triggers)
    echo(*([json.dumps(r, ensure_ascii=False)] if as_json else simulation_lines(r)))

@cmd(inspect_app, "report")
def inspect_report_cmd(
    data: Dir("Dataset directory (inspections; roster, enterprises)."),
    plans: Opt(list[Path], "--plans", "Plan folder(s) written by 'inspect plan' (repeat for several periods)."),
    out: Out("Folder for index.html (with charts) and report.xlsx."),
    results: Opt(Optional[Path], "--results", "Results of planned visits not yet in the dataset (inspections columns).") = None,
    lang: LangOpt = Lang.en, force: Force("Overwrite an existing report.") = False):
    """Decision analysis: visits planned and done, violations by tier, joint visits, burden, roster coverage and the
    population's violation rate estimated from the random draws, per department and tier."""
    from riskmodels.inspection.commands import decision_report, report_files
    state.claim(*report_files(out), force=force)
    say(*decision_report(data, plans, out, state.settings, results=results, lang=lang.value))

@cmd(inspect_app, "publish")
def inspect_publish_cmd(
    data: Dir("Dataset directory (enterprises, for the firms' names)."),
    plans: Opt(list[Path], "--plans", "Plan folder(s) written by 'inspect plan' (repeat for several periods)."),
    results: Opt(Path, "--results", "Results of the visits (enterprise_id, inspected_on, department, result; item, violation, decision, penalty when known)."),
    out: Out("Folder for results.csv, results.xlsx, results.html and manifest.json (public)."),
    lang: LangOpt = Lang.en, force: Force("Replace an existing publication.") = False):
    """Publish the results of the plans' visits (结果公示): firm, code, department, item, date, result, violation and
    decision, never inspectors, tiers, risk or inclusion probabilities."""
    from riskmodels.inspection.commands import publish, publish_files
    state.claim(*publish_files(out), force=force)
    say(publish(data, plans, results, out, state.settings, lang=lang.value))

# --- bidder graphs ---
@cmd(graph_app, "build", claims=("out",))
def graph_build_cmd(directory: GraphDir, out: Out("Graph file: .graphml or .gexf (Gephi and networkx open both)."),
                    force: Force() = False):
    """Combined bidder graph (co-bidding + registry and bid-metadata relations) with group and graph features on the nodes."""
    from graphs.pipeline import build_graph
    r = build_graph(directory, out, state.settings)
    say(f"wrote {out}: {r['nodes']:,} bidders, {r['edges']:,} edges, {r['groups']:,} groups "
        f"(build {r['build_s']:.1f}s, communities {r['communities_s']:.1f}s)")

@cmd(graph_app, "groups", claims=("out", "pictures"))
def graph_groups_cmd(directory: GraphDir, out: Out("Ranked groups (.csv/.parquet/.xlsx): group_id, members, score, evidence, ..."),
                     pictures: Opt(Optional[Path], "--pictures", "Directory for a PNG picture of each top group.") = None,
                     top: Opt(int, "--top", "How many top groups get a picture.") = 10, force: Force() = False):
    """Suspicious bidder groups: communities of the combined graph ranked by exclusivity, cohesion, wins, screens, relations."""
    from graphs.pipeline import find_groups
    r = find_groups(directory, out, state.settings, pictures=pictures, top=top)
    say(f"wrote {out}: {r['groups']:,} groups, highest score first",
        *(f"  #{g.group_id} score {g.score:.3f}: {g.size} firms, {g.n_joint} joint tenders, exclusivity {g.exclusivity:.2f}"
          for g in r["top"].itertuples(index=False)))
    if r["pictures"]:
        say(f"pictures: {len(r['pictures'])} PNG in {pictures}")

@cmd(graph_app, "ego", claims=("out", "picture"))
def graph_ego_cmd(directory: Dir("Dataset directory."), bidder: Opt(str, "--id", "Bidder (enterprise) id at the centre."),
                  out: Out("Ego-network file: .graphml or .gexf."), radius: Opt(int, "--radius", "Steps from the centre.", min=1) = 1,
                  picture: Opt(Optional[Path], "--png", "Also draw it to this PNG.") = None, force: Force() = False):
    """Ego network around one firm for a case file (co-bidders and related firms, with their groups)."""
    from graphs.pipeline import ego_graph
    r = ego_graph(directory, bidder, out, radius=radius, settings=state.settings, picture=picture)
    say(f"wrote {out}: {r['nodes']:,} firms, {r['edges']:,} edges around {bidder}")

@cmd(graph_app, "features", claims=("out",))
def graph_features_cmd(directory: Dir("Dataset directory."), out: Out("Feature table (.csv/.parquet/.xlsx)."),
                       level: Opt(Literal["bidder", "tender"], "--level", "One row per bidder or per tender.") = "bidder", force: Force() = False):
    """Graph features back to tables: per bidder (degree, exclusivity, loss share, group score) or per tender."""
    from graphs.pipeline import graph_features
    r = graph_features(directory, out, level=level, settings=state.settings)
    say(f"wrote {out}: {r['rows']:,} {level} rows")

# --- collusion: evidence, models, case lists, the case file ---
@cmd(collusion_app, "flags", claims=("out", "meta"))
def collusion_flags_cmd(directory: Dir("Dataset directory (bids; enterprises, shareholders, bid_items when present)."),
                        out: Out("Findings table (.csv, .parquet or .xlsx): code, article, tender, bidders, evidence."),
                        meta: Opt(Optional[Path], "--meta", "Also write each flag's statistics (fences, counts) as JSON.") = None,
                        force: Force() = False):
    """Rule-based red flags with evidence: legal articles (A34, A40.x, A39) and OCP codes (R022 ... R057); see [flags]."""
    from riskmodels.collusion.commands import write_flags
    say(write_flags(directory, out, state.settings, meta))

@cmd(collusion_app, "screens", claims=("out",))
def collusion_screens_cmd(directory: Dir("Dataset directory with bids (and optionally tenders)."),
                          out: Out("Output file: .csv or .parquet (by extension)."),
                          market: Opt(Optional[str], "--market", "tenders column defining a market (default: settings [screens] market, else region x category).") = None,
                          force: Force() = False):
    """Tender screens (cv, spd, diffp, rd, rdnor, rdalt, kurt, skew, ks), bid progressions and market-relative versions."""
    from riskmodels.collusion.commands import write_screens
    say(write_screens(directory, out, state.settings, market))

@cmd(collusion_app, "pairs", claims=("out",))
def collusion_pairs_cmd(directory: Dir("Dataset directory with bids (and optionally bid_items)."),
                        out: Out("Output file: .csv or .parquet (by extension)."),
                        per_tender: Opt(bool, "--per-tender", "Write one row per pair of bids in a tender instead of one per bidder pair.") = False,
                        force: Force() = False):
    """Pairwise bid evidence: per bidder pair across tenders (default) or per pair of bids within a tender."""
    from riskmodels.collusion.commands import write_pairs
    say(write_pairs(directory, out, state.settings, per_tender))

@cmd(collusion_app, "evaluate")
def collusion_evaluate_cmd(
    directory: Dir("Labelled dataset directory (tenders.collusive)."), as_json: Json = False, min_bids: MinBids = 3,
    kind: Opt(Literal["full", "transfer"], "--features", "full (raw + market-relative) or transfer (market-relative only).") = "full",
    graph: Graph = False, flags: Flags = False, folds: Opt(int, "--folds", "Folds per split.") = 5, seed: Seed = 0,
    baseline: Opt(bool, "--baseline/--no-baseline", "Also evaluate extra trees on the 10 textbook screens on the same folds.") = True,
    labels: Opt(Optional[Path], "--labels", "Label file (tender_id, collusive), e.g. DIR/truth/tenders.csv of a simulated city; default tenders.collusive.") = None,
    families: Opt(str, "--families", "Model families to choose from by cross-validation inside each training fold (nested); 'lightgbm' alone skips the choice.", show_default="all four: lightgbm, extra_trees, extra_trees_screens, logistic") = "lightgbm,extra_trees,extra_trees_screens,logistic",
    experiment: Opt(str, "--experiment", "MLflow experiment the evaluation run is logged in.") = "collusion",
    track: Opt(bool, "--track/--no-track", "Log the evaluation as an MLflow run (every split's metrics, the baseline, the family, the data's fingerprint, the settings).") = True):
    """Honest metrics: CV grouped by tender (headline auc), bidder-held-out and time splits, beside a baseline on the
    same folds; logged as an MLflow run (`collusion-evaluate · <data> · <family> · <UTC minute>`); docs/evaluation.md."""
    from experiments.commands import evaluate_collusion_data
    out, lines = evaluate_collusion_data(directory, state.settings, min_bids=min_bids, kind=kind, graph=graph, flags=flags,
                                         folds=folds, seed=seed, baseline=baseline, labels=labels, families=families,
                                         experiment=experiment, track=track)
    say(*lines)
    echo(*([json.dumps(out)] if as_json else []))

@cmd(collusion_app, "train")
def collusion_train_cmd(
    directories: Arg(list[Path], "One or more labelled dataset directories; each is one market."),
    model_out: ModelOut = None, register: Register = None, experiment: Experiment = "collusion",
    kind: Opt(Literal["transfer", "full"], "--features", "transfer (market-relative only, moves between markets) or full.") = "transfer",
    min_bids: MinBids = 3, graph: Graph = False, flags: Flags = False, seed: Seed = 0,
    labels: Opt(Optional[list[Path]], "--labels", "Label file (tender_id, collusive) per DIR, in order (e.g. DIR/truth/tenders.csv); default tenders.collusive.") = None,
    directions: Opt(Optional[Literal["literature", "free"]], "--directions", "literature (evidence with a textbook direction only, monotone; default for transfer) or free (default for full).") = None,
    method: Opt(Literal["auto", "lightgbm", "consensus", "select"], "--method", "lightgbm (calibrated boosted model), consensus (evidence that held in every training market), select (the model family with the best cross-validated auc on the training tenders: lightgbm, extra trees, logistic) or auto (with 2+ markets: lightgbm or consensus, whichever moved better between them, each held out in turn; with one market: select).") = "auto",
    verdicts: Opt(Optional[str], "--verdicts", "Learn from the verdicts of this case store (collusive 1, clean 0; unsure left out) instead of tenders.collusive.") = None,
    force: Force("Replace the model directory --model-out if it exists.") = False):
    """Train the tender model on labelled markets; save it (MLflow format) and/or track and register it."""
    from experiments.commands import train_collusion
    say(*train_collusion(directories, state.settings, model_out=model_out, register=register, experiment=experiment, kind=kind,
                         min_bids=min_bids, graph=graph, flags=flags, seed=seed, labels=labels, directions=directions,
                         method=method, verdicts=verdicts, claim=lambda: state.claim(model_out, force=force),
                         log=state.progress, say=say))

@cmd(collusion_app, "score")
def collusion_score_cmd(
    directory: Dir("Dataset directory to score (labels not needed)."),
    out: Out("Scores CSV: tender_id, score, flag, reasons. The case list goes beside it."), model: ColModel = None,
    top: Opt(Optional[int], "--reasons", "Reasons per tender (default: settings [collusion] reasons).") = None,
    graph: Opt(bool, "--graph/--no-graph", "Find bidder groups for the case list.") = True,
    flags: Opt(bool, "--flags/--no-flags", "Compute red flags (their evidence texts become reasons).") = True,
    min_bids: Opt(int, "--min-bids", "Only tenders with at least this many valid bids.") = 1,
    flag_share: Opt(Optional[float], "--flag-share", "With a model, on a market it was not trained on: share of the market to flag (default: settings [collusion] transfer_flag_share, 0.05).") = None,
    market: Opt(Optional[str], "--market", "With a model: the training market these tenders come from (ranked against its kept market statistics), or 'new' for a market it was not trained on; default: decided from the data (docs/evaluation.md).") = None,
    force: Force() = False):
    """Score tenders with a trained model (or the composite score) and write the ranked case list (CSV + HTML)."""
    from experiments.commands import score_collusion, score_outputs
    state.claim(*score_outputs(out), force=force)
    say(*score_collusion(directory, out, state.settings, model=model, top=top, graph=graph, flags=flags, min_bids=min_bids,
                         flag_share=flag_share, market=market))

@cmd(collusion_app, "report")
def collusion_report_cmd(
    directory: Dir("Dataset directory (bids; tenders, enterprises, shareholders, bid_items when present)."),
    out: Out("Report folder to write (index.html, tenders/, groups/, firms/)."), model: ColModel = None,
    scores: Opt(Optional[Path], "--scores", "Scores CSV already written by 'collusion score' (tender_id, score, flag, reasons): nothing is scored again.") = None,
    lang: Opt(Optional[Lang], "--lang", "Language of the labels (default: settings [report] lang, en).") = None,
    tiers: Opt(Optional[Path], "--tiers", "Tiers file from 'credit tier': each firm page shows the firm's credit tier.") = None,
    profiles: Opt(Optional[Path], "--profiles", "Folder of 'credit profile --ids' pages: firm pages link to them.") = None,
    cases: Opt(Optional[str], "--cases", "Case store: each tender's status and verdict history.") = None, force: Force("Replace an existing report folder.") = False):
    """The investigator's offline case file: index.html (start here) and a linked page per tender case, bidder group and firm."""
    from experiments.commands import collusion_report
    say(collusion_report(directory, out, state.settings, model=model, scores=scores, lang=lang.value if lang else None,
                         force=force, tiers=tiers, profiles=profiles, cases=cases, log=state.progress))

# --- enterprise credit: model, tiers, lists, profile, monitoring ---
@cmd(credit_app, "train")
def credit_train_cmd(
    directory: Dir("Dataset directory with credit_labels (enterprise_id, as_of, label) and the records."),
    model_out: ModelOut = None, register: Register = None, experiment: Experiment = "credit",
    collusion_scores: Opt(Optional[Path], "--collusion-scores", "Tender scores CSV (tender_id, score) from 'collusion score': bidding features.") = None,
    groups: Groups = None, force: Force("Replace the model directory --model-out if it exists.") = False):
    """Train the calibrated credit model on point-in-time features as of each labelled date."""
    from experiments.commands import train_credit
    say(*train_credit(directory, state.settings, model_out=model_out, register=register, experiment=experiment,
                      collusion_scores=collusion_scores, groups=groups, claim=lambda: state.claim(model_out, force=force),
                      progress=state.progress))

@cmd(credit_app, "tier", claims=("out",))
def credit_tier_cmd(
    directory: Dir("Dataset directory (enterprises and their credit, inspection and bid records)."), model: CreditModel,
    out: Out("Tiers file (.csv, .parquet or .xlsx): enterprise_id, tier, probability, reasons, override."), as_of: AsOf = None,
    previous: Opt(Optional[Path], "--previous", "Previous tiers file (enterprise_id, tier): damping and the migration matrix.") = None,
    collusion_scores: Scores = None, groups: Groups = None,
    cases: Opt(Optional[str], "--cases", "Case store (SQLite file or database URL): firms named in a collusive verdict are tier D.") = None,
    force: Force() = False):
    """Grade every enterprise A-D with its probability, reasons in words and any hard override."""
    from experiments.commands import tier_credit
    say(*tier_credit(directory, out, state.settings, model=model, as_of=as_of, previous=previous,
                     collusion_scores=collusion_scores, groups=groups, log=say, cases=cases))

@cmd(credit_app, "lists")
def credit_lists_cmd(
    directory: Dir("Dataset directory (credit_events, inspections, enterprises)."), tiers: Tiers,
    out: Out("Folder for red.csv, black.csv (+ .xlsx) and manifest.json."),
    decisions: Opt(Optional[Path], "--decisions", "Manual decisions: enterprise_id, list (red|black|none), reason.") = None,
    as_of: Opt(Optional[str], "--as-of", "The day the lists speak for (default: the tiers' as_of).") = None,
    cases: Opt(Optional[str], "--cases", "Case store (SQLite file or database URL): firms named in a collusive verdict are black-listed.") = None,
    collusion_scores: Opt(Optional[Path], "--collusion-scores", "Tender scores (tender_id, score, flag): firms suspected in flagged tenders, not confirmed, go to suspects.csv, a triggers file for 'inspect plan --triggers' (targeted visits labelled as suspicions; tiers unchanged).") = None,
    lang: Opt(Lang, "--lang", "Language of the rules, evidence and workbook headers.") = Lang.en,
    force: Force("Overwrite existing list files.") = False):
    """Red and black lists with the rule each firm meets (rules in [lists] of the settings; docs/credit.md)."""
    from riskmodels.credit.commands import list_files, write_lists
    state.claim(*list_files(out), *([out / "suspects.csv"] if collusion_scores else []), force=force)
    say(*write_lists(directory, tiers, out, state.settings, decisions=decisions, as_of=as_of, cases=cases,
                     collusion_scores=collusion_scores, lang=lang.value))

@cmd(credit_app, "profile")
def credit_profile_cmd(
    directory: Dir("Dataset directory (enterprises; credit_events, inspections, bids, shareholders)."), tiers: Tiers,
    out: Out("The page (FILE.html) with --id; a folder (one page per firm + index.html) with --ids."),
    eid: Opt(Optional[str], "--id", "One enterprise (unified social credit code).") = None,
    ids: Opt(Optional[Path], "--ids", "A file of enterprise ids (CSV with enterprise_id, or one id a line).") = None,
    lang: LangOpt = Lang.en, groups: Opt(Optional[Path], "--groups", "Suspicious bidder groups as 'graph groups' writes them.") = None,
    collusion_scores: Opt(Optional[Path], "--collusion-scores", "Tender scores from 'collusion score' (tender_id, score, flag, reasons).") = None,
    history: Opt(Optional[list[Path]], "--history", "Earlier tiers files, for the tier history (repeatable).") = None,
    report: Opt(Optional[Path], "--report", "A collusion case file folder ('collusion report --out'): link the firm's pages there.") = None,
    cases: Opt(Optional[str], "--cases", "Case store (SQLite file or database URL): name the firm's confirmed collusion verdicts.") = None,
    force: Force("Overwrite existing pages.") = False):
    """Enterprise profile and electronic credit report: a static, printable HTML page per firm (en or zh)."""
    from riskmodels.credit.commands import profile_outputs, write_profile_pages
    state.claim(*profile_outputs(out, eid, ids), force=force)
    say(write_profile_pages(directory, tiers, out, state.settings, eid=eid, ids=ids, lang=lang.value, groups=groups,
                            collusion_scores=collusion_scores, history=history, force=force, report=report, cases=cases))

@cmd(credit_app, "monitor")
def credit_monitor_cmd(
    directory: Dir("Dataset directory (enterprises and their records; credit_labels for performance)."), model: CreditModel,
    reference_as_of: Opt(str, "--reference-as-of", "The reference period's date (YYYY-MM-DD), e.g. when the model was trained."),
    as_of: AsOf = None, out: Opt(Optional[Path], "--out", "Folder for the report: stability.csv, migration.csv, calibration.csv, summary.json.") = None,
    as_json: Json = False, collusion_scores: Scores = None, groups: Groups = None, force: Force() = False):
    """Monitor a credit model between two dates: PSI of the score and of every feature, tier migration, and KS / AUC /
    Gini / Brier / calibration on the credit_labels dated in between."""
    from experiments.commands import monitor_credit, monitor_outputs
    state.claim(*monitor_outputs(out), force=force)
    summary, lines = monitor_credit(directory, state.settings, model=model, reference_as_of=reference_as_of, as_of=as_of,
                                    out=out, collusion_scores=collusion_scores, groups=groups, log=say)
    say(*lines)
    echo(*([json.dumps(summary)] if as_json else []))

@cmd(credit_app, "evaluate")
def credit_evaluate_cmd(
    table: Arg(Path, "Labelled table, CSV or ARFF (missing values '?' or empty)."),
    target: Opt(str, "--target", "Target column; 1 = bad (see --positive)."),
    positive: Opt(Optional[str], "--positive", "The target value that means bad (default: 'bad'-like words, the larger number, else the minority class).") = None,
    folds: Opt(Optional[int], "--folds", "Cross-validation folds (default [credit] folds).") = None,
    seed: Opt(Optional[int], "--seed", "Seed of the folds (default [credit] seed).") = None, as_json: Json = False,
    group: Opt(Optional[str], "--group", "Column whose rows stay in one fold (e.g. the firm of panel rows); not a feature.") = None,
    experiment: Opt(str, "--experiment", "MLflow experiment the evaluation run is logged in.") = "credit",
    track: Opt(bool, "--track/--no-track", "Log the evaluation as an MLflow run.") = True):
    """Cross-validated AUC, KS, Brier and bad rate per tier of the credit model on any labelled table, beside a
    logistic-regression baseline on the same folds; logged as an MLflow run (`credit-evaluate · <table> · ...`)."""
    from experiments.commands import evaluate_credit_table
    out, lines = evaluate_credit_table(table, target, state.settings, positive=positive, folds=folds, seed=seed,
                                       group=group, experiment=experiment, track=track, say=say,
                                       progress=state.task_progress)
    say(*lines)
    echo(*([json.dumps(out)] if as_json else []))

# --- the investigator's loop: the case store, verdicts, the review queue, early warnings ---
@cmd(cases_app, "verdict")
def cases_verdict_cmd(
    directory: Dir("Dataset the judged tenders come from (their bids and traces are kept with the verdicts)."), store: Store = None,
    verdicts: Opt(Optional[Path], "--verdicts", "Verdict file: tender_id, verdict (collusive|clean|unsure), by, note, firms (optional, ';'-separated).") = None,
    tender: Opt(Optional[str], "--tender", "One tender's verdict instead of a file (with --verdict, --by).") = None,
    verdict: Opt(Optional[str], "--verdict", "collusive, clean or unsure (with --tender).") = None,
    by: Opt(Optional[str], "--by", "Who reached the verdict (with --tender).") = None,
    note: Opt(str, "--note", "The verdict's note (with --tender).") = "",
    firms: Opt(str, "--firms", "Firms found colluding, ';'-separated (with --tender; default: every valid bidder).") = ""):
    """Record investigators' verdicts in the case store; a later verdict on a tender supersedes the earlier one, both kept."""
    from riskmodels.cases.commands import record
    say(record(directory, store, state.settings, verdicts=verdicts, tender=tender, verdict=verdict, by=by, note=note, firms=firms,
               log=state.progress))

@cmd(cases_app, "queue", claims=("out",))
def cases_queue_cmd(directory: Dir("Dataset whose tenders are to be reviewed."),
                    budget: Opt(int, "--budget", "How many tenders to review next."),
                    out: Out("Queue CSV: tender_id, rank, score, no_model_score, why, reasons."), store: Store = None,
                    force: Force("Replace OUT if it exists.") = False):
    """The next tenders to review, never one already judged: the no-model score, then learning from the verdicts."""
    from riskmodels.cases.commands import queue
    say(queue(directory, store, budget, out, state.settings, log=state.progress))

@cmd(cases_app, "warn", claims=("out",))
def cases_warn_cmd(
    directory: Dir("New tenders (tenders, bids; other tables whole)."),
    out: Out("Warnings not raised before: warning_id, tender_id, kind, firms, reason."), store: Store = None,
    black: Opt(Optional[Path], "--black", "Black list (enterprise_id), e.g. the black.csv of 'credit lists'.") = None,
    model: Opt(Optional[str], "--model", "Score the new tenders with this model instead of the no-model score against the kept history.") = None,
    share: Opt(Optional[float], "--share", "Share of the new tenders warned by score (default: settings [cases] warn_share).") = None,
    force: Force("Replace OUT if it exists.") = False):
    """Early warnings on new tenders: confirmed groups bidding again, traces of confirmed cases, black-listed firms, top scores."""
    from experiments.commands import warn_cases
    say(warn_cases(directory, store, out, state.settings, black=black, model=model, share=share, log=state.progress))

@cmd(cases_app, "list")
def cases_list_cmd(store: Store = None, tender: Opt(Optional[list[str]], "--tender", "Only these tenders' history.") = None,
                   limit: Opt(int, "--limit", "Verdicts shown, newest first.") = 20, as_json: Json = False):
    """What the case store holds: counts, then the latest verdicts (superseded ones marked)."""
    from riskmodels.cases.commands import listing
    counts, lines = listing(store, state.settings, tender, limit, log=state.progress)
    echo(*lines, *([json.dumps(counts, ensure_ascii=False)] if as_json else []))

@cmd(cases_app, "export", claims=("out",))
def cases_export_cmd(out: Out("Labels file (CSV, XLSX or Parquet): tender_id, collusive, verdict, by, decided_at, note, firms."),
                     store: Store = None, force: Force("Replace OUT if it exists.") = False):
    """Write the store's labels: each judged tender's current verdict (usable as `collusion train --labels`)."""
    from riskmodels.cases.commands import export
    say(export(store, out, state.settings, log=state.progress))

add_examples(app)
