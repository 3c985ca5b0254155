"""How much memory a dataset takes in one process: an estimate from its size, made before anything is read.

The pandas engine holds every prepared table, and what the stages build from them, in one process: its peak grows with
the rows of the dataset. `one_process_peak` is a straight line through the demo's measured peaks on the pandas engine
(`benchmarks/scale.py`, docs/scale.md): the tiny city (0.11 million rows read, 0.7 GiB), the city (3.5 million rows,
1.8 GiB) and the province (35.9 million rows, 13.3 GiB). `table_rows` counts rows without reading the
data: a Parquet file or folder of parts from its metadata (exact), a CSV from its size and the length of its first
lines (an estimate).

`pandas_memory_warning` is what a command says before it loads a dataset on the pandas engine when the estimate
passes the memory budget (`memory_budget`: 60% of this machine's memory, the rest for the system, the page cache and
other work): the estimate, the budget, and the Dask engine to run it with instead.
"""
from __future__ import annotations

import os
from pathlib import Path

BASE_GIB = 0.6  # the interpreter, the libraries and the models: the demo's peak on an almost empty dataset
PER_MILLION_ROWS_GIB = 0.36  # the peak's growth per million rows read (tiny city to province, pandas engine)
BUDGET_SHARE = 0.6
SAMPLE_BYTES = 1 << 20


def csv_rows(path: Path) -> int:
    """Data rows of a CSV file, estimated from its size and the mean length of the lines in its first MiB (exact for
    a file shorter than that)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(SAMPLE_BYTES)
    lines = head.count(b"\n") + (0 if head.endswith(b"\n") or not head else 1)
    if size <= len(head) or lines <= 1:
        return max(0, lines - 1)
    return max(0, round(size * lines / len(head)) - 1)


def parquet_rows(path: Path) -> int:
    """Rows of a Parquet file or folder of Parquet parts, from the metadata (no data read)."""
    import pyarrow.parquet as pq

    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def table_rows(files: dict) -> dict:
    """Rows per table of `files` (table name -> file or folder, as `features.io.dataset.find_tables` gives them); a
    table whose size cannot be read counts 0 (reading it names the problem)."""
    rows = {}
    for name, path in files.items():
        path = Path(path)
        try:
            rows[name] = csv_rows(path) if path.suffix == ".csv" and path.is_file() else parquet_rows(path)
        except Exception:  # noqa: BLE001 - an unreadable file: loading it raises the one-line error
            rows[name] = 0
    return rows


def one_process_peak(rows: int) -> int:
    """Bytes the demo's process peaks at on the pandas engine for a dataset of `rows` rows (module doc)."""
    return int((BASE_GIB + PER_MILLION_ROWS_GIB * rows / 1e6) * 2**30)


def physical_memory() -> int | None:
    """Bytes of memory of this machine, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def memory_budget(total: int | None = None) -> int | None:
    """What one process may use: `BUDGET_SHARE` of the machine's memory (`total`, default this machine's)."""
    total = physical_memory() if total is None else total
    return int(total * BUDGET_SHARE) if total else None


def pandas_memory_warning(files: dict, budget: int | None = None) -> str | None:
    """One line when the dataset of `files` is estimated to need more than `budget` (default `memory_budget()`) in
    one process on the pandas engine: the rows, the estimate, the budget and the Dask engine to use instead; None when
    it fits."""
    budget = memory_budget() if budget is None else budget
    rows = sum(table_rows(files).values())
    need = one_process_peak(rows)
    if not budget or need <= budget:
        return None
    workers = max(2, os.cpu_count() or 2)
    return (f"{rows / 1e6:,.1f} million rows: the pandas engine will need about {need / 2**30:.0f} GiB in one process "
            f"(estimated from the dataset's size), more than the {budget / 2**30:.0f} GiB this machine can spare "
            f"({BUDGET_SHARE:.0%} of its memory); it may be stopped for lack of memory. Use the Dask engine: "
            f"riskmodels --engine dask --workers {workers} --memory-per-worker 4GiB ...")
