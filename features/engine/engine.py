"""Where the work runs: pandas in this process, or Dask on a cluster of worker processes, behind one small interface.

The pipelines call the *current* engine (`current()`) with plain pandas/Numba functions over one partition:

- `split(frame, key)`: a table split into partitions by a stable hash of `key` as text (`tender_id`, `enterprise_id`); every
  row of one key lands in one partition, rows keep their order. `riskmodels data partition` writes the same split to disk.
- `share(obj)`: an object every task needs (a fitted model, a side table), sent to the workers once.
- `map(fn, parts, *args)`: `fn(part, *args)` for each partition, results in the order of `parts`.
- `map_made(fn, make, n, *args)`: the same over parts `make(i)` cut only when their turn comes (a few ahead of the workers).
- `shuffle(fn, parts, combine)`: each partition's results cut into buckets by a hash of a key, each bucket combined once
  (`parts` a list, or partitions made in turn: cut and sent a few ahead of the workers).
- `tree_reduce(combine, parts)`: partial results combined a few at a time (`combine(list) -> partial`) up to one.
- `submit_many(calls)`: independent calls `(fn, args, kwargs)` (fits), results in order; an argument may be a handle.
- `keep(fn, parts, *args)`: `fn(part, *args)` per partition, the results left where they were computed: handles
  (on Dask futures held by the workers; on pandas the values themselves). `pick(fn, handles)` derives handles from
  handles there, `fetch(handles)` brings their values here (`features.io.kept` keeps validated tables this way).

Stages do not call these directly for their map / combine / finalize: they describe themselves as `features.engine.steps.Steps`
and `features.engine.steps.run` runs them; `steps.merge` puts per-partition results back in the order of one pass.

`PandasEngine` runs these calls in-process over one partition (the default: exactly today's behaviour, no Dask import).
`DaskEngine` runs them on a `distributed.Client`: a `LocalCluster` of worker processes with one thread each (Numba and
LightGBM pinned to one thread so two workers do not oversubscribe two cores), or a running scheduler (`--scheduler`).
MLflow and everything written to disk stay in the driver process; the workers only compute.

`configure(settings.engine)` (the CLI does it) chooses the engine; the Dask client starts on first use and closes at exit.
Each labelled batch is reported on stderr through `features.core.progress` (a bar on a terminal, rate-limited lines elsewhere);
the pandas engine reports only batches of more than one part, in lines only once one has run 10 s.
"""
from __future__ import annotations

import atexit
import os
from contextlib import contextmanager
from typing import Any, Callable

import numpy as np
import pandas as pd

from features.engine.partition import split_frame
from features.core.errors import InputError, SettingsError
from features.core.progress import TaskProgress, batch, reporter

ENGINES = ("pandas", "dask")
ENV = "RISKMODELS_ENGINE"
THREAD_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "OMP_WAIT_POLICY": "PASSIVE", "MLFLOW_DISABLE_TELEMETRY": "true"}


# --------------------------------------------------------------------------------------------------------- engines

class PandasEngine:
    """Every call in this process, over one partition: the default engine."""

    name = "pandas"
    parallel = False
    workers = 1
    QUIET_FOR = 10.0  # seconds a batch runs in this process before it reports in lines (small data stays quiet)

    def __init__(self, progress: TaskProgress | Callable[[str], None] | None = None):
        self.progress = reporter(progress)

    def partitions(self, rows: int) -> int:
        return 1

    def blocks(self, rows: int) -> int:
        """Blocks of about `block_rows` rows for `rows` rows of small work (no fewer than one): unlike `partitions`,
        not at least two per worker, so work too small to pay for its moving stays in one block (run in this process
        by `steps.run`)."""
        return 1

    def split(self, frame: pd.DataFrame, key: str, n: int | None = None) -> list[pd.DataFrame]:
        return split_frame(frame, key, n if n is not None else self.partitions(len(frame)))

    def share(self, obj: Any, keep: bool = True) -> Any:
        return obj

    def chunks(self, frame: pd.DataFrame, n: int | None = None) -> list[pd.DataFrame]:
        """`frame` as `n` runs of consecutive rows (default `partitions(len(frame))`)."""
        n = max(1, min(len(frame), n if n is not None else self.partitions(len(frame))))
        bounds = np.linspace(0, len(frame), n + 1).astype(int)
        return [frame.iloc[bounds[i]:bounds[i + 1]] for i in range(n)]

    def map(self, fn: Callable, parts: list, *args, label: str = "", **kwargs) -> list:
        return self._run([(fn, (p, *args), kwargs) for p in parts], label)

    def map_made(self, fn: Callable, make: Callable, n: int, *args, label: str = "", **kwargs) -> list:
        """`fn(make(i), *args)` for i in 0..n-1, results in order: parts cut only when their turn comes (on Dask a few
        ahead of the workers: the driver and the workers hold a few parts at a time, not all of them)."""
        return self._run([(lambda i=i: fn(make(i), *args, **kwargs), (), None) for i in range(n)], label)

    def _run(self, calls: list, label: str) -> list:
        """The calls in order; a batch of more than one reported under `label` (in lines only once it runs
        `QUIET_FOR` seconds)."""
        out: list = []
        with batch(self.progress if len(calls) > 1 else None, label, len(calls), quiet_for=self.QUIET_FOR) as update:
            for fn, args, kwargs in calls:
                out.append(fn(*args, **(kwargs or {})))
                update(len(out))
        return out

    def tree_reduce(self, combine: Callable, parts: list, split_every: int = 8, label: str = "") -> Any:
        parts = list(parts)
        while len(parts) > 1:
            parts = [combine(parts[i:i + split_every]) for i in range(0, len(parts), split_every)]
        return parts[0] if parts else combine([])

    def map_reduce(self, fn: Callable, parts: list, combine: Callable, *args, split_every: int = 8, label: str = "",
                   **kwargs) -> Any:
        """`tree_reduce(combine, map(fn, parts, *args))`; on Dask the partials stay on the workers."""
        return self.tree_reduce(combine, self.map(fn, parts, *args, label=label, **kwargs), split_every)

    def submit_many(self, calls: list, label: str = "") -> list:
        return self._run(calls, label)

    def keep(self, fn: Callable, parts: list, *args, label: str = "", **kwargs) -> list:
        """`fn(part, *args)` per partition, the results left where they were computed (here: the values)."""
        return self.map(fn, parts, *args, label=label, **kwargs)

    def pick(self, fn: Callable, handles: list, *args) -> list:
        """`fn(value, *args)` of each handle, left where the handle's value is (here: the values)."""
        return [fn(h, *args) for h in handles]

    def fetch(self, handles: list) -> list:
        """The values of `handles` in this process."""
        return list(handles)

    def shuffle(self, fn: Callable, parts: list, combine: Callable, *args, combine_args: tuple = (), label: str = "",
                keep: bool = False, **kwargs) -> tuple[list, list]:
        """A shuffle: `fn(part, *args) -> (pieces, extra)` per partition, where `pieces[j]` holds the rows of bucket `j`
        (every partition returns the same number of buckets, a row's bucket chosen by the key the results are
        grouped by); then `combine([piece j of every partition], *combine_args) -> result j` once per bucket. Returns (the results in
        bucket order, the extras in partition order); with `keep`, handles of the results, left where they were combined
        (`fetch` brings them). On Dask the pieces move between workers only, so no process holds
        more than one bucket's rows. `parts` may also be partitions made in turn (`features.engine.steps.Made`: a
        `make(i)` for i < `n`), cut one at a time."""
        out = [fn(p, *args, **kwargs) for p in _each(parts)]
        extras = [o[1] for o in out]
        buckets = len(out[0][0]) if out else 0
        return [combine([o[0][j] for o in out], *combine_args) for j in range(buckets)], extras

    def describe(self) -> str:
        return "pandas in one process"

    def close(self) -> None:
        pass


def _pin_threads() -> str:
    """One thread for Numba, OpenMP (LightGBM) and BLAS in this worker, so workers do not oversubscribe the cores (the
    environment before anything imports them; Numba's count is per thread, so every task sets it again)."""
    os.environ.update(THREAD_ENV)
    try:
        import numba

        numba.set_num_threads(1)
    except Exception:  # noqa: BLE001 - numba unavailable or its threading layer not up: the environment holds
        pass
    return "ok"


def _pinned(fn: Callable, *args, **kwargs):
    """`fn(*args, **kwargs)` in a worker thread pinned to one Numba thread (every task runs through this)."""
    _pin_threads()
    return fn(*args, **kwargs)


class DaskEngine(PandasEngine):
    """Calls as tasks on a `distributed.Client` (a local cluster of worker processes, or a running scheduler)."""

    name = "dask"
    parallel = True

    def __init__(self, client, cluster=None, *, partitions: int = 0, block_rows: int = 250_000, progress=None):
        self.client, self.cluster = client, cluster
        self.n_partitions, self.block_rows = partitions, block_rows
        self.progress = reporter(progress)
        self._shared: dict = {}
        self.workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
        client.run(_pin_threads)

    def partitions(self, rows: int) -> int:
        if self.n_partitions:
            return self.n_partitions
        return max(2 * self.workers, -(-rows // max(1, self.block_rows)))

    def blocks(self, rows: int) -> int:
        if self.n_partitions:
            return self.n_partitions
        return max(1, -(-rows // max(1, self.block_rows)))

    def share(self, obj: Any, keep: bool = True) -> Any:
        """Scattered once to every worker; tasks that take it as an argument get the object itself. With `keep` the
        engine remembers it (the same object shared again is not sent again) until it closes; `keep=False` for a
        temporary (the workers drop it once its handle is gone)."""
        if obj is None:
            return None
        if not keep:
            return self._scatter(obj, broadcast=True)
        key = id(obj)
        if key not in self._shared:
            self._shared[key] = (obj, self._scatter(obj, broadcast=True))
        return self._shared[key][1]

    def _wait(self, futures: list, label: str, gather: bool = True) -> list | None:
        from distributed import as_completed

        with batch(self.progress, label, len(futures)) as update:
            for done, _ in enumerate(as_completed(futures), 1):
                update(done)
        return self.client.gather(futures) if gather else None

    def _scatter(self, obj: Any, broadcast: bool = False):
        """One future for `obj` (a dict, list or tuple is one object here, not a collection of them)."""
        return self.client.scatter([obj], broadcast=broadcast, hash=False)[0]

    def _place(self, obj: Any):
        """`obj` on the workers: a handle stays as it is, a tuple or dict holding handles keeps its shape with its
        other values sent one by one (the task gets the values, wherever they are), anything else is sent whole."""
        if _is_future(obj):
            return obj
        if isinstance(obj, (tuple, dict)) and _holds_future(obj):
            if isinstance(obj, dict):
                return {k: self._place(v) for k, v in obj.items()}
            return tuple(self._place(v) for v in obj)
        return obj if obj is None else self._scatter(obj)

    def _scatter_parts(self, parts: list) -> list:
        return [p if _is_future(p) else self._scatter(p) for p in parts]

    def map(self, fn: Callable, parts: list, *args, label: str = "", **kwargs) -> list:
        futures = self._map(fn, parts, *args, **kwargs)
        return self._wait(futures, label)

    def map_made(self, fn: Callable, make: Callable, n: int, *args, label: str = "", ahead: int = 0, **kwargs) -> list:
        results: list = [None] * n

        def keep(i, future):  # the result comes back and leaves the workers
            results[i] = future.result()

        self._in_turn(fn, make, n, args, kwargs, label, ahead, keep)
        return results

    def _in_turn(self, fn: Callable, make: Callable, n: int, args: tuple, kwargs: dict, label: str, ahead: int,
                 done: Callable | None = None) -> list:
        """Tasks `fn(make(i), *args)` for i < n, each part cut and sent only when one of the `ahead` (default two per
        worker) in flight has finished, so the driver and the workers hold a few input parts at a time. `done(i,
        future)` is called as task i finishes; returns the futures in order (None where `done` was given: the caller
        took the result)."""
        from distributed import as_completed

        ahead = ahead or 2 * self.workers
        futures: list = [None] * n
        where: dict = {}

        def submit(i):
            future = self.client.submit(_pinned, fn, self._place(make(i)), *args, key=_key(fn), **kwargs)
            where[future.key] = i
            futures[i] = future
            return future

        queue = as_completed([submit(i) for i in range(min(ahead, n))])
        following = iter(range(min(ahead, n), n))
        with batch(self.progress, label, n) as update:
            for finished, future in enumerate(queue, 1):
                i = where.pop(future.key)
                if done is not None:
                    done(i, future)
                    futures[i] = None
                del future
                update(finished)
                nxt = next(following, None)
                if nxt is not None:
                    queue.add(submit(nxt))
        return futures

    def _map(self, fn, parts, *args, **kwargs) -> list:
        parts = self._scatter_parts(parts)
        return [self.client.submit(_pinned, fn, p, *args, key=_key(fn), **kwargs) for p in parts]

    def _reduce(self, combine, futures, split_every):
        while len(futures) > 1:
            futures = [self.client.submit(_pinned, combine, futures[i:i + split_every], key=_key(combine))
                       for i in range(0, len(futures), split_every)]
        return futures[0] if futures else self.client.submit(_pinned, combine, [], key=_key(combine))

    def tree_reduce(self, combine: Callable, parts: list, split_every: int = 8, label: str = "") -> Any:
        return self._wait([self._reduce(combine, self._scatter_parts(parts), split_every)], label)[0]

    def map_reduce(self, fn: Callable, parts: list, combine: Callable, *args, split_every: int = 8, label: str = "",
                   **kwargs) -> Any:
        futures = self._map(fn, parts, *args, **kwargs)
        final = self._reduce(combine, futures, split_every)  # the combining starts as partials arrive
        self._wait(futures, label, gather=False)  # progress of the partitions
        return self._wait([final], "")[0]

    def submit_many(self, calls: list, label: str = "") -> list:
        futures = [self.client.submit(_pinned, fn, *args, key=_key(fn), **(kwargs or {})) for fn, args, kwargs in calls]
        return self._wait(futures, label)

    def keep(self, fn: Callable, parts: list, *args, label: str = "", **kwargs) -> list:
        futures = self._map(fn, parts, *args, **kwargs)
        self._wait(futures, label, gather=False)
        return futures

    def pick(self, fn: Callable, handles: list, *args) -> list:
        return [self.client.submit(fn, h, *args, key=_key(fn)) for h in handles]

    def fetch(self, handles: list) -> list:
        return self.client.gather(list(handles))

    def shuffle(self, fn: Callable, parts: list, combine: Callable, *args, combine_args: tuple = (), label: str = "",
                keep: bool = False, **kwargs) -> tuple[list, list]:
        import operator

        if isinstance(parts, list):
            futures = self._map(fn, parts, *args, **kwargs)
            self._wait(futures, label, gather=False)
        else:  # made in turn: each part sent as a worker is free, its pieces staying on the workers
            futures = self._in_turn(fn, parts.make, parts.n, args, kwargs, label, 0)
        extras = self.client.gather([self.client.submit(operator.itemgetter(1), f, key=_key("shuffle-extra")) for f in futures])
        pieces = [self.client.submit(operator.itemgetter(0), f, key=_key("shuffle-pieces")) for f in futures]
        buckets = self.client.submit(len, pieces[0], key=_key("shuffle-buckets")).result() if pieces else 0
        combined = [self.client.submit(_pinned, combine, [self.client.submit(operator.itemgetter(j), p, key=_key("shuffle-pieces"))
                                                          for p in pieces], *combine_args, key=_key(combine))
                    for j in range(buckets)]
        del futures, pieces  # the combines hold what they need; the partition results go once they are done
        got = self._wait(combined, f"{label} (shuffle)" if label else "", gather=not keep)
        return (combined if keep else got), extras

    def describe(self) -> str:
        where = "a local cluster" if self.cluster is not None else f"the scheduler at {self.client.scheduler.address}"
        return f"Dask on {where} of {self.workers} worker(s)"

    def close(self) -> None:
        self._shared.clear()
        for c in (self.client, self.cluster):
            try:
                if c is not None:
                    c.close()
            except Exception:  # noqa: BLE001 - closing at exit: a dead cluster is already closed
                pass


def _each(parts):
    """The partitions of a list, or of partitions made in turn (`make(i)` for i < `n`), one at a time."""
    return parts if isinstance(parts, list) else (parts.make(i) for i in range(parts.n))


def _key(fn) -> str:
    """A task key named after the function, or the name given (what the dashboard and the scheduler's logs show)."""
    import uuid

    name = fn if isinstance(fn, str) else getattr(fn, "__name__", "task")
    return f"{name.strip('_')}-{uuid.uuid4().hex}"


def _is_future(x) -> bool:
    return type(x).__name__ == "Future" and hasattr(x, "key")


def _holds_future(obj) -> bool:
    """Whether a tuple or dict (one level, or nested ones) holds a handle."""
    values = obj.values() if isinstance(obj, dict) else obj
    return any(_is_future(v) or (isinstance(v, (tuple, dict)) and _holds_future(v)) for v in values)


# ------------------------------------------------------------------------------------------------ choosing one

ENGINES = ("pandas", "dask")


def parse_memory(text: str) -> int | None:
    """Bytes of a size such as "4GiB", "300MiB", "2 GB"; None when empty; SettingsError when unreadable."""
    from features.core.sizes import parse_size

    try:
        return parse_size(text)
    except ValueError:
        raise SettingsError(f"[engine] memory_per_worker (--memory-per-worker) must be a size such as 4GiB or 300MiB; "
                            f"got {text!r}") from None


def check(config) -> None:
    """SettingsError naming the key when the engine settings cannot work: the engine's name, then the `[engine]`
    section's own checks (`EngineSettings.check` of `features.core.settings`, which loading runs too)."""
    if config.name not in ENGINES:
        raise SettingsError(f"[engine] name (--engine, RISKMODELS_ENGINE) must be one of {', '.join(ENGINES)}; "
                            f"got {config.name!r}")
    config.check()


def start(config, progress=None) -> PandasEngine:
    """The engine `config` (an `EngineSettings`) asks for; with Dask, a client connected to its cluster. `progress`:
    where its batches are reported (a `TaskProgress`, a function taking one line, or None for silence)."""
    check(config)
    if config.name == "pandas":
        return PandasEngine(progress)
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a regular dependency
        raise InputError("--engine dask needs the dask[distributed] package") from None
    # the workers' thread settings go to the workers only (LocalCluster env=, _pin_threads in every task): set in this
    # process, Numba would refuse to compile here once its threads run with another count
    cluster = None
    if config.scheduler:
        try:
            client = Client(config.scheduler, timeout="30s")
        except (OSError, TimeoutError) as e:
            raise InputError(f"--scheduler {config.scheduler}: cannot reach the Dask scheduler "
                             f"({' '.join(str(e).split())[:120]})") from None
    else:
        import dask

        n = config.workers or os.cpu_count() or 1
        dask.config.set({"distributed.worker.daemon": False, "distributed.admin.system-monitor.gil.enabled": False})
        memory = parse_memory(config.memory_per_worker) or "auto"
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, memory_limit=memory,
                               dashboard_address=":0", host="127.0.0.1", env=dict(THREAD_ENV), silence_logs=40)
        client = Client(cluster)
    return DaskEngine(client, cluster, partitions=config.partitions, block_rows=config.block_rows, progress=progress)


_config = None
_engine: PandasEngine | None = None
_progress: TaskProgress | None = None


def configure(config, progress: TaskProgress | Callable[[str], None] | None = None) -> None:
    """Use `config` (an `EngineSettings`) from now on; a running engine of another configuration is closed. `progress`:
    where batches are reported (default: stderr; a function taking one line gets the plain lines; `TaskProgress.silent()`
    reports nothing)."""
    global _config, _engine, _progress
    check(config)
    if _engine is not None and config != _config:
        _engine.close()
        _engine = None
    _config, _progress = config, reporter(progress) or TaskProgress()
    if _engine is not None:
        _engine.progress = _progress


def current() -> PandasEngine:
    """The configured engine, started on first use (pandas when nothing was configured)."""
    global _engine
    if _engine is None:
        if _config is None:
            return PandasEngine()
        _engine = start(_config, _progress)
        if _engine.parallel and _progress is not None:
            _progress.message(f"engine: {_engine.describe()}")
    return _engine


@contextmanager
def using(engine: PandasEngine):
    """Run a block with `engine` as the current engine (tests, benchmarks)."""
    global _engine
    before = _engine
    _engine = engine
    try:
        yield engine
    finally:
        _engine = before


@atexit.register
def shutdown() -> None:
    """Close the running engine (its client and local cluster) and forget the configuration: the next `current()` is
    pandas until `configure` is called again (the CLI configures each command)."""
    global _engine, _config
    _config = None
    if _engine is not None:
        _engine.close()
        _engine = None
