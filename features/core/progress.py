"""Progress of a batch of tasks ("label: done/total") on stderr, for the engines' long stages.

The engines (`features.engine`) report each batch they run (partitions mapped, fits submitted) through a `TaskProgress`:

- when stderr is a terminal, a `rich` bar (label, bar, done/total tasks, elapsed) that is removed when the batch ends;
- otherwise (CI, logs, pipes, tests) plain lines `label: done/total tasks done`, at most one every `every` seconds, and
  the final line `label: total/total tasks done in 3.2s`, so logs stay readable.

A batch may ask for silence while it is short (`quiet_for`: the in-process engine's batches, 10 s): no line before then,
and none at all when it ends sooner. Nothing is ever written to stdout: it carries the commands' results.
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator

EVERY = 5.0  # seconds between two plain lines of one batch


def _stderr_line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class TaskProgress:
    """Where batches of tasks are reported.

    `say`: where plain lines go (default: stderr). `bars`: draw rich bars (default: when `console` is given, whether it is
    a terminal; else whether stderr is a terminal, checked at each batch). `console`: the rich console the bars draw on
    (default: one on stderr). `every`: seconds between two plain lines of one batch. `clock`: seconds (tests)."""

    def __init__(self, say: Callable[[str], None] | None = None, *, bars: bool | None = None, console=None,
                 every: float = EVERY, clock: Callable[[], float] = time.monotonic):
        self.say = say or _stderr_line
        self.bars, self.console, self.every, self.clock = bars, console, every, clock

    @classmethod
    def silent(cls) -> "TaskProgress":
        """Reports nothing (`--quiet`)."""
        return cls(say=lambda text: None, bars=False)

    def message(self, text: str) -> None:
        """One plain line (e.g. which engine runs)."""
        self.say(text)

    def _use_bars(self) -> bool:
        if self.bars is not None:
            return self.bars
        if self.console is not None:
            return bool(self.console.is_terminal)
        isatty = getattr(sys.stderr, "isatty", None)
        return bool(isatty and isatty())

    @contextmanager
    def batch(self, label: str, total: int, *, quiet_for: float = 0.0) -> Iterator[Callable[[int], None]]:
        """A batch of `total` tasks: yields `update(done)` to call as tasks finish; ends with the `total/total` line.
        `quiet_for`: seconds without a plain line (a batch done sooner leaves none; a bar still shows on a terminal)."""
        start = self.clock()
        bar = self._start_bar(label, total) if self._use_bars() else None
        if bar is not None:
            progress, task = bar
            try:
                yield lambda done: progress.update(task, completed=done)
            finally:
                progress.stop()
            done = int(progress.tasks[0].completed)
            if done >= total and self.clock() - start >= quiet_for:
                progress.console.print(self._line(label, done, total, self.clock() - start), highlight=False,
                                       markup=False)
            return
        state = {"last": start, "done": 0}

        def update(done: int) -> None:
            state["done"] = done
            now = self.clock()
            if done < total and now - state["last"] >= self.every and now - start >= quiet_for:
                self.say(self._line(label, done, total))
                state["last"] = now

        yield update
        elapsed = self.clock() - start
        if state["done"] >= total and elapsed >= quiet_for:
            self.say(self._line(label, state["done"], total, elapsed))

    @staticmethod
    def _line(label: str, done: int, total: int, elapsed: float | None = None) -> str:
        return f"{label}: {done}/{total} tasks done" + (f" in {elapsed:.1f}s" if elapsed is not None else "")

    def _start_bar(self, label: str, total: int):
        """A started rich bar and its task; None when another live display is already on the console (plain lines)."""
        from rich.console import Console
        from rich.errors import LiveError
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("tasks"),
                            TimeElapsedColumn(), console=self.console or Console(stderr=True), transient=True,
                            redirect_stdout=False)
        task = progress.add_task(label, total=total)
        try:
            progress.start()
        except LiveError:
            return None
        return progress, task


@contextmanager
def batch(progress: TaskProgress | None, label: str, total: int, *,
          quiet_for: float = 0.0) -> Iterator[Callable[[int], None]]:
    """`progress.batch(label, total)`, or a no-op when there is no progress or no label (an unreported batch)."""
    if progress is None or not label:
        yield lambda done: None
        return
    with progress.batch(label, total, quiet_for=quiet_for) as update:
        yield update


def reporter(progress) -> TaskProgress | None:
    """A `TaskProgress` from what a caller gave: one already, a function taking one line (its plain lines), or None."""
    if progress is None or isinstance(progress, TaskProgress):
        return progress
    return TaskProgress(say=progress)
