"""One run of a command: its settings loaded once, the compute engine configured, its outputs guarded, its messages
routed (`Session`). The command line opens one per invocation; library code never needs it.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Callable


class Session:
    """One command run.

    `settings_path`: the settings file (`--settings`; default ./riskmodels.toml when present, else the defaults).
    `engine`: engine options given on the command line (name, scheduler, workers, memory_per_worker; None = from
    `[engine]`). `quiet`: no progress lines and no task bars. `say`: where human messages go (stderr)."""

    def __init__(self, settings_path: Path | None = None, engine: dict | None = None, quiet: bool = False,
                 say: Callable[[str], None] = print):
        from features.io.export import OutputGuard, forget_inputs

        forget_inputs()  # outputs are kept apart from the inputs of this run (features.io.export.check_apart)
        self.settings_path, self.engine, self.quiet, self.say = settings_path, dict(engine or {}), quiet, say
        self.guard = OutputGuard()

    @cached_property
    def settings(self):
        """The settings, loaded and checked once, with the command line's engine options applied; the engine is
        configured with them and reports its batches of tasks through `say` (nothing when quiet)."""
        from features import engine
        from features.core.progress import TaskProgress
        from features.core.settings import load_settings, override

        s = override(load_settings(self.settings_path), "engine", **self.engine)  # checked like the file's values
        engine.configure(s.engine, progress=TaskProgress.silent() if self.quiet else TaskProgress(self.say))
        return s

    @property
    def task_progress(self):
        """Where batches of tasks report (a bar with the time left on a terminal, lines every few seconds elsewhere):
        a `features.core.progress.TaskProgress` on `say`, silent when quiet."""
        from features.core.progress import TaskProgress

        return TaskProgress.silent() if self.quiet else TaskProgress(self.say)

    def progress(self, msg: str) -> None:
        """A progress line (a stage started or done); none when quiet."""
        if not self.quiet:
            self.say(msg)

    def claim(self, *paths, force: bool = False) -> None:
        """The outputs this command will write: InputError naming those that exist unless `force` (`OutputGuard`)."""
        self.guard.claim(*paths, force=force)

    def stale_lines(self) -> list[str]:
        """After a failure: the line naming claimed outputs still as an earlier run left them, if any."""
        line = self.guard.stale_line()
        return [line] if line else []
