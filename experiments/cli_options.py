"""What the command line shares besides its commands: the option vocabulary (`Opt`, `Arg`, `Dir`, `Out`, `Force` and the
options several commands take, declared once), how its help reads (`plain_help`: plain wrapped text, choices shown,
arguments by NAME), the example line at the end of every command's help (`add_examples`) and `--version`
(`print_version`). `cli.py` imports these and keeps only the commands."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperArgument, TyperOption


def plain_help() -> None:
    """Help as plain, wrapped text (the apps use rich_markup_mode=None): readable at 80 columns, where Rich's boxed panels
    cut defaults and choices; with Rich markup on, "[flags]" or "[report]" (settings sections) would vanish as tags.
    A switch takes no value: its type ("<bool>") is not shown beside it as if it did; a choice shows its choices
    (Literal annotations: <full|transfer>), a repeated value its type and "..." (<path>...), an argument its NAME (not
    {name})."""
    shown = {TyperOption: TyperOption.display_type_rich, TyperArgument: TyperArgument.display_type_rich}
    if getattr(TyperOption.display_type_rich, "plain", False):
        return

    def shown_type(self, ctx):
        if getattr(self, "is_flag", False):
            return None
        t = shown[TyperOption if isinstance(self, TyperOption) else TyperArgument](self, ctx) or ""
        return f"<{t[6:-2].lower()}>..." if t.startswith("<list[") else t or None

    shown_type.plain = True
    TyperOption.display_type_rich = shown_type
    TyperArgument.display_type_rich = shown_type
    TyperArgument._usage_display_name = lambda self: ((self.display_name_raw.upper() if self.required
                                                       else f"[{self.display_name_raw.upper()}]")
                                                      + ("..." if self.nargs != 1 else ""))


def print_version(value: bool) -> None:
    """`--version`: the installed package's version, then exit."""
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("riskmodels")
        except PackageNotFoundError:
            v = "unknown (not installed)"
        typer.echo(f"riskmodels {v}")
        raise typer.Exit()


def add_examples(group: typer.Typer, prefix: str = "") -> None:
    """Every command's help ends with its example line (`riskmodels.examples`)."""
    import inspect

    from riskmodels.examples import with_example

    group.info.help = with_example(prefix.strip(), group.info.help)
    for c in group.registered_commands:
        c.help = with_example(prefix + (c.name or c.callback.__name__), c.help or inspect.getdoc(c.callback))
    for g in group.registered_groups:
        add_examples(g.typer_instance, f"{prefix}{g.name} ")


Lang = Enum("Lang", {"en": "en", "zh": "zh"}, type=str)  # a language of the labels and pages

def Opt(kind, flags: str, help: str, **kw) -> type:
    """An option of type `kind` named by `flags` ("--long -s")."""
    return Annotated[kind, typer.Option(*flags.split(), help=help, **kw)]

def Arg(kind, help: str) -> type:
    return Annotated[kind, typer.Argument(help=help)]

def Dir(help: str = "Dataset directory of canonical tables (NAME.csv / NAME.parquet).") -> type:
    return Arg(Path, help)

def Out(help: str) -> type:
    return Opt(Path, "--out", help)

def Force(help: str = "Replace output files that already exist.") -> type:
    return Opt(bool, "--force", help)


Json = Opt(bool, "--json", "Print the result as one JSON line (the last line of stdout).")
LangOpt = Opt(Lang, "--lang", "Language of the page.")
Seed = Opt(int, "--seed", "Seed of the folds and the model.")
MinBids = Opt(int, "--min-bids", "Only tenders with at least this many valid bids (bid screens need 3).")
Graph = Opt(bool, "--graph/--no-graph", "Add graph features (they encode firm identity).")
Flags = Opt(bool, "--flags/--no-flags", "Add red-flag counts as features.")
ColModel = Opt(Optional[str], "--model", "Model directory or URI (models:/collusion@champion); without it, the composite score.")
CreditModel = Opt(str, "--model", "Model directory (from --model-out) or URI such as models:/credit@champion.")
ModelOut = Opt(Optional[Path], "--model-out", "Write the model here as an MLflow model directory.")
Register = Opt(Optional[str], "--register", "Track the run in MLflow and register the model under this name (champion if it beats the current one).")
Experiment = Opt(str, "--experiment", "MLflow experiment of the tracked run (with --register).")
AsOf = Opt(Optional[str], "--as-of", "As of this date (YYYY-MM-DD); default the day after the latest record.")
Tiers = Opt(Path, "--tiers", "Tiers file from 'credit tier' (enterprise_id, tier; as_of).")
Scores = Opt(Optional[Path], "--collusion-scores", "Tender scores CSV (tender_id, score) from 'collusion score'; default: scored with the collusion model the credit model records.")
Groups = Opt(Optional[Path], "--groups", "Suspicious bidder groups as 'graph groups' writes them (group_id, members) or enterprise_id, group_id rows; default: computed as in training.")
Store = Opt(Optional[str], "--store", "Case store: a SQLite file or a postgresql:// URL (default: settings [cases] store, else ~/.riskmodels/cases.db).")
Issues = Opt(Optional[Path], "--issues", "Write every bad line / field to this CSV.")
Period = Opt(Optional[str], "--period", "Planning period YYYY-MM (default: the month after the tiers' as_of date).")
GraphDir = Dir("Dataset directory (bids; enterprises, shareholders, tenders if present).")
