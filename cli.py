"""The `riskmodels` command line: thin Typer commands over the library.

Each command parses its arguments, calls one library function and renders the result. Results go to stdout or to `--out`
files; messages and progress go to stderr. Exit codes are decided in one place (`_handled`): 0 done, 2 the input or the
settings are wrong (one line on stderr naming the file, column or key), 1 anything unexpected (traceback with --verbose).
"""
from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from enum import Enum
from pathlib import Path
from typing import Optional

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # LightGBM threads must not spin on a shared 2-core machine (STACK.md)
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import typer
from typer.core import TyperOption

from features.core.errors import InputError

# Help texts are plain text: with Rich markup on, "[flags]" or "[report]" (settings sections) would vanish as tags.
# A switch takes no value: its type ("<bool>") is not shown beside it as if it did.
_type_shown = TyperOption.display_type_rich
TyperOption.display_type_rich = lambda self, ctx: None if self.is_flag else _type_shown(self, ctx)

app = typer.Typer(help="Find collusive bidding, grade enterprise credit and plan double-random inspections.",
                  no_args_is_help=True, rich_markup_mode="markdown", add_completion=False, pretty_exceptions_enable=False)
data_app = typer.Typer(help="Load, validate, simulate and import datasets.", no_args_is_help=True, rich_markup_mode="markdown")
import_app = typer.Typer(help="Convert outside datasets into canonical tables.", no_args_is_help=True, rich_markup_mode="markdown")
collusion_app = typer.Typer(help="Collusion evidence, models and case lists.", no_args_is_help=True, rich_markup_mode="markdown")
graph_app = typer.Typer(help="Bidder graphs, suspicious groups and exports.", no_args_is_help=True, rich_markup_mode="markdown")
credit_app = typer.Typer(help="Enterprise credit models and A-D tiers.", no_args_is_help=True, rich_markup_mode="markdown")
inspect_app = typer.Typer(help="Tier-driven double-random inspection plans.", no_args_is_help=True, rich_markup_mode="markdown")
ocds_app = typer.Typer(help="Open Contracting (OCDS) red-flag indicators, Cardinal-compatible.", no_args_is_help=True, rich_markup_mode="markdown")
experiments_app = typer.Typer(help="Experiment specs, tracked runs and model promotion (MLflow).", no_args_is_help=True, rich_markup_mode="markdown")
app.add_typer(data_app, name="data")
data_app.add_typer(import_app, name="import")
app.add_typer(collusion_app, name="collusion")
app.add_typer(graph_app, name="graph")
app.add_typer(credit_app, name="credit")
app.add_typer(inspect_app, name="inspect")
app.add_typer(ocds_app, name="ocds")
app.add_typer(experiments_app, name="experiments")
cases_app = typer.Typer(help="The investigator's loop: verdicts, the review queue and early warnings (docs/cases.md).", no_args_is_help=True, rich_markup_mode="markdown")
app.add_typer(cases_app, name="cases")


class _State:
    verbose = False
    quiet = False  # --quiet: no progress on stderr (bars, task counts, stage lines)
    settings_path: Optional[Path] = None
    engine: dict = {}  # global engine options given on the command line (override [engine])
    replacing: dict = {}  # outputs this run replaces (--force) -> their modification time before it


def outputs(*paths, force: bool = False) -> None:
    """Refuse (exit 2, naming them) to write over outputs that already exist unless --force; remember the ones that will
    be replaced, so a run that fails says which of them are now stale (left from an earlier run)."""
    from features.io.export import refuse_overwrite

    found = refuse_overwrite(*paths, force=force)
    state.replacing = {p: p.lstat().st_mtime_ns for p in found}


def _say_stale() -> None:
    stale = [p for p, t in state.replacing.items() if p.exists() and p.lstat().st_mtime_ns == t]
    if stale:
        typer.echo("stale: " + ", ".join(map(str, stale[:8])) + (" ..." if len(stale) > 8 else "")
                   + " left from an earlier run (this run failed before replacing them)", err=True)


state = _State()


def _handled(fn):
    """Map domain errors to exit codes in one place."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except InputError as e:
            msg = " ".join(str(e).split())
            typer.echo(f"error: {msg}", err=True)
            _say_stale()
            raise typer.Exit(2)
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130)
        except Exception as e:  # noqa: BLE001 - the one place that turns the unexpected into exit 1
            if isinstance(e, PermissionError) or (isinstance(e, OSError) and e.errno in (28, 30)):
                # a read-only or full output place is the user's to fix, not a bug
                typer.echo(f"error: {e.filename or ''}: cannot write ({e.strerror})", err=True)
                _say_stale()
                raise typer.Exit(2)
            _say_stale()
            if state.verbose:
                traceback.print_exc()
            else:
                typer.echo(f"unexpected error: {type(e).__name__}: {e} (run with --verbose for the traceback)", err=True)
            raise typer.Exit(1)
        finally:
            from features import engine

            engine.shutdown()  # a local Dask cluster stops with the command

    return wrapper


def settings():
    """The settings for this invocation (`--settings FILE`, else ./riskmodels.toml, else defaults)."""
    from features import engine
    from features.core.settings import load_settings, override

    s = override(load_settings(state.settings_path), "engine", **state.engine)
    engine.configure(s.engine, progress=_task_progress())
    return s


def say(msg: str) -> None:
    """A human message on stderr."""
    typer.echo(msg, err=True)


def progress_line(msg: str) -> None:
    """A progress message on stderr (a stage started or done); none with --quiet."""
    if not state.quiet:
        say(msg)


def _task_progress():
    """Where the engine reports its batches of tasks: stderr (a bar on a terminal, lines every few seconds elsewhere),
    nothing with --quiet."""
    from features.core.progress import TaskProgress

    return TaskProgress.silent() if state.quiet else TaskProgress(say)


@app.callback()
def main(
    settings_file: Optional[Path] = typer.Option(None, "--settings", help="Settings TOML (default: ./riskmodels.toml if present)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks of unexpected errors."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr (bars, task counts, stage lines); results, warnings and errors still show."),
    engine: Optional[str] = typer.Option(None, "--engine", envvar="RISKMODELS_ENGINE",
                                         help="pandas (one process, the default) or dask (partitions on Dask workers); default [engine] name."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="With --engine dask: address of a running Dask scheduler (tcp://host:8786)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="With --engine dask and no --scheduler: local worker processes (one thread each)."),
    memory_per_worker: Optional[str] = typer.Option(None, "--memory-per-worker", help="Memory limit of each local worker, e.g. 4GiB (Dask spills to disk)."),
):
    """riskmodels: collusion detection, credit tiers and inspection planning."""
    state.verbose = verbose
    state.quiet = quiet
    state.settings_path = settings_file
    state.engine = {"name": engine, "scheduler": scheduler, "workers": workers, "memory_per_worker": memory_per_worker}
    state.replacing = {}
    from features.io.export import forget_inputs

    forget_inputs()  # outputs are kept apart from the inputs of this command (features.io.export.check_apart)
    import logging

    # the library's warnings (e.g. control characters removed from an export) as one plain line each on stderr
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("note: %(message)s"))
    lib = logging.getLogger("riskmodels")
    lib.handlers = [handler]
    lib.setLevel(logging.INFO)
    lib.propagate = False


@app.command("init")
@_handled
def init_cmd(path: Path = typer.Argument(Path("riskmodels.toml"), help="Where to write the settings file."),
             force: bool = typer.Option(False, "--force", help="Overwrite an existing file.")):
    """Write the commented default settings file."""
    from features.core.settings import default_settings_text

    if path.exists() and not force:
        raise InputError(f"{path}: already exists (use --force to overwrite)")
    from features.io.export import write_text

    write_text(path, default_settings_text())
    say(f"wrote {path}")


# --- experiments, tracking and the demo ---

@experiments_app.command("run")
@_handled
def experiments_run_cmd(spec: str = typer.Argument(..., help="Spec TOML file, or the name of a shipped spec (collusion, credit)."),
                        data: Optional[Path] = typer.Option(None, "--data", help="Dataset directory (overrides the spec's [data] path)."),
                        as_json: bool = typer.Option(False, "--json", help="Print the run's outcome as one JSON line.")):
    """Train a spec's model in a tracked MLflow run; register it and promote it to @champion if it passes the gate."""
    from experiments.runner import run_spec

    info = run_spec(spec, data=data, settings=settings())
    info.pop("fitted", None)
    if as_json:
        typer.echo(json.dumps(info, default=str))
    metrics = ", ".join(f"{k} {v:.4f}" for k, v in info["metrics"].items() if isinstance(v, (int, float)))
    say(f"run {info['run_id']} in experiment {info['experiment']} ({info['tracking_uri']}): {metrics}")
    if info.get("registered_model"):
        state_ = "now @champion" if info["champion"] else "not promoted"
        say(f"registered {info['registered_model']} version {info['version']}: {state_} ({info.get('gate_reason', '')})")


@experiments_app.command("list")
@_handled
def experiments_list_cmd(experiment: Optional[str] = typer.Option(None, "--experiment", "-e", help="Only this experiment."),
                         limit: int = typer.Option(20, "--limit", help="At most this many runs."),
                         as_json: bool = typer.Option(False, "--json", help="One JSON object: runs and registered models.")):
    """Tracked runs (newest first) and registered model versions with their aliases."""
    from experiments.tracking import list_models, list_runs, tracking_uri

    runs, models = list_runs(experiment, max_results=limit), list_models()
    if as_json:
        typer.echo(json.dumps({"tracking_uri": tracking_uri(), "runs": runs, "models": models}, default=str))
        return
    import datetime as _dt

    typer.echo(f"runs in {tracking_uri()}:")
    for r in runs:
        when = _dt.datetime.fromtimestamp((r["start_time"] or 0) / 1000).strftime("%Y-%m-%d %H:%M")
        gate = {k: v for k, v in r["metrics"].items() if k in ("auc", "average_precision", "ks", "brier")}
        shown = " ".join(f"{k}={v:.4f}" for k, v in gate.items())
        typer.echo(f"  {when}  {r['run_id'][:12]}  {r['experiment']:<14} {r['status']:<9} {shown}")
    typer.echo("registered models (alias, source run, what the gate decided when the version was registered):")
    for m in models:
        alias = f"@{','.join(m['aliases'])}" if m["aliases"] else ""
        typer.echo(f"  {m['name']}/{m['version']} {alias:<10} run {str(m['run_id'])[:12]}  gate: {m['gate'] or '-'}")


@experiments_app.command("promote")
@_handled
def experiments_promote_cmd(name: str = typer.Argument(..., help="Registered model name, e.g. collusion."),
                            version: str = typer.Argument(..., help="Version number to make @champion.")):
    """Point NAME@champion at VERSION by hand (overrides the gate)."""
    from experiments.tracking import promote

    r = promote(name, version)
    say(f"models:/{name}@champion -> version {r['version']} (was {r['previous_champion'] or 'none'})")


@app.command("demo")
@_handled
def demo_cmd(scale: str = typer.Option("tiny", "--scale", help="tiny (seconds) or city (Pingshan-sized, minutes)."),
             out: Path = typer.Option(Path("demo-output"), "--out", help="Folder for every output of the demo."),
             seed: int = typer.Option(20240601, "--seed", help="Seed of the simulated city."),
             data: Optional[Path] = typer.Option(None, "--data", help="Run on this dataset directory instead of simulating."),
             force: bool = typer.Option(False, "--force", help="Replace the outputs of an earlier demo in --out (other files there are never touched).")):
    """The whole job on a simulated city: evidence, graphs, models tracked in MLflow, tiers, inspection plan."""
    from experiments.demo import demo_outputs, run_demo, summary_text

    outputs(*demo_outputs(out, data is None), force=force)
    d = run_demo(out, scale, seed=seed, settings=settings(), data=data, log=progress_line, force=force)
    typer.echo(summary_text(d))


# --- data: validate and import (foundation) ---
@data_app.command("validate")
@_handled
def data_validate(
    directory: Path = typer.Argument(..., help="Dataset directory of canonical tables (NAME.csv / NAME.parquet)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON (last line of stdout)."),
    rejects: Optional[Path] = typer.Option(None, "--rejects", help="Write rejected rows (file, row, column, value, reason) to this CSV."),
    force: bool = typer.Option(False, "--force", help="Replace the rejects file if it exists."),
):
    """Check a dataset: read every table, report read / accepted / rejected rows and the problems found."""
    from features.io.dataset import load_dataset
    from features.io.export import write_table

    outputs(rejects, force=force)
    ds = load_dataset(directory, settings())
    rep = ds.report()
    if rejects is not None:
        write_table(ds.rejects, rejects)
    for name, c in rep["tables"].items():
        enc = ds.encodings.get(name, "")
        typer.echo(f"{name:<14} read {c['read']:>9,}  accepted {c['accepted']:>9,}  rejected {c['rejected']:>7,}  ({ds.files[name].name}, {enc})")
    for p in rep["problems"]:
        col = f".{p['column']}" if p["column"] else ""
        typer.echo(f"  {p['action']:<8} {p['rows']:>7,} row(s) {p['table']}{col}: {p['problem']}")
    if rejects is not None:
        say(f"rejects: {len(ds.rejects)} row(s) written to {rejects}")
    if as_json:
        typer.echo(json.dumps(rep, ensure_ascii=False))


@data_app.command("partition")
@_handled
def data_partition_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory of canonical tables."),
    out: Path = typer.Option(..., "--out", help="New dataset directory: one folder of Parquet parts per table."),
    partitions: Optional[int] = typer.Option(None, "--partitions", help="Parts per table (default: one per million rows of the largest table)."),
    force: bool = typer.Option(False, "--force", help="Replace OUT if it exists."),
):
    """Split a dataset into Parquet partitions by a hash of tender_id (tender tables) and enterprise_id (enterprise tables)."""
    from features.partition import partition_dataset

    rep = partition_dataset(directory, out, partitions, settings(), force=force)
    say("; ".join(f"{name} {r['rows']:,} rows in {r['parts']} part(s)" + (f" by {r['key']}" if r["key"] else "")
                  for name, r in rep.items()) + f"; written to {out}")


@import_app.command("garcia")
@_handled
def import_garcia_cmd(
    csv_file: Path = typer.Argument(..., help="A García Rodríguez et al. (2022) bid file (one row per bid)."),
    out: Path = typer.Option(..., "--out", help="Output dataset directory (tenders.csv, bids.csv)."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist.")
):
    """Convert a García Rodríguez et al. research file to canonical tenders + bids (label kept as tenders.collusive)."""
    from features.io.dataset import table_files
    from features.imports.garcia import import_garcia

    outputs(*table_files(out, ("tenders", "bids")), force=force)

    r = import_garcia(csv_file, out)
    anon = " (no bidder ids: one anonymous id per bid)" if r["anonymous"] else ""
    say(f"imported {r['tenders']:,} tenders ({r['collusive_tenders']:,} collusive) and {r['bids']:,} bids into {out}{anon}")


# --- OCDS indicators and collusion evidence II ---

def _report_ocds_issues(report, issues_file: Optional[Path], limit: int = 50) -> None:
    """Every bad OCDS line / field on stderr with its line number (the first `limit`), all of them to `issues_file`."""
    for issue in report.issues[:limit]:
        say(str(issue))
    if len(report.issues) > limit:
        say(f"... and {len(report.issues) - limit} more problems" + ("" if issues_file else " (write them all with --issues FILE)"))
    if issues_file is not None:
        import pandas as pd

        from features.io.export import write_table

        write_table(pd.DataFrame([[i.line, i.ocid, i.path, i.value, i.problem, int(i.skipped)] for i in report.issues],
                                 columns=["line", "ocid", "path", "value", "problem", "skipped"]), issues_file)


@ocds_app.command("indicators")
@_handled
def ocds_indicators_cmd(
    jsonl: Path = typer.Argument(..., help="OCDS compiled releases, one contracting process per line ('-' for stdin)."),
    ini: Optional[Path] = typer.Option(None, "--settings", "-s", help="Cardinal settings (INI); default: all eleven Cardinal indicators."),
    no_meta: bool = typer.Option(False, "--no-meta", help="Leave out the Meta key (quartiles and fences)."),
    count: bool = typer.Option(False, "--count", "-c", help="Print the number of results per group to stderr."),
    issues: Optional[Path] = typer.Option(None, "--issues", help="Write every bad line / field to this CSV."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist.")
):
    """Cardinal-compatible red flags: prints {"OCID", "Buyer", "ProcuringEntity", "Tenderer", "Meta"} as JSON."""
    outputs(issues, force=force)
    from features.evidence.indicators import driver
    from features.evidence.indicators.config import load_ini
    from features.imports.ocds import ReadReport, read_processes

    config = load_ini(ini)
    report = ReadReport()
    acc = driver.run(read_processes(jsonl, report), config)
    typer.echo(driver.to_json(acc, meta=not no_meta))
    _report_ocds_issues(report, issues)
    if count:
        for group, entries in driver.result_object(acc, meta=False).items():
            say(f"{group}: {len(entries)}")
    say(report.summary() + f"; {acc.processes} processes evaluated by {len(config.enabled)} indicators")


@import_app.command("ocds")
@_handled
def import_ocds_cmd(
    jsonl: Path = typer.Argument(..., help="OCDS compiled releases, one contracting process per line."),
    out: Path = typer.Option(..., "--out", help="Output dataset directory (tenders.csv, bids.csv, enterprises.csv)."),
    issues: Optional[Path] = typer.Option(None, "--issues", help="Write every bad line / field to this CSV."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist.")
):
    """Convert OCDS compiled releases to canonical tenders, bids and (from parties) enterprises."""
    from features.io.dataset import table_files
    from features.imports.ocds import ReadReport, import_ocds

    outputs(*table_files(out, ("tenders", "bids", "enterprises")), issues, force=force)

    report = ReadReport()
    counts = import_ocds(jsonl, out, report)
    _report_ocds_issues(report, issues)
    say(report.summary())
    say("wrote " + ", ".join(f"{n:,} {name}" for name, n in counts.items()) + f" to {out}")


# --- inspection planning ---


@inspect_app.command("plan")
@_handled
def inspect_plan_cmd(
    data: Path = typer.Argument(..., help="Dataset directory (inspectors; optional roster, inspections, enterprises)."),
    tiers: Path = typer.Option(..., "--tiers", help="Tiers file (enterprise_id, tier; optional trigger column)."),
    period: Optional[str] = typer.Option(None, "--period", help="Planning period YYYY-MM (default: the month after the tiers' as_of date)."),
    seed: str = typer.Option(..., "--seed", help="Public seed text (publish it; e.g. a lottery result announced later)."),
    out: Path = typer.Option(..., "--out", help="Output folder for plan.csv, plan.xlsx (internal), notice.csv/.xlsx/.md (public), manifest.json, ..."),
    triggers: Optional[Path] = typer.Option(None, "--triggers", help="Triggers file: enterprise_id[, department, reason]."),
    embed_inputs: bool = typer.Option(False, "--embed-inputs", help="Copy the inputs into OUT/inputs/ (self-contained)."),
    lang: str = typer.Option("en", "--lang", help="Language of the workbooks' and notice's headers and department labels: en or zh."),
    lists: Optional[Path] = typer.Option(None, "--lists", help="Folder from 'credit lists': black-listed firms drawn as tier D, red-listed as tier A."),
    force: bool = typer.Option(False, "--force", help="Replace an existing plan folder (the new plan replaces it whole)."),
):
    """Draw a tier-driven double-random inspection plan for one period and write its exports and manifest."""
    from riskmodels.inspection import make_plan

    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: is a file; --out must be a folder for the plan")
    outputs(out, force=force)
    result, manifest = make_plan(data, tiers, period, seed, out, settings(), triggers=triggers, embed_inputs=embed_inputs,
                                 lang=lang, lists=lists)
    if result.summary.get("lists_moved"):
        say("red and black lists: " + ", ".join(f"{k} moved {v} firm(s)" for k, v in result.summary["lists_moved"].items()))
    s = result.summary
    rates = ", ".join(f"{t} {v['visited']}/{v['firms']}" for t, v in s["tiers"].items())
    say(f"{s['visits']} visits ({s['department_draws_served']} department draws, {s['visits_saved_by_joint_inspection']} "
        f"saved by joint inspection); visited by tier: {rates}")
    if s["unassigned_rows"]:
        say(f"{s['unassigned_rows']} department draws could not be staffed ({s['firms_not_visited']} firms not visited): "
            f"see {out / 'unassigned.csv'}")
    say(f"wrote {out} (seed key {manifest['seed_key'][:16]}...)")


@inspect_app.command("verify")
@_handled
def inspect_verify_cmd(
    plan_dir: Path = typer.Argument(..., help="A plan folder written by 'inspect plan'."),
    data: Optional[Path] = typer.Option(None, "--data", help="Dataset directory, if it moved since the plan was drawn."),
    tiers: Optional[Path] = typer.Option(None, "--tiers", help="Tiers file, if it moved."),
    triggers: Optional[Path] = typer.Option(None, "--triggers", help="Triggers file, if it moved."),
    lists: Optional[Path] = typer.Option(None, "--lists", help="The red and black lists' folder, if it moved."),
):
    """Re-derive a published plan from its manifest and inputs; exit 0 if it matches, 1 (with the reason) if not."""
    from riskmodels.inspection import VerifyFailed, verify_plan

    try:
        m = verify_plan(plan_dir, data_dir=data, tiers=tiers, triggers=triggers, lists=lists)
    except VerifyFailed as e:
        typer.echo(f"MISMATCH: {' '.join(str(e).split())}")
        raise typer.Exit(1)
    typer.echo(f"OK: {plan_dir} matches the plan re-derived from seed {m['seed']!r}, period {m['period']} and its inputs")


@inspect_app.command("simulate")
@_handled
def inspect_simulate_cmd(
    data: Path = typer.Argument(..., help="Dataset directory (with truth/enterprises.csv for the synthetic city)."),
    tiers: Path = typer.Option(..., "--tiers", help="Tiers file."),
    period: Optional[str] = typer.Option(None, "--period", help="Planning period YYYY-MM (default: the month after the tiers' as_of date)."),
    seed: str = typer.Option("simulate", "--seed", help="Seed text; run r uses '<seed>#r'."),
    runs: int = typer.Option(10, "--runs", min=1, help="Number of plans drawn."),
    triggers: Optional[Path] = typer.Option(None, "--triggers", help="Triggers file."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON line."),
):
    """Expected violations found per visit against a uniform double-random plan of the same size, and more."""
    from riskmodels.inspection.evaluate import simulate_plans

    r = simulate_plans(data, tiers, period, seed, runs=runs, settings=settings(), triggers=triggers)
    if as_json:
        typer.echo(json.dumps(r, ensure_ascii=False))
        return
    m = lambda k, f="{:.3f}": f"{f.format(r[k]['mean'])} (min {f.format(r[k]['min'])}, max {f.format(r[k]['max'])})"  # noqa: E731
    typer.echo(f"runs: {r['runs']}; value: {r['value_source']}")
    typer.echo(f"visits per plan: {m('visits', '{:.1f}')}")
    typer.echo(f"expected violations per visit, tier plan: {m('violations_per_visit')}")
    typer.echo(f"expected violations per visit, uniform double-random plan of the same size: {m('uniform_violations_per_visit')}")
    typer.echo(f"period: {r['period']}")
    typer.echo(f"lift: {m('lift', '{:.2f}')}x, spread (sd over runs) {r['lift']['sd']:.2f} "
               f"(vs whole population: {m('lift_vs_population', '{:.2f}')}x)")
    typer.echo(f"visits saved by joint inspection: {m('visits_saved', '{:.1f}')} of {m('department_draws', '{:.1f}')} department draws")
    typer.echo(f"tier A firms disturbed: {r['a_disturbed']['mean']:.2%}")
    typer.echo("chance of a visit by tier: " + ", ".join(f"{t} {v:.2%}" for t, v in r["tier_share"].items())
               + ("" if r["every_tier_has_a_chance"] else "  (some tier has no chance under this policy)"))
    typer.echo(f"department draws not staffed: {m('unassigned_rows', '{:.1f}')}")


@inspect_app.command("report")
@_handled
def inspect_report_cmd(
    data: Path = typer.Argument(..., help="Dataset directory (inspections; roster, enterprises)."),
    plans: list[Path] = typer.Option(..., "--plans", help="Plan folder(s) written by 'inspect plan' (repeat for several periods)."),
    out: Path = typer.Option(..., "--out", help="Folder for index.html (with charts) and report.xlsx."),
    results: Optional[Path] = typer.Option(None, "--results", help="Results of planned visits not yet in the dataset (inspections columns)."),
    lang: str = typer.Option("en", "--lang", help="en or zh."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing report."),
):
    """Decision analysis: visits planned and done, violations by tier, joint visits, burden, roster coverage and the
    population's violation rate estimated from the random draws, per department and tier."""
    from features.io.dataset import load_dataset
    from features.io.side_tables import check_lang, read_side_table
    from riskmodels.inspection.analysis import analyse, read_plan, write_report

    check_lang(lang)
    outputs(out / "index.html", out / "report.xlsx", force=force)
    s = settings()
    folders = [read_plan(p) for p in plans]
    res = read_side_table(results, ("enterprise_id", "inspected_on")) if results else None
    ds = load_dataset(data, s, tables=["inspections", "roster", "enterprises"])
    a = analyse(ds, folders, s, results=res, lang=lang)
    r = write_report(a, out)
    for e in a["estimate"].to_dict("records"):
        if e["estimate"] is not None and e["estimate"] == e["estimate"]:
            say(f"{e['period']}: violation rate {e['estimate']:.1%} (95% {e['low']:.1%}-{e['high']:.1%}) from "
                f"{e['with_result']} drawn checks with a result; share among checks done {e['naive']:.1%}")
        else:
            say(f"{e['period']}: no estimate ({e.get('note') or 'no results'})")
    say(f"wrote {r['html']} ({r['charts']} charts) and {r['xlsx']}")


@inspect_app.command("publish")
@_handled
def inspect_publish_cmd(
    data: Path = typer.Argument(..., help="Dataset directory (enterprises, for the firms' names)."),
    plans: list[Path] = typer.Option(..., "--plans", help="Plan folder(s) written by 'inspect plan' (repeat for several periods)."),
    results: Path = typer.Option(..., "--results", help="Results of the visits (enterprise_id, inspected_on, department, result; item, violation, decision, penalty when known)."),
    out: Path = typer.Option(..., "--out", help="Folder for results.csv, results.xlsx, results.html and manifest.json (public)."),
    lang: str = typer.Option("en", "--lang", help="en or zh."),
    force: bool = typer.Option(False, "--force", help="Replace an existing publication."),
):
    """Publish the results of the plans' visits (结果公示): firm, code, department, item, date, result, violation and
    decision, never inspectors, tiers, risk or inclusion probabilities."""
    from riskmodels.inspection.publish import publish_folder

    outputs(*(out / n for n in ("results.csv", "results.xlsx", "results.html", "manifest.json")), force=force)
    r = publish_folder(data, plans, results, out, settings(), lang=lang)
    say(f"published {r['rows']:,} results of visits done"
        + "".join(f"; {p['period']}: {p['done']} of {p['department_visits_planned']} planned, {p['violations']} violation(s)"
                  + (f", {p['results_not_in_plan']} result(s) not of a planned visit left out" if p["results_not_in_plan"] else "")
                  for p in r["plans"]) + f"; wrote {out}")


# --- bidder graphs ---
def _graph_dataset(directory: Path):
    from features.io.dataset import load_dataset
    from graphs.pipeline import TABLES

    return load_dataset(directory, settings(), tables=list(TABLES), require=("bids",))


@graph_app.command("build")
@_handled
def graph_build_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory (bids; enterprises, shareholders, tenders if present)."),
    out: Path = typer.Option(..., "--out", help="Graph file: .graphml or .gexf (Gephi and networkx open both)."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist.")
):
    """Combined bidder graph (co-bidding + registry and bid-metadata relations) with group and graph features on the nodes."""
    from graphs.pipeline import build_graph

    outputs(out, force=force)
    r = build_graph(_graph_dataset(directory), out, settings())
    say(f"wrote {out}: {r['nodes']:,} bidders, {r['edges']:,} edges, {r['groups']:,} groups "
        f"(build {r['build_s']:.1f}s, communities {r['communities_s']:.1f}s)")


@graph_app.command("groups")
@_handled
def graph_groups_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory (bids; enterprises, shareholders, tenders if present)."),
    out: Path = typer.Option(..., "--out", help="Ranked groups (.csv/.parquet/.xlsx): group_id, members, score, evidence, ..."),
    pictures: Optional[Path] = typer.Option(None, "--pictures", help="Directory for a PNG picture of each top group."),
    top: int = typer.Option(10, "--top", help="How many top groups get a picture."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist.")
):
    """Suspicious bidder groups: communities of the combined graph ranked by exclusivity, cohesion, wins, screens, relations."""
    from graphs.pipeline import find_groups

    outputs(out, pictures, force=force)
    r = find_groups(_graph_dataset(directory), out, settings(), pictures=pictures, top=top)
    say(f"wrote {out}: {r['groups']:,} groups, highest score first")
    for g in r["top"].itertuples(index=False):
        say(f"  #{g.group_id} score {g.score:.3f}: {g.size} firms, {g.n_joint} joint tenders, exclusivity {g.exclusivity:.2f}")
    if r["pictures"]:
        say(f"pictures: {len(r['pictures'])} PNG in {pictures}")


@graph_app.command("ego")
@_handled
def graph_ego_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory."),
    bidder: str = typer.Option(..., "--id", help="Bidder (enterprise) id at the centre."),
    out: Path = typer.Option(..., "--out", help="Ego-network file: .graphml or .gexf."),
    radius: int = typer.Option(1, "--radius", min=1, help="Steps from the centre."),
    picture: Optional[Path] = typer.Option(None, "--png", help="Also draw it to this PNG."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist.")
):
    """Ego network around one firm for a case file (co-bidders and related firms, with their groups)."""
    from graphs.pipeline import ego_graph

    outputs(out, picture, force=force)
    r = ego_graph(_graph_dataset(directory), bidder, out, radius=radius, settings=settings(), picture=picture)
    say(f"wrote {out}: {r['nodes']:,} firms, {r['edges']:,} edges around {bidder}")


@graph_app.command("features")
@_handled
def graph_features_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory."),
    out: Path = typer.Option(..., "--out", help="Feature table (.csv/.parquet/.xlsx)."),
    level: str = typer.Option("bidder", "--level", help="bidder or tender."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist.")
):
    """Graph features back to tables: per bidder (degree, exclusivity, loss share, group score) or per tender."""
    from graphs.pipeline import graph_features

    outputs(out, force=force)
    r = graph_features(_graph_dataset(directory), out, level=level, settings=settings())
    say(f"wrote {out}: {r['rows']:,} {level} rows")


# --- synthetic city ---
@data_app.command("simulate")
@_handled
def data_simulate_cmd(
    out: Path = typer.Option(..., "--out", help="Directory to write the canonical tables and truth/ into."),
    scale: str = typer.Option("tiny", "--scale", help="tiny (2,000 firms, seconds), city (77,500 firms, Pingshan-sized) or province (10x city)."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same bytes."),
    fmt: Optional[str] = typer.Option(None, "--format", help="csv or parquet (default: csv; parquet parts for province)."),
    force: bool = typer.Option(False, "--force", help="Replace tables (and truth/) already in DIR; other files there are never touched."),
):
    """Synthetic city with planted cartels, credit and inspection histories, and the ground truth in DIR/truth/."""
    from riskmodels.simulation import output_files, simulate

    fmt = fmt or ("parquet" if scale == "province" else "csv")
    outputs(*output_files(out), force=force)
    bar = None
    if sys.stderr.isatty() and not state.quiet:
        from rich.console import Console
        from rich.progress import Progress

        bar = Progress(transient=True, console=Console(stderr=True))
        bar.start()
        tasks: dict = {}

        def progress(stage, done, total):
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)
    else:
        progress = None
    try:
        r = simulate(out, scale=scale, seed=seed, fmt=fmt, settings=settings(), progress=progress)
    finally:
        if bar is not None:
            bar.stop()
    t = r["tables"]
    say(f"wrote {out} ({scale}, seed {seed}, {fmt}) in {r['seconds']:.1f}s: {t['enterprises']:,} enterprises, "
        f"{t['tenders']:,} tenders, {t['bids']:,} bids, {t['credit_events']:,} credit events, {t['inspections']:,} inspections, "
        f"{r['cartels']} planted cartels in {r['collusive_tenders']:,} tenders; ground truth in {Path(out) / 'truth'}")


@collusion_app.command("flags")
@_handled
def collusion_flags_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory (bids; enterprises, shareholders, bid_items when present)."),
    out: Path = typer.Option(..., "--out", help="Findings table (.csv, .parquet or .xlsx): code, article, tender, bidders, evidence."),
    meta: Optional[Path] = typer.Option(None, "--meta", help="Also write each flag's statistics (fences, counts) as JSON."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist.")
):
    """Rule-based red flags with evidence: legal articles (A34, A40.x, A39) and OCP codes (R022 ... R057); see [flags]."""
    from features.io.dataset import load_dataset
    from features.io.export import write_table, write_text
    from features.evidence.flags import collusion_flags, flagged_tenders

    outputs(out, meta, force=force)

    s = settings()
    ds = load_dataset(directory, s, tables=["tenders", "bids", "bid_items", "enterprises", "shareholders"])
    ds.require("bids")
    evidence, stats = collusion_flags(ds.tables, s.flags)
    write_table(evidence, out)
    if meta is not None:
        write_text(meta, json.dumps(stats, ensure_ascii=False, indent=1, default=float) + "\n")
    counts = evidence["code"].value_counts()
    say(f"wrote {out}: {len(evidence):,} findings in {len(flagged_tenders(evidence)):,} tenders"
        + ("; " + ", ".join(f"{c} {counts.get(c, 0):,}" for c in s.flags.enabled) if len(s.flags.enabled) else ""))


# --- collusion evidence I: screens and pair evidence ---
@collusion_app.command("screens")
@_handled
def collusion_screens_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory with bids (and optionally tenders)."),
    out: Path = typer.Option(..., "--out", help="Output file: .csv or .parquet (by extension)."),
    market: Optional[str] = typer.Option(None, "--market", help="tenders column defining a market (default: settings [screens] market, else region x category)."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist.")
):
    """Tender screens (cv, spd, diffp, rd, rdnor, rdalt, kurt, skew, ks), bid progressions and market-relative versions."""
    from features.io.dataset import load_dataset
    from features.io.export import write_table
    from features.partitioned import screens_on_engine

    outputs(out, force=force)

    s = settings()
    ds = load_dataset(directory, s, tables=["bids", "tenders"], require=["bids"])
    table = screens_on_engine(ds.require("bids"), ds.get("tenders"), s, market=market)
    write_table(table, out)
    say(f"screens of {len(table):,} tenders ({int(table['n_bids'].sum()):,} valid bids; "
        f"{int(table['rd'].notna().sum()):,} with 3+ bids) written to {out}")


@collusion_app.command("pairs")
@_handled
def collusion_pairs_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory with bids (and optionally bid_items)."),
    out: Path = typer.Option(..., "--out", help="Output file: .csv or .parquet (by extension)."),
    per_tender: bool = typer.Option(False, "--per-tender", help="Write one row per pair of bids in a tender instead of one per bidder pair."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist.")
):
    """Pairwise bid evidence: per bidder pair across tenders (default) or per pair of bids within a tender."""
    from features.io.dataset import load_dataset
    from features.io.export import write_table
    from features.evidence.pairs import pair_evidence

    outputs(out, force=force)

    s = settings()
    ds = load_dataset(directory, s, tables=["bids", "bid_items"], require=["bids"])
    if not per_tender:  # on the engine: the pairs of bids stay in the partitions
        from features.partitioned import pair_evidence_on_engine

        n_pairs, table = pair_evidence_on_engine(ds.require("bids"), ds.get("bid_items"), s)
        write_table(table, out)
        say(f"{len(table):,} bidder pairs (from {n_pairs:,} pairs of bids) written to {out}")
        return
    pairs, table = pair_evidence(ds.require("bids"), ds.get("bid_items"), s)
    if per_tender:
        write_table(pairs, out)
        say(f"{len(pairs):,} pairs of bids in {pairs['tender_id'].nunique():,} tenders written to {out}")
        return
    write_table(table, out)
    say(f"{len(table):,} bidder pairs (from {len(pairs):,} pairs of bids) written to {out}")


# --- collusion models: evaluate, train, score ---
@collusion_app.command("evaluate")
@_handled
def collusion_evaluate_cmd(
    directory: Path = typer.Argument(..., help="Labelled dataset directory (tenders.collusive)."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as one JSON line (the last line of stdout)."),
    min_bids: int = typer.Option(3, "--min-bids", help="Only tenders with at least this many valid bids (bid screens need 3; the same default as train)."),
    kind: str = typer.Option("full", "--features", help="full (raw + market-relative) or transfer (market-relative only)."),
    graph: bool = typer.Option(False, "--graph/--no-graph", help="Add graph features (they encode firm identity)."),
    flags: bool = typer.Option(False, "--flags/--no-flags", help="Add red-flag counts as features."),
    folds: int = typer.Option(5, "--folds", help="Folds per split."),
    seed: int = typer.Option(0, "--seed", help="Seed of the folds and the model."),
    baseline: bool = typer.Option(False, "--baseline", help="Also evaluate extra trees on the 10 textbook screens on the same folds."),
    labels: Optional[Path] = typer.Option(None, "--labels", help="Label file (tender_id, collusive), e.g. DIR/truth/tenders.csv of a simulated city; default tenders.collusive."),
    families: str = typer.Option("lightgbm,extra_trees,extra_trees_screens,logistic", "--families", help="Model families to choose from by cross-validation inside each training fold (nested); 'lightgbm' alone skips the choice."),
):
    """Honest metrics: CV grouped by tender (headline auc), bidder-held-out and time splits; see docs/evaluation.md."""
    from features.io.dataset import load_dataset
    from riskmodels.collusion.pipeline import evaluate_dataset, read_labels
    from riskmodels.collusion.evaluate import round_floats

    if min_bids < 1:
        raise InputError(f"--min-bids must be at least 1; got {min_bids}")
    if kind not in ("full", "transfer"):
        raise InputError(f"--features must be full or transfer; got {kind!r}")
    from riskmodels.collusion.families import FAMILIES

    fams = tuple(f.strip() for f in families.split(",") if f.strip())
    bad = [f for f in fams if f not in FAMILIES]
    if bad or not fams:
        raise InputError(f"--families: unknown family {', '.join(bad) or '(none given)'} (known: {', '.join(FAMILIES)})")
    s = settings()
    ds = load_dataset(directory, s, tables=["tenders", "bids", "bid_items", "enterprises", "shareholders"],
                      require=["bids"])
    r = round_floats(evaluate_dataset(ds, min_bids=min_bids, kind=kind, graph=graph, flags=flags, n_splits=folds,
                                      seed=seed, baseline=baseline, settings=s,
                                      labels=read_labels(labels) if labels else None, families=fams))
    for name, sp in r["splits"].items():
        if "skipped" in sp:
            say(f"{name:>13}: skipped ({sp['skipped']})")
        else:
            base = f", baseline auc {sp['baseline_auc']}" if sp.get("baseline_auc") is not None else ""
            chosen = ", ".join(f"{f} {k}" for f, k in sp.get("families", {}).items())
            say(f"{name:>13}: auc {sp['auc']}, average precision {sp['average_precision']}, balanced accuracy "
                f"{sp['balanced_accuracy']}, f1 {sp['f1']} ({sp['n']} tenders, {sp['positives']} collusive){base}"
                + (f"; families chosen in the folds: {chosen}" if chosen else ""))
    if "family" in r:
        say(f"model family chosen on all {r['n_tenders']} tenders by inner cross-validation: {r['family']} (inner auc "
            f"{r['inner_auc']}; " + ", ".join(f"{f} {v}" for f, v in r["inner_scores"].items()) + ")")
    out = {k: r[k] for k in ("auc", "average_precision", "balanced_accuracy", "f1")}
    out.update(splits=r["splits"], n_tenders=r["n_tenders"], positive_share=r["positive_share"], min_bids=min_bids,
               features=r["features"], **{k: r[k] for k in ("family", "inner_auc", "inner_scores") if k in r})
    if as_json:
        typer.echo(json.dumps(out))


@collusion_app.command("train")
@_handled
def collusion_train_cmd(
    directories: list[Path] = typer.Argument(..., help="One or more labelled dataset directories; each is one market."),
    model_out: Optional[Path] = typer.Option(None, "--model-out", help="Write the model here as an MLflow model directory."),
    register: Optional[str] = typer.Option(None, "--register", help="Track the run in MLflow and register the model under this name (champion if it beats the current one)."),
    experiment: str = typer.Option("collusion", "--experiment", help="MLflow experiment of the tracked run (with --register)."),
    kind: str = typer.Option("transfer", "--features", help="transfer (market-relative only, moves between markets) or full."),
    min_bids: int = typer.Option(3, "--min-bids", help="Learn only from tenders with at least this many valid bids (bid screens need 3)."),
    graph: bool = typer.Option(False, "--graph/--no-graph", help="Add graph features."),
    flags: bool = typer.Option(False, "--flags/--no-flags", help="Add red-flag counts as features."),
    seed: int = typer.Option(0, "--seed", help="Seed of the model."),
    labels: Optional[list[Path]] = typer.Option(None, "--labels", help="Label file (tender_id, collusive) per DIR, in order (e.g. DIR/truth/tenders.csv); default tenders.collusive."),
    directions: Optional[str] = typer.Option(None, "--directions", help="literature (evidence with a textbook direction only, monotone; default for transfer) or free (default for full)."),
    method: str = typer.Option("auto", "--method", help="lightgbm (calibrated boosted model), consensus (evidence that held in every training market), select (the model family with the best cross-validated auc on the training tenders: lightgbm, extra trees, logistic) or auto (with 2+ markets: lightgbm or consensus, whichever moved better between them, each held out in turn; with one market: select)."),
    verdicts: Optional[str] = typer.Option(None, "--verdicts", help="Learn from the verdicts of this case store (collusive 1, clean 0; unsure left out) instead of tenders.collusive."),
    force: bool = typer.Option(False, "--force", help="Replace the model directory --model-out if it exists."),
):
    """Train the tender model on labelled markets; save it (MLflow format) and/or track and register it."""
    from features.io.dataset import load_dataset
    from riskmodels.collusion.pipeline import read_labels, train

    if labels and verdicts:
        raise InputError("give --labels or --verdicts, not both")
    if labels and len(labels) != len(directories):
        raise InputError(f"--labels: give one label file per DIR ({len(directories)}); got {len(labels)}")
    if model_out is None and register is None:
        raise InputError("give --model-out PATH and/or --register NAME (otherwise the model would be lost)")
    if kind not in ("full", "transfer"):
        raise InputError(f"--features must be full or transfer; got {kind!r}")
    if method not in ("auto", "lightgbm", "consensus", "select"):
        raise InputError(f"--method must be auto, lightgbm, consensus or select; got {method!r}")
    outputs(model_out, force=force)
    s = settings()
    dss = [load_dataset(d, s, tables=["tenders", "bids", "bid_items", "enterprises", "shareholders"],
                        require=["bids"]) for d in directories]
    lab, extra = ([read_labels(p) for p in labels] if labels else None), {}
    if verdicts is not None:
        from riskmodels.cases.records import training_labels

        st = _open_store(verdicts, s)
        v = training_labels(st)
        lab, extra = [v] * len(dss), {"labels": "verdicts", "verdicts": int(len(v)), "verdicts_collusive": int(v["collusive"].sum())}
        say(f"learning from {len(v)} verdict(s) in {st.name} ({int(v['collusive'].sum())} collusive)")
    model, table, y, info = train(dss, kind=kind, min_bids=min_bids, graph=graph, flags=flags, seed=seed,
                                  cv=register is not None, settings=s, labels=lab, directions=directions,
                                  method=method)
    for m, res in info.get("transfer_check", {}).items():
        say(f"transfer check {m}: " + ", ".join(f"{k} auc {v:.3f}" for k, v in res.items()))
    from experiments.runner import keep_model
    from experiments.tasks import collusion_fitted

    fitted = collusion_fitted(model, table, y, info, params={
        "features": kind, "min_bids": min_bids, "graph": graph, "flags": flags, "markets": ";".join(map(str, directories)),
        **extra})
    kept = keep_model(fitted, model_out=model_out, experiment=experiment, register=register)
    _say_kept(kept, register)
    fam = (f" (family {info['family']}, inner cross-validated auc {info['inner_auc']:.3f})" if "family" in info else "")
    say(f"trained on {info['tenders']:,} tenders from {len(dss)} market(s) ({info['positive_share']:.1%} collusive), "
        f"{len(info['features'])} {kind} features, method {info['method']}{fam}")


def _say_kept(kept: dict, register: str | None) -> None:
    """Where a trained model went: its directory, and its tracked run, registered version and gate."""
    if "model_out" in kept:
        say(f"model written to {kept['model_out']}")
    if register is not None:
        m = kept.get("metrics") or {}
        auc = f"cross-validated auc {m['auc']:.3f}; " if isinstance(m.get("auc"), float) else ""
        say(f"run {kept.get('run_id')}: {auc}registered {register} version {kept.get('version')}"
            + (" (now @champion)" if kept.get("champion") else f" ({kept.get('gate_reason', '')})"))


@collusion_app.command("score")
@_handled
def collusion_score_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory to score (labels not needed)."),
    model: Optional[str] = typer.Option(None, "--model", help="Model directory or URI (models:/collusion@champion); without it, the transparent composite score."),
    out: Path = typer.Option(..., "--out", help="Scores CSV: tender_id, score, flag, reasons. The case list goes beside it."),
    top: Optional[int] = typer.Option(None, "--reasons", help="Reasons per tender (default: settings [collusion] reasons)."),
    graph: bool = typer.Option(True, "--graph/--no-graph", help="Find bidder groups for the case list."),
    flags: bool = typer.Option(True, "--flags/--no-flags", help="Compute red flags (their evidence texts become reasons)."),
    min_bids: int = typer.Option(1, "--min-bids", help="Only tenders with at least this many valid bids."),
    flag_share: Optional[float] = typer.Option(None, "--flag-share", help="With a model, on a market it was not trained on: share of the market to flag (default: settings [collusion] transfer_flag_share, 0.05)."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist.")
):
    """Score tenders with a trained model (or the composite score) and write the ranked case list (CSV + HTML)."""
    from features.io.dataset import load_dataset
    from features.io.export import write_table
    from riskmodels.collusion.caselist import case_list_paths, write_case_list
    from riskmodels.collusion.pipeline import score_dataset

    if out.suffix.lower() not in (".csv", ".parquet", ".xlsx"):
        raise InputError(f"{out}: unsupported output format '{out.suffix}' (use .csv, .parquet or .xlsx)")
    outputs(out, *case_list_paths(out).values(), force=force)
    s = settings()
    est = None
    if model is not None:
        from experiments.tracking import load_model

        est = load_model(model, kind="collusion", allowed_hosts=s.models.allowed_hosts)
    ds = load_dataset(directory, s, tables=["tenders", "bids", "bid_items", "enterprises", "shareholders"],
                      require=["bids"])
    if flag_share is not None and not 0 < flag_share < 1:
        raise InputError(f"--flag-share must lie strictly between 0 and 1; got {flag_share}")
    r = score_dataset(ds, est, top=top, graph=graph, flags=flags, min_bids=min_bids, settings=s,
                      transfer_share=flag_share)
    if r.get("built"):
        say(f"note: the model uses features of the {' and '.join(r['built'])}, which --no-graph/--no-flags leave out; "
            "built them for the model anyway")
    for w in r["warnings"]:
        say(f"warning: {w}")
    for n in r["notes"]:
        say(n)
    write_table(r["scores"], out)
    used = ", ".join(["screens", "pair evidence"] + (["red flags"] if flags else []) + (["bidder graph"] if graph else []))
    how = f"model {model}" if model else f"composite score of {used} (no model given)"
    paths = write_case_list(r["cases"], r["groups"], out, title=f"Collusion case list: {directory}", note=f"Scored by {how}.")
    say(f"scored {len(r['scores']):,} tenders ({int(r['scores']['flag'].sum()):,} flagged) with the {how}; "
        f"wrote {out}, case list {paths['cases']}, groups {paths['groups']}, page {paths['html']}")


class Lang(str, Enum):
    en = "en"
    zh = "zh"


@collusion_app.command("report")
@_handled
def collusion_report_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory (bids; tenders, enterprises, shareholders, bid_items when present)."),
    out: Path = typer.Option(..., "--out", help="Report folder to write (index.html, tenders/, groups/, firms/)."),
    model: Optional[str] = typer.Option(None, "--model", help="Model directory or URI (models:/collusion@champion); without it, the composite score."),
    scores: Optional[Path] = typer.Option(None, "--scores", help="Scores CSV already written by 'collusion score' (tender_id, score, flag, reasons): nothing is scored again."),
    lang: Optional[Lang] = typer.Option(None, "--lang", help="Language of the labels (default: settings [report] lang, en)."),
    tiers: Optional[Path] = typer.Option(None, "--tiers", help="Tiers file from 'credit tier': each firm page shows the firm's credit tier."),
    profiles: Optional[Path] = typer.Option(None, "--profiles", help="Folder of 'credit profile --ids' pages: firm pages link to them."),
    force: bool = typer.Option(False, "--force", help="Replace an existing report folder."),
):
    """The investigator's offline case file: index.html (start here) and a linked page per tender case, bidder group and firm."""
    from features.io.dataset import load_dataset
    from features.io.side_tables import read_side_table
    from riskmodels.report.casefile import collusion_report, read_scores

    if model is not None and scores is not None:
        raise InputError("give --model or --scores, not both (--scores are already scored)")
    s = settings()
    sc = read_scores(scores) if scores is not None else None
    est = None
    if model is not None:
        from experiments.tracking import load_model

        est = load_model(model, kind="collusion", allowed_hosts=s.models.allowed_hosts)
    ds = load_dataset(directory, s, tables=["tenders", "bids", "bid_items", "enterprises", "shareholders"],
                      require=["bids"])
    r = collusion_report(ds, out, est, method=model or "", scores=sc, scores_file=str(scores or ""), settings=s,
                         lang=lang.value if lang else None, force=force, profiles=profiles,
                         tiers=read_side_table(tiers, ("enterprise_id", "tier")) if tiers else None)
    say(f"wrote {out / 'index.html'} ({r['lang']}): {r['tender_pages']:,} tender, {r['group_pages']:,} group and "
        f"{r['firm_pages']:,} firm pages for {r['tenders']:,} tenders and {r['groups']:,} groups "
        f"(evidence {r['evidence_s']:.1f}s, pages {r['pages_s']:.1f}s)")


# --- enterprise credit: features, model, tiers ---
_CREDIT_TABLES = ["credit_events", "inspections", "enterprises", "shareholders", "bids", "tenders", "credit_labels"]


def _credit_side_tables(collusion_scores: Optional[Path], groups: Optional[Path]):
    from features.io.side_tables import read_side_table
    from riskmodels.credit.pipeline import group_members_table

    return (read_side_table(collusion_scores, ("tender_id", "score")) if collusion_scores else None,
            group_members_table(read_side_table(groups, ("group_id",)), str(groups)) if groups else None)


def _scoring_side_tables(model, directory: Path, collusion_scores: Optional[Path], groups: Optional[Path]):
    """The side tables a credit model needs: given ones read, missing ones built as in training (exit 2 if impossible)."""
    from experiments.tasks import tiering_side_tables

    scores, members = _credit_side_tables(collusion_scores, groups)
    return tiering_side_tables(model, directory, settings(), collusion_scores=scores, group_members=members, log=say)


@credit_app.command("train")
@_handled
def credit_train_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory with credit_labels (enterprise_id, as_of, label) and the records."),
    model_out: Optional[Path] = typer.Option(None, "--model-out", help="Write the model here as an MLflow model directory."),
    register: Optional[str] = typer.Option(None, "--register", help="Track the run in MLflow and register the model under this name (champion if it beats the current one)."),
    experiment: str = typer.Option("credit", "--experiment", help="MLflow experiment of the tracked run (with --register)."),
    collusion_scores: Optional[Path] = typer.Option(None, "--collusion-scores", help="Tender scores CSV (tender_id, score) from 'collusion score': bidding features."),
    groups: Optional[Path] = typer.Option(None, "--groups", help="Suspicious bidder groups as 'graph groups' writes them (group_id, members) or enterprise_id/bidder_id, group_id rows."),
    force: bool = typer.Option(False, "--force", help="Replace the model directory --model-out if it exists."),
):
    """Train the calibrated credit model on point-in-time features as of each labelled date."""
    from features.io.dataset import load_dataset
    from riskmodels.credit import train_dataset

    if model_out is None and register is None:
        raise InputError("give --model-out PATH and/or --register NAME (otherwise the model would be lost)")
    outputs(model_out, force=force)
    s = settings()
    scores, members = _credit_side_tables(collusion_scores, groups)
    ds = load_dataset(directory, s, tables=_CREDIT_TABLES, require=["credit_labels"])
    side = {"collusion_scores": {"file": str(collusion_scores)}, "groups": {"file": str(groups)}}
    fit = train_dataset(ds, s, collusion_scores=scores, group_members=members, progress=progress_line, side_inputs=side)
    from experiments.runner import keep_model
    from experiments.tasks import credit_fitted

    kept = keep_model(credit_fitted(fit), model_out=model_out, experiment=experiment, register=register)
    _say_kept(kept, register)
    m = fit.metrics
    say(f"trained on {m['rows']:,} labelled rows ({m['bad_rate']:.1%} bad), {m['features']} features; held-out auc "
        f"{m['auc']:.3f}, ks {m['ks']:.3f}, brier {m['brier']:.4f}; bad rate by tier "
        + ", ".join(f"{t} {v['bad_rate']:.1%}" for t, v in m["tiers"].items() if v["bad_rate"] is not None))


@credit_app.command("tier")
@_handled
def credit_tier_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory (enterprises and their credit, inspection and bid records)."),
    model: str = typer.Option(..., "--model", help="Model directory (from --model-out) or URI such as models:/credit@champion."),
    out: Path = typer.Option(..., "--out", help="Tiers file (.csv, .parquet or .xlsx): enterprise_id, tier, probability, reasons, override."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Tier as of this date (YYYY-MM-DD); default the day after the latest record."),
    previous: Optional[Path] = typer.Option(None, "--previous", help="Previous tiers file (enterprise_id, tier): damping and the migration matrix."),
    collusion_scores: Optional[Path] = typer.Option(None, "--collusion-scores", help="Tender scores CSV (tender_id, score); default: scored with the collusion model the credit model records."),
    groups: Optional[Path] = typer.Option(None, "--groups", help="Suspicious bidder groups as 'graph groups' writes them (or enterprise_id, group_id rows); default: computed as in training."),
    cases: Optional[str] = typer.Option(None, "--cases", help="Case store (SQLite file or database URL): firms named in a collusive verdict are tier D."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist.")
):
    """Grade every enterprise A-D with its probability, reasons in words and any hard override."""
    from experiments.tracking import load_model
    from features.io.dataset import load_dataset
    from features.io.export import write_table
    from riskmodels.credit import tier_dataset
    from features.io.side_tables import parse_day, read_side_table

    import pandas as pd

    outputs(out, force=force)
    s = settings()
    when = parse_day(as_of, "--as-of") if as_of else None
    prev = read_side_table(previous, ("enterprise_id", "tier")) if previous else None
    est = load_model(model, kind="credit", allowed_hosts=s.models.allowed_hosts)
    scores, members = _scoring_side_tables(est, directory, collusion_scores, groups)
    ds = load_dataset(directory, s, tables=[t for t in _CREDIT_TABLES if t != "credit_labels"], require=["enterprises"])
    tiers = tier_dataset(est, ds, s, as_of=when, previous=prev, collusion_scores=scores, group_members=members, cases=cases)
    write_table(tiers, out)
    counts = tiers["tier"].value_counts()
    n_over = int((tiers["override"] != "").sum())
    say(f"tiered {len(tiers):,} enterprises as of {tiers['as_of'].iloc[0]}: "
        + ", ".join(f"{t} {int(counts.get(t, 0)):,}" for t in "ABCD") + f"; {n_over:,} overridden; wrote {out}")
    if prev is not None:
        from riskmodels.credit.monitor import migration_matrix, psi

        say("tier migration (rows previous, columns current):\n" + migration_matrix(tiers["previous_tier"], tiers["tier"]).to_string())
        if "probability" in prev.columns:
            say(f"PSI of the probability against the previous tiers: "
                f"{psi(pd.to_numeric(prev['probability'], errors='coerce'), tiers['probability']):.4f}")


@credit_app.command("lists")
@_handled
def credit_lists_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory (credit_events, inspections, enterprises)."),
    tiers: Path = typer.Option(..., "--tiers", help="Tiers file from 'credit tier' (enterprise_id, tier, as_of)."),
    out: Path = typer.Option(..., "--out", help="Folder for red.csv, black.csv (+ .xlsx) and manifest.json."),
    decisions: Optional[Path] = typer.Option(None, "--decisions", help="Manual decisions: enterprise_id, list (red|black|none), reason."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="The day the lists speak for (default: the tiers' as_of)."),
    cases: Optional[str] = typer.Option(None, "--cases", help="Case store (SQLite file or database URL): firms named in a collusive verdict are black-listed."),
    collusion_scores: Optional[Path] = typer.Option(None, "--collusion-scores", help="Tender scores (tender_id, score, flag): firms suspected in flagged tenders, not confirmed, go to suspects.csv, a triggers file for 'inspect plan --triggers' (targeted visits labelled as suspicions; tiers unchanged)."),
    lang: str = typer.Option("en", "--lang", help="Language of the rules, evidence and workbook headers: en or zh."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing list files."),
):
    """Red and black lists with the rule each firm meets (rules in [lists] of the settings; docs/credit.md)."""
    import os

    from features.io.dataset import load_dataset
    from features.io.export import write_table, write_text
    from features.io.sheets import write_workbook
    from riskmodels.credit.lists import build_lists, lists_manifest
    from features.io.side_tables import check_lang, parse_day, read_side_table

    s = settings()
    t = read_side_table(tiers, ("enterprise_id", "tier"))
    dec = read_side_table(decisions, ("enterprise_id", "list")) if decisions else None
    ds = load_dataset(directory, s, tables=["credit_events", "inspections", "enterprises"] + (["bids"] if collusion_scores else []),
                      require=["enterprises"])
    when = parse_day(as_of, "--as-of") if as_of else None
    red, black, day = build_lists(t, ds.get("credit_events"), ds.get("inspections"), ds.get("enterprises"), s, dec, when,
                                  cases=cases, lang=check_lang(lang))
    files = [out / f for f in ("red.csv", "black.csv", "red.xlsx", "black.xlsx", "manifest.json")]
    outputs(*files, *([out / "suspects.csv"] if collusion_scores else []), force=force)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in (("red", red), ("black", black)):
        write_table(df, out / f"{name}.csv")
        write_workbook(out / f"{name}.xlsx", {name: df})
    if collusion_scores:
        from riskmodels.credit.collusion_facts import suspects_table

        sus = suspects_table(read_side_table(collusion_scores, ("tender_id", "score")), ds.get("bids"), cases, lang)
        write_table(sus, out / "suspects.csv")
        say(f"{len(sus):,} firm(s) under open suspicion of collusion (not confirmed): {out / 'suspects.csv'} "
            "(pass it to 'inspect plan --triggers' for targeted visits)")
    day = day.date().isoformat()
    rel = lambda p: Path(os.path.relpath(Path(p).resolve(), out.resolve())).as_posix()  # noqa: E731
    m = lists_manifest(red, black, s, day, {"dataset": rel(directory), "tiers": rel(tiers),
                                             "decisions": rel(decisions) if decisions else None})
    write_text(out / "manifest.json", json.dumps(m, indent=2, ensure_ascii=False) + "\n")
    rules = lambda df: ", ".join(f"{k} {v}" for k, v in df["rule"].value_counts().items()) or "none"  # noqa: E731
    say(f"as of {day}: red list {len(red):,} ({rules(red)}); black list {len(black):,} ({rules(black)}); wrote {out}")


@credit_app.command("profile")
@_handled
def credit_profile_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory (enterprises; credit_events, inspections, bids, shareholders)."),
    tiers: Path = typer.Option(..., "--tiers", help="Tiers file from 'credit tier'."),
    out: Path = typer.Option(..., "--out", help="The page (FILE.html) with --id; a folder (one page per firm + index.html) with --ids."),
    eid: Optional[str] = typer.Option(None, "--id", help="One enterprise (unified social credit code)."),
    ids: Optional[Path] = typer.Option(None, "--ids", help="A file of enterprise ids (CSV with enterprise_id, or one id a line)."),
    lang: str = typer.Option("en", "--lang", help="en or zh."),
    groups: Optional[Path] = typer.Option(None, "--groups", help="Suspicious bidder groups as 'graph groups' writes them."),
    collusion_scores: Optional[Path] = typer.Option(None, "--collusion-scores", help="Tender scores from 'collusion score' (tender_id, score, flag, reasons)."),
    history: Optional[list[Path]] = typer.Option(None, "--history", help="Earlier tiers files, for the tier history (repeatable)."),
    report: Optional[Path] = typer.Option(None, "--report", help="A collusion case file folder ('collusion report --out'): link the firm's pages there."),
    cases: Optional[str] = typer.Option(None, "--cases", help="Case store (SQLite file or database URL): name the firm's confirmed collusion verdicts."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing pages."),
):
    """Enterprise profile and electronic credit report: a static, printable HTML page per firm (en or zh)."""
    from features.io.dataset import load_dataset
    from features.io.side_tables import check_lang, read_side_table
    from riskmodels.credit.profile import ProfileData, enterprise_profile, render_profile, write_page, write_profiles

    check_lang(lang)
    if (eid is None) == (ids is None):
        raise InputError("give exactly one of --id ID (one page) or --ids FILE (a folder of pages)")
    s = settings()
    t = read_side_table(tiers, ("enterprise_id", "tier"))
    g = read_side_table(groups, ("group_id", "members")) if groups else None
    sc = read_side_table(collusion_scores, ("tender_id", "score")) if collusion_scores else None
    hist = [read_side_table(h, ("enterprise_id", "tier")) for h in (history or [])]
    ds = load_dataset(directory, s, tables=["enterprises", "credit_events", "inspections", "bids", "shareholders"],
                      require=["enterprises"])
    data = ProfileData(ds, t, s, groups=g, scores=sc, history=hist, report=report, cases=cases)
    if eid is not None:
        outputs(out, force=force)
        p = enterprise_profile(data, eid, lang, page_dir=out.parent)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_page(out, render_profile(p))
        say(f"{p['name']} ({p['eid']}): tier {p['tier'] or '-'}; {p['n_events']}, {p['n_inspections']}; wrote {out}")
        return
    if ids.suffix.lower() in (".csv", ".parquet", ".xlsx"):
        want = read_side_table(ids, ("enterprise_id",))["enterprise_id"].astype(str).str.strip().tolist()
    else:
        want = [x.strip() for x in ids.read_text(encoding="utf-8-sig").splitlines() if x.strip()]
    if not want:
        raise InputError(f"{ids}: no enterprise id in it")
    outputs(out / "index.html", force=force)
    entries = write_profiles(data, want, out, lang, force=force)
    say(f"wrote {len(entries):,} profiles and index.html to {out}")


@credit_app.command("monitor")
@_handled
def credit_monitor_cmd(
    directory: Path = typer.Argument(..., help="Dataset directory (enterprises and their records; credit_labels for performance)."),
    model: str = typer.Option(..., "--model", help="Model directory (from --model-out) or URI such as models:/credit@champion."),
    reference_as_of: str = typer.Option(..., "--reference-as-of", help="The reference period's date (YYYY-MM-DD), e.g. when the model was trained."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="The current date (YYYY-MM-DD); default the day after the latest record."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the report: stability.csv, migration.csv, calibration.csv, summary.json."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON line (the last line of stdout)."),
    collusion_scores: Optional[Path] = typer.Option(None, "--collusion-scores", help="Tender scores CSV (tender_id, score); default: scored with the collusion model the credit model records."),
    groups: Optional[Path] = typer.Option(None, "--groups", help="Suspicious bidder groups as 'graph groups' writes them (or enterprise_id, group_id rows); default: computed as in training."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist.")
):
    """Monitor a credit model between two dates: PSI of the score and of every feature, tier migration, and KS / AUC /
    Gini / Brier / calibration on the credit_labels dated in between."""
    from experiments.tracking import load_model
    from features.io.dataset import load_dataset
    from features.io.side_tables import parse_day
    from riskmodels.credit.pipeline import monitor_dataset

    if out is not None:
        outputs(*(out / n for n in ("stability.csv", "migration.csv", "calibration.csv", "summary.json")), force=force)
    s = settings()
    ref = parse_day(reference_as_of, "--reference-as-of")
    when = parse_day(as_of, "--as-of") if as_of else None
    est = load_model(model, kind="credit", allowed_hosts=s.models.allowed_hosts)
    scores, members = _scoring_side_tables(est, directory, collusion_scores, groups)
    ds = load_dataset(directory, s, tables=_CREDIT_TABLES, require=["enterprises"])
    m = monitor_dataset(est, ds, s, reference_as_of=ref, as_of=when, collusion_scores=scores, group_members=members)
    r = m.summary
    say(f"{r['enterprises']:,} enterprises scored as of {r['reference_as_of']} and {r['as_of']}: PSI of the probability "
        f"{r['score_psi']:.4f}; {len(r['features_shifted'])} feature(s) shifted (PSI > 0.25)"
        + (f": {', '.join(r['features_shifted'][:8])}" if r["features_shifted"] else "")
        + (f" ({len(r['clock_features_shifted'])} of them time since an event or age, which move with the calendar)"
           if r["clock_features_shifted"] else "")
        + f"; {len(r['features_watch'])} to watch (0.1-0.25); {r['same_tier_share']:.1%} keep their tier")
    say("tier migration (rows reference, columns current):\n" + m.migration.to_string())
    perf = r["performance"]
    if perf:
        say(f"on {perf['labels']:,} labels dated {r['reference_as_of']} to {r['as_of']} ({perf['bad_rate']:.1%} bad): "
            f"auc {perf['auc']:.4f}, gini {perf['gini']:.4f}, ks {perf['ks']:.4f}, brier {perf['brier']:.4f} "
            "(optimistic where the model learned from these labels)")
    else:
        say("no credit_labels dated in the period with both classes: no discrimination or calibration figures")
    if out is not None:
        say(f"report written to {m.write(out)}")
    if as_json:
        typer.echo(json.dumps(r))


@credit_app.command("evaluate")
@_handled
def credit_evaluate_cmd(
    table: Path = typer.Argument(..., help="Labelled table, CSV or ARFF (missing values '?' or empty)."),
    target: str = typer.Option(..., "--target", help="Target column; 1 = bad (see --positive)."),
    positive: Optional[str] = typer.Option(None, "--positive", help="The target value that means bad (default: 'bad'-like words, the larger number, else the minority class)."),
    folds: Optional[int] = typer.Option(None, "--folds", help="Cross-validation folds (default [credit] folds)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the folds (default [credit] seed)."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as one JSON line (the last line of stdout)."),
    group: Optional[str] = typer.Option(None, "--group", help="Column whose rows stay in one fold (e.g. the firm of panel rows); not a feature."),
):
    """Cross-validated AUC, KS, Brier and bad rate per tier of the credit model on any labelled table."""
    from riskmodels.credit.evaluate import cross_validate, read_labelled_table

    s = settings()
    X, y, info = read_labelled_table(table, target, positive, group=group)
    say(f"{table}: {info['rows']:,} rows, {info['features']} features, target '{target}' = {info['bad_value']!r} read as bad "
        f"({info['bad_rate']:.1%})" + (f"; {info['dropped_missing_target']} rows without a target left out"
                                       if info["dropped_missing_target"] else ""))
    if info["date_columns"] or info["identifier_columns"]:
        say("; ".join(x for x in (info["date_columns"] and f"read as dates (days): {', '.join(info['date_columns'])}",
                                  info["identifier_columns"] and "left out as identifiers (a different value in every row): "
                                  + ", ".join(info["identifier_columns"])) if x))
    ev = cross_validate(X, y, s, folds=folds, seed=seed, progress=progress_line, groups=info["groups"])
    m = ev.metrics
    if m.get("duplicate_rows"):
        say(f"{m['duplicate_rows']} rows repeat an earlier row in every feature: each is kept in its twin's fold")
    if m.get("groups"):
        say(f"{m['groups']:,} groups of '{group}', each kept in one fold")
    say(f"out-of-fold ({m['folds']} folds): auc {m['auc']:.4f}, gini {m['gini']:.4f}, ks {m['ks']:.4f}, brier {m['brier']:.4f}")
    say("bad rate by tier: " + ", ".join(f"{t} {v['bad_rate']:.1%} (n {v['n']})" for t, v in m["tiers"].items()
                                         if v["bad_rate"] is not None))
    if as_json:
        out = {"auc": round(m["auc"], 6), "ks": round(m["ks"], 6), "brier": round(m["brier"], 6), "tiers": m["tiers"],
               "gini": round(m["gini"], 6), "folds": m["folds"], "rows": m["rows"]}
        typer.echo(json.dumps(out))


# --- the investigator's loop: the case store, verdicts, the review queue, early warnings ---
_STORE_HELP = "Case store: a SQLite file or a postgresql:// URL (default: settings [cases] store, else ~/.riskmodels/cases.db)."
_BID_TABLES = ["tenders", "bids", "bid_items", "enterprises", "shareholders"]


def _open_store(store: Optional[str], s):
    from riskmodels.cases.store import open_store

    st = open_store(store or s.cases.store or None)
    progress_line(f"case store: {st.name}")
    return st


@cases_app.command("verdict")
@_handled
def cases_verdict_cmd(
    directory: Path = typer.Argument(..., help="Dataset the judged tenders come from (their bids and traces are kept with the verdicts)."),
    store: Optional[str] = typer.Option(None, "--store", help=_STORE_HELP),
    verdicts: Optional[Path] = typer.Option(None, "--verdicts", help="Verdict file: tender_id, verdict (collusive|clean|unsure), by, note, firms (optional, ';'-separated)."),
    tender: Optional[str] = typer.Option(None, "--tender", help="One tender's verdict instead of a file (with --verdict, --by)."),
    verdict: Optional[str] = typer.Option(None, "--verdict", help="collusive, clean or unsure (with --tender)."),
    by: Optional[str] = typer.Option(None, "--by", help="Who reached the verdict (with --tender)."),
    note: str = typer.Option("", "--note", help="The verdict's note (with --tender)."),
    firms: str = typer.Option("", "--firms", help="Firms found colluding, ';'-separated (with --tender; default: every valid bidder)."),
):
    """Record investigators' verdicts in the case store; a later verdict on a tender supersedes the earlier one, both kept."""
    from features.io.dataset import load_dataset
    from riskmodels.cases.verdicts import one_verdict, read_verdict_file, record_verdicts

    if (verdicts is None) == (tender is None):
        raise InputError("give --verdicts FILE, or --tender T with --verdict V and --by NAME (one of the two)")
    if tender is not None and (verdict is None or by is None):
        raise InputError("--tender needs --verdict (collusive, clean or unsure) and --by NAME")
    v = read_verdict_file(verdicts) if verdicts is not None else one_verdict(tender, verdict, by, note, firms)
    s = settings()
    st = _open_store(store, s)
    ds = load_dataset(directory, s, tables=["tenders", "bids", "bid_items"], require=["bids"])
    r = record_verdicts(st, ds, v, str(verdicts or "--tender"))
    say(f"recorded {r['recorded']} verdict(s) (" + ", ".join(f"{k} {n}" for k, n in sorted(r["by_verdict"].items()))
        + f"; {r['firms_named']} firm(s) named)" + (f"; {r['superseded']} supersede an earlier verdict" if r["superseded"] else ""))


@cases_app.command("queue")
@_handled
def cases_queue_cmd(
    directory: Path = typer.Argument(..., help="Dataset whose tenders are to be reviewed."),
    store: Optional[str] = typer.Option(None, "--store", help=_STORE_HELP),
    budget: int = typer.Option(..., "--budget", help="How many tenders to review next."),
    out: Path = typer.Option(..., "--out", help="Queue CSV: tender_id, rank, score, no_model_score, why, reasons."),
    force: bool = typer.Option(False, "--force", help="Replace OUT if it exists."),
):
    """The next tenders to review, never one already judged: the no-model score, then learning from the verdicts."""
    from features.io.dataset import load_dataset
    from riskmodels.cases.queue import queue_to_file

    outputs(out, force=force)
    s = settings()
    st = _open_store(store, s)
    ds = load_dataset(directory, s, tables=_BID_TABLES, require=["bids"])
    r = queue_to_file(ds, st, budget, out, s)
    say(f"queued {r['queued']} of {r['available']:,} tenders not yet judged ({r['judged']:,} judged); ranked by {r['why']}; "
        f"wrote {out}")


@cases_app.command("warn")
@_handled
def cases_warn_cmd(
    directory: Path = typer.Argument(..., help="New tenders (tenders, bids; other tables whole)."),
    store: Optional[str] = typer.Option(None, "--store", help=_STORE_HELP),
    out: Path = typer.Option(..., "--out", help="Warnings not raised before: warning_id, tender_id, kind, firms, reason."),
    black: Optional[Path] = typer.Option(None, "--black", help="Black list (enterprise_id), e.g. the black.csv of 'credit lists'."),
    model: Optional[str] = typer.Option(None, "--model", help="Score the new tenders with this model instead of the no-model score against the kept history."),
    share: Optional[float] = typer.Option(None, "--share", help="Share of the new tenders warned by score (default: settings [cases] warn_share)."),
    force: bool = typer.Option(False, "--force", help="Replace OUT if it exists."),
):
    """Early warnings on new tenders: confirmed groups bidding again, traces of confirmed cases, black-listed firms, top scores."""
    from features.io.dataset import load_dataset
    from riskmodels.cases.early_warning import warn_to_file

    outputs(out, force=force)
    s = settings()
    st = _open_store(store, s)
    est = None
    if model is not None:
        from experiments.tracking import load_model

        est = load_model(model, kind="collusion", allowed_hosts=s.models.allowed_hosts)
    ds = load_dataset(directory, s, tables=_BID_TABLES, require=["bids"])
    r = warn_to_file(ds, st, out, black_file=black, model=est, share=share if share is not None else s.cases.warn_share,
                     settings=s)
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(r["by_kind"].items())) or "none"
    say(f"{r['new']} new warning(s) on {r['tenders']:,} tenders ({kinds}); {r['already']} raised before and not repeated; "
        f"scored by {r['scored_by']}; wrote {out}")


@cases_app.command("list")
@_handled
def cases_list_cmd(
    store: Optional[str] = typer.Option(None, "--store", help=_STORE_HELP),
    tender: Optional[list[str]] = typer.Option(None, "--tender", help="Only these tenders' history."),
    limit: int = typer.Option(20, "--limit", help="Verdicts shown, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as one JSON line (the last line of stdout)."),
):
    """What the case store holds: counts, then the latest verdicts (superseded ones marked)."""
    from riskmodels.cases.records import history_table

    st = _open_store(store, settings())
    c = st.summary()
    typer.echo(f"{c['store']} (schema {c['schema_version']}): {c['verdicts']} verdict(s) on {c['tenders_judged']} tender(s), "
               f"{c['superseded']} superseded; current " + (", ".join(f"{k} {n}" for k, n in sorted(c["current"].items())) or "none")
               + f"; {c['warnings']} warning(s)")
    for r in history_table(st, tender, limit).itertuples(index=False):
        typer.echo(f"  {r.decided_at[:19]}  {r.tender_id:<16} {r.verdict:<9} by {r.by}{'' if r.current else '  (superseded)'}"
                   + (f"  firms {r.firms}" if r.firms else "") + (f"  - {r.note}" if r.note else ""))
    if as_json:
        typer.echo(json.dumps(c, ensure_ascii=False))


@cases_app.command("export")
@_handled
def cases_export_cmd(
    store: Optional[str] = typer.Option(None, "--store", help=_STORE_HELP),
    out: Path = typer.Option(..., "--out", help="Labels file (CSV, XLSX or Parquet): tender_id, collusive, verdict, by, decided_at, note, firms."),
    force: bool = typer.Option(False, "--force", help="Replace OUT if it exists."),
):
    """Write the store's labels: each judged tender's current verdict (usable as `collusion train --labels`)."""
    from riskmodels.cases.records import export_labels

    outputs(out, force=force)
    r = export_labels(_open_store(store, settings()), out)
    say(f"wrote {r['tenders']} labelled tender(s) to {out} (collusive {r['collusive']}, clean {r['clean']}, unsure {r['unsure']})")
