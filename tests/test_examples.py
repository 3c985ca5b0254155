"""Every command and group of the command line has an example line in its help (`riskmodels.examples`), and each
example names the command it belongs to and only options that command has."""
from __future__ import annotations

import typer

from riskmodels.examples import EXAMPLES, with_example


def _commands(group: typer.Typer, prefix: str = ""):
    yield prefix.strip(), group
    for c in group.registered_commands:
        yield prefix + (c.name or c.callback.__name__), c
    for g in group.registered_groups:
        yield from _commands(g.typer_instance, f"{prefix}{g.name} ")


def test_every_command_has_a_working_example(cli):
    from typer.main import get_command

    from cli import app

    root = get_command(app)
    missing = [name for name, _ in _commands(app) if name not in EXAMPLES]
    assert not missing, f"add an example line to riskmodels/examples.py for: {', '.join(missing)}"
    for name, _ in _commands(app):
        line = EXAMPLES[name]
        assert line.startswith(f"riskmodels {name}".strip()), line
        cmd = root
        for word in name.split():
            cmd = cmd.commands[word]
        if hasattr(cmd, "commands"):  # a group: its example runs one of its commands, checked there
            continue
        known = {o for p in cmd.params for o in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])}
        used = [w for w in line.split() if w.startswith("--")]
        assert set(used) <= known, f"{name}: {set(used) - known} not options of the command"


def test_help_shows_the_example_choices_and_names_at_80_columns(cli):
    r = cli("collusion", "train", "--help")
    text = r.stdout
    assert "Example: riskmodels collusion train" in " ".join(text.split())
    assert "<transfer|full>" in text and "DIRECTORIES..." in text and "<path>..." in text
    assert "{" not in text and "<list[" not in text
    assert with_example("nothing here", "Text.") == "Text."
