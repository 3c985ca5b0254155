"""Progress of the engines' batches on stderr (`features.core.progress`): plain lines at most every few seconds and always the
final done/total line; a rich bar on a terminal that ends at the total; nothing on stdout; --quiet silences it."""
from __future__ import annotations

import io
import re
import pytest
from rich.console import Console
from features import engine
from features.core.progress import TaskProgress, batch


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_are_rate_limited_and_end_with_the_total(capsys):
    clock, lines = Clock(), []
    p = TaskProgress(say=lines.append, bars=False, every=5.0, clock=clock)
    with p.batch("validate bids", 40) as update:
        for done in range(1, 41):
            clock.now += 0.5  # a task every half second: 20 s in all
            update(done)
    # one line per 5 s at most (after 10, 20, 30 tasks), then the final one
    assert lines == ["validate bids: 10/40 tasks done", "validate bids: 20/40 tasks done",
                     "validate bids: 30/40 tasks done", "validate bids: 40/40 tasks done in 20.0s"]
    # a quick batch: the final line only
    lines.clear()
    with p.batch("screens", 3) as update:
        for done in (1, 2, 3):
            update(done)
    assert lines == ["screens: 3/3 tasks done in 0.0s"]
    assert capsys.readouterr().out == ""


def test_a_batch_quiet_for_a_while_says_nothing_when_quick_and_nothing_after_an_error():
    clock, lines = Clock(), []
    p = TaskProgress(say=lines.append, bars=False, every=5.0, clock=clock)
    with p.batch("fits", 4, quiet_for=5.0) as update:
        for done in range(1, 5):
            clock.now += 1.0
            update(done)
    assert lines == []  # 4 s: done before it may speak
    with p.batch("fits", 4, quiet_for=5.0) as update:
        for done in range(1, 5):
            clock.now += 2.0
            update(done)
    assert lines == ["fits: 3/4 tasks done", "fits: 4/4 tasks done in 8.0s"]
    lines.clear()
    with pytest.raises(ValueError):
        with p.batch("broken", 4) as update:
            update(1)
            raise ValueError("task failed")
    assert lines == []  # no "done" line for a batch that did not finish
    with batch(None, "anything", 3) as update:  # no progress, or no label: nothing
        update(3)
    with batch(p, "", 3) as update:
        update(3)
    assert lines == []


def test_terminal_bar_renders_and_ends_at_the_total(capsys):
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    p = TaskProgress(console=console)
    with p.batch("validate credit_events", 16) as update:
        for done in range(1, 17):
            update(done)
    text = buf.getvalue()
    assert "\x1b[" in text and "━" in text  # drawn as a bar with terminal codes
    assert "16/16" in text and "tasks" in text
    # the bar is removed and the batch's line stays: the last thing written
    assert re.search(r"\x1b\[2Kvalidate credit_events: 16/16 tasks done in \d+\.\ds\n$", text), repr(text[-200:])
    assert not console.is_dumb_terminal and console._live_stack == []  # the bar stopped: another may start
    assert capsys.readouterr().out == ""
    # a second batch on the same console; a bar of a quick batch that may stay quiet leaves no line behind
    buf.truncate(0)
    buf.seek(0)
    with p.batch("screens", 2, quiet_for=5.0) as update:
        update(1)
        update(2)
    assert "screens: 2/2 tasks done" not in buf.getvalue()


def test_a_bar_inside_another_live_display_still_ends_with_its_line():
    """rich before 14 refuses a second live display on a console (the batch then reports in plain lines); later ones
    nest it. Either way the batch ends with its done/total line."""
    from rich.progress import Progress

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)
    lines = []
    outer = Progress(console=console)
    outer.start()
    try:
        with TaskProgress(say=lines.append, console=console).batch("pairs", 2) as update:
            update(1)
            update(2)
    finally:
        outer.stop()
    assert "pairs: 2/2 tasks done in" in " ".join(lines) + buf.getvalue()


def test_pandas_engine_reports_batches_of_more_than_one_part(capsys):
    lines = []
    e = engine.PandasEngine(TaskProgress(say=lines.append, bars=False, every=0.0))
    e.QUIET_FOR = 0.0
    assert e.map(lambda p, k: p * k, [1, 2, 3], 10, label="screens") == [10, 20, 30]
    assert e.submit_many([(max, (1, 5), {}), (min, (1, 5), None)], label="fits") == [5, 1]
    assert e.map(lambda p: p, [7], label="one part") == [7]  # one partition: nothing to report
    assert e.map(lambda p: p, [1, 2]) == [1, 2]  # no label: not reported
    finals = [line.split(" in ")[0] for line in lines if " in " in line]  # every=0: a line per task, then the final
    assert finals == ["screens: 3/3 tasks done", "fits: 2/2 tasks done"]
    assert "screens: 1/3 tasks done" in lines and not any(line.startswith(("one part", ": ")) for line in lines)
    # by default the in-process engine's quick batches leave no line
    quiet = []
    assert engine.PandasEngine(TaskProgress(say=quiet.append, bars=False)).map(lambda p: p, [1, 2], label="x") == [1, 2]
    assert quiet == [] and capsys.readouterr().out == ""


def test_cli_reports_on_stderr_and_quiet_silences(cli, tmp_path, capsys):
    """The progress the CLI gives the engine writes to stderr; with --quiet it writes nothing (stdout carries results)."""
    for args, expected in (((), "validate bids: 2/2 tasks done in"), (("--quiet",), None)):
        r = cli(*args, "data", "validate", tmp_path, code=2)  # an empty folder: exit 2 after the engine was configured
        assert r.stdout == ""
        capsys.readouterr()
        with batch(engine._progress, "validate bids", 2) as update:
            update(1)
            update(2)
        out = capsys.readouterr()
        assert out.out == ""
        if expected:
            assert out.err.startswith(expected)
        else:
            assert out.err == ""
