"""One example command line per `riskmodels` command, shown at the end of the command's `--help`.

A newcomer learns a command fastest from one line that works. Each example here runs as written on the demo's folders
(`riskmodels demo --out demo-output` writes `demo-output/data`, `demo-output/credit/tiers.csv`, ...) or on a simulated
city (`riskmodels data simulate --out city`); `tests/test_examples.py` checks that every command has one and that each
parses. The command line (`cli.py`) appends them to the help texts; nothing here depends on it.
"""
from __future__ import annotations

EXAMPLES: dict[str, str] = {
    "": "riskmodels demo --scale tiny --out demo-output",
    "data": "riskmodels data simulate --scale tiny --out city",
    "data import": "riskmodels data import garcia DB_Collusion_Italy_processed.csv --out italy",
    "collusion": "riskmodels collusion score city --out scores.csv",
    "graph": "riskmodels graph groups city --out groups.csv",
    "credit": "riskmodels credit tier city --model models:/credit@champion --out tiers.csv",
    "inspect": "riskmodels inspect plan city --tiers tiers.csv --seed 2026-05-lottery --out plan",
    "ocds": "riskmodels ocds indicators releases.jsonl > indicators.json",
    "experiments": "riskmodels experiments list",
    "init": "riskmodels init riskmodels.toml",
    "demo": "riskmodels demo --scale tiny --out demo-output",
    "data validate": "riskmodels data validate city --rejects rejects.csv",
    "data partition": "riskmodels data partition city --out city-parts",
    "data simulate": "riskmodels data simulate --scale tiny --seed 1 --out city",
    "data import garcia": "riskmodels data import garcia DB_Collusion_Italy_processed.csv --out italy",
    "data import ocds": "riskmodels data import ocds releases.jsonl --out ocds-data",
    "ocds indicators": "riskmodels ocds indicators releases.jsonl > indicators.json",
    "inspect plan": "riskmodels inspect plan city --tiers tiers.csv --seed 2026-05-lottery --out plan",
    "inspect verify": "riskmodels inspect verify plan",
    "inspect simulate": "riskmodels inspect simulate city --tiers tiers.csv --runs 20",
    "inspect report": "riskmodels inspect report city --plans plan --out plan-report",
    "inspect publish": "riskmodels inspect publish city --plans plan --results results.csv --out published --lang zh",
    "graph build": "riskmodels graph build city --out bidders.graphml",
    "graph groups": "riskmodels graph groups city --out groups.csv",
    "graph ego": "riskmodels graph ego city --id 91440300MA5EXAMPLE --out ego.graphml",
    "graph features": "riskmodels graph features city --out graph-features.csv",
    "collusion flags": "riskmodels collusion flags city --out flags.csv",
    "collusion screens": "riskmodels collusion screens city --out screens.csv",
    "collusion pairs": "riskmodels collusion pairs city --out pairs.csv",
    "collusion evaluate": "riskmodels collusion evaluate italy --families lightgbm",
    "collusion train": "riskmodels collusion train city --labels city/truth/tenders.csv --register collusion",
    "collusion score": "riskmodels collusion score city --model models:/collusion@champion --out scores.csv",
    "collusion report": "riskmodels collusion report city --scores scores.csv --out case-file",
    "credit train": "riskmodels credit train city --register credit",
    "credit tier": "riskmodels credit tier city --model models:/credit@champion --out tiers.csv",
    "credit lists": "riskmodels credit lists city --tiers tiers.csv --out lists",
    "credit profile": "riskmodels credit profile city --tiers tiers.csv --id 91440300MA5EXAMPLE --out profile.html",
    "credit monitor": "riskmodels credit monitor city --model models:/credit@champion --reference-as-of 2025-01-01",
    "credit evaluate": "riskmodels credit evaluate german.csv --target class --positive bad",
    "cases": "riskmodels cases queue city --store cases.db --budget 20 --out queue.csv",
    "cases verdict": "riskmodels cases verdict city --store cases.db --verdicts verdicts.csv",
    "cases queue": "riskmodels cases queue city --store cases.db --budget 20 --out queue.csv",
    "cases warn": "riskmodels cases warn new-tenders --store cases.db --black lists/black.csv --out warnings.csv",
    "cases list": "riskmodels cases list --store cases.db --limit 10",
    "cases export": "riskmodels cases export --store cases.db --out labels.csv",
    "experiments run": "riskmodels experiments run collusion --data city",
    "experiments list": "riskmodels experiments list --limit 10",
    "experiments compare": "riskmodels experiments compare 3f2a9c1e 8b7d0e42 --differences",
    "experiments promote": "riskmodels experiments promote collusion 3",
}


def example(command: str) -> str | None:
    """The example line of `command` ("collusion score"; a group such as "collusion"; "" for `riskmodels` itself), or
    None when it has none."""
    return EXAMPLES.get(command)


def with_example(command: str, help_text: str | None) -> str:
    """`help_text` followed by the command's example as its own paragraph (`help_text` unchanged without one)."""
    text = (help_text or "").rstrip()
    line = example(command)
    return f"{text}\n\nExample: {line}" if line else text
