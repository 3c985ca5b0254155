"""Where the work runs, and how a stage is written for it (`features.engine.engine`, `.partition`, `.steps`).

`from features import engine` gives the engine interface the pipelines use: `current()`, `configure`, `using`, `start`,
the engines, and the hash partitioning (`partition_of`, `partition_rows`, `split_frame`); `features.engine.steps` holds
the one runner of map / combine / finalize steps and the one order-restoring merge.
"""
from __future__ import annotations

from features.engine import engine as _impl
from features.engine.engine import (ENGINES, ENV, THREAD_ENV, DaskEngine, PandasEngine, check, configure, current,
                                    parse_memory, shutdown, start, using)
from features.engine.partition import KEYS, partition_of, partition_rows, split_frame


def __getattr__(name: str):
    """The engine module's state (`_engine`, `_config`, `_progress`) as it is now, not as it was at import."""
    if name in ("_engine", "_config", "_progress"):
        return getattr(_impl, name)
    raise AttributeError(f"module 'features.engine' has no attribute {name!r}")


__all__ = ["ENGINES", "ENV", "THREAD_ENV", "DaskEngine", "PandasEngine", "check", "configure", "current", "parse_memory",
           "shutdown", "start", "using", "KEYS", "partition_of", "partition_rows", "split_frame"]
