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
from pathlib import Path
from typing import Optional

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # LightGBM threads must not spin on a shared 2-core machine (STACK.md)
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import typer

from features.errors import InputError

app = typer.Typer(help="Find collusive bidding, grade enterprise credit and plan double-random inspections.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
data_app = typer.Typer(help="Load, validate, simulate and import datasets.", no_args_is_help=True)
import_app = typer.Typer(help="Convert outside datasets into canonical tables.", no_args_is_help=True)
collusion_app = typer.Typer(help="Collusion evidence, models and case lists.", no_args_is_help=True)
graph_app = typer.Typer(help="Bidder graphs, suspicious groups and exports.", no_args_is_help=True)
credit_app = typer.Typer(help="Enterprise credit models and A-D tiers.", no_args_is_help=True)
inspect_app = typer.Typer(help="Tier-driven double-random inspection plans.", no_args_is_help=True)
ocds_app = typer.Typer(help="Open Contracting (OCDS) red-flag indicators, Cardinal-compatible.", no_args_is_help=True)
experiments_app = typer.Typer(help="Experiment specs, tracked runs and model promotion (MLflow).", no_args_is_help=True)
app.add_typer(data_app, name="data")
data_app.add_typer(import_app, name="import")
app.add_typer(collusion_app, name="collusion")
app.add_typer(graph_app, name="graph")
app.add_typer(credit_app, name="credit")
app.add_typer(inspect_app, name="inspect")
app.add_typer(ocds_app, name="ocds")
app.add_typer(experiments_app, name="experiments")


class _State:
    verbose = False
    settings_path: Optional[Path] = None


state = _State()


class NotBuiltYet(Exception):
    """A command whose implementation belongs to an open issue."""


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
            raise typer.Exit(2)
        except NotBuiltYet as e:
            typer.echo(f"not built yet: {e}", err=True)
            raise typer.Exit(1)
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130)
        except Exception as e:  # noqa: BLE001 - the one place that turns the unexpected into exit 1
            if state.verbose:
                traceback.print_exc()
            else:
                typer.echo(f"unexpected error: {type(e).__name__}: {e} (run with --verbose for the traceback)", err=True)
            raise typer.Exit(1)

    return wrapper


def settings():
    """The settings for this invocation (`--settings FILE`, else ./riskmodels.toml, else defaults)."""
    from features.settings import load_settings

    return load_settings(state.settings_path)


def say(msg: str) -> None:
    """A human message on stderr."""
    typer.echo(msg, err=True)


@app.callback()
def main(
    settings_file: Optional[Path] = typer.Option(None, "--settings", help="Settings TOML (default: ./riskmodels.toml if present)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks of unexpected errors."),
):
    """riskmodels: collusion detection, credit tiers and inspection planning."""
    state.verbose = verbose
    state.settings_path = settings_file


@app.command("init")
@_handled
def init_cmd(path: Path = typer.Argument(Path("riskmodels.toml"), help="Where to write the settings file."),
             force: bool = typer.Option(False, "--force", help="Overwrite an existing file.")):
    """Write the commented default settings file."""
    from features.settings import default_settings_text

    if path.exists() and not force:
        raise InputError(f"{path}: already exists (use --force to overwrite)")
    path.write_text(default_settings_text(), encoding="utf-8")
    say(f"wrote {path}")
