"""A dataset: a directory of canonical tables, loaded, validated and prepared in one step.

`load_dataset(DIR)` finds `NAME.csv`, `NAME.parquet` or a `NAME/` folder of Parquet parts for each canonical table of the
data contract, reads each (`features.io.read`), prepares it (`features.io.prepare`) in an order where referenced tables come first
(bids are checked against accepted tenders), and returns the accepted rows, the rejects and the accounting
(`read = accepted + rejected` per table).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from features.core.errors import InputError
from features.io.export import note_input
from features.io.read import read_raw
from features.io.kept import KEPT, KeptTable
from features.io.partitioned import prepare_parts, prepare_split
from features.io.prepare import REJECT_COLUMNS
from features.io.schema import ORDER, TABLES
from features.core.settings import Settings


@dataclass
class Dataset:
    """Prepared tables of one dataset with their rejects and accounting."""

    path: Path
    tables: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["table", *REJECT_COLUMNS]))
    notes: list = field(default_factory=list)
    encodings: dict = field(default_factory=dict)
    kept_tables: dict = field(default_factory=dict)  # name -> features.io.kept.KeptTable: parts left on the workers

    def get(self, name: str) -> pd.DataFrame | None:
        """The prepared table, or None when the dataset has no such table. A table kept on the workers is brought here
        whole each time it is asked for (not held: a stage that reads it in parts asks `kept(name)`)."""
        if name in self.kept_tables:
            return self.kept_tables[name].collect()
        return self.tables.get(name)

    def kept(self, name: str):
        """The table's parts on the workers (`features.io.kept.KeptTable`), or None when it is held here or absent."""
        return self.kept_tables.get(name)

    def has(self, name: str) -> bool:
        return name in self.tables or name in self.kept_tables

    def drop(self, *names: str) -> None:
        """Forget the tables `names`, held here or kept on the workers (whose parts the cluster then frees): for a run
        with no further use for them. What was read and rejected (`counts`, `rejects`, `report`) stays."""
        for name in names:
            self.tables.pop(name, None)
            self.kept_tables.pop(name, None)

    def require(self, name: str) -> pd.DataFrame:
        """The prepared table, or InputError naming the missing file."""
        if not self.has(name):
            raise InputError(f"{self.path}: table '{name}' is missing (expected {name}.csv or {name}.parquet)")
        return self.get(name)

    def report(self) -> dict:
        """Machine-readable summary: per-table read/accepted/rejected and the problems found (rejects and fixes)."""
        problems = []
        if len(self.rejects):
            g = self.rejects.groupby(["table", "column", "reason"], dropna=False, sort=False).size()
            # duplicate-row reasons name the earlier row; summarise them as one problem
            merged: dict = {}
            for (t, c, r), k in g.items():
                key = (t, c, "duplicate row" if str(r).startswith("duplicate of row") else r)
                merged[key] = merged.get(key, 0) + int(k)
            problems += [{"table": t, "column": c or None, "problem": r, "rows": k, "action": "rejected"}
                         for (t, c, r), k in merged.items()]
        problems += [{"table": n["table"], "column": n["column"], "problem": n["problem"], "rows": n["count"],
                      "action": n.get("action", "fixed")} for n in self.notes]
        return {"tables": {k: dict(v) for k, v in self.counts.items()}, "problems": problems}


def table_files(path, names=None) -> list[Path]:
    """Every file name a table may have in `path` (NAME.csv, NAME.parquet, NAME/): what writing a dataset there replaces."""
    path = Path(path)
    return [p for name in (names or TABLES) for p in (path / f"{name}.csv", path / f"{name}.parquet", path / name)]


TABLE_SUFFIXES = (".csv", ".parquet", ".pq", ".xlsx", ".xls", ".tsv", ".txt", ".json", ".jsonl")


def _file_kind(p: Path) -> str:
    import stat

    mode = p.stat().st_mode
    return ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
            else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "a special file")


def _refuse_near_names(path: Path) -> None:
    """InputError for a file that names a canonical table but is not one of its accepted names (another case, another
    format); a note on the `riskmodels` logger for the other data-like files, which are not read."""
    import logging

    ignored = []
    for entry in sorted(path.iterdir()):
        stem, suffix = (entry.name, "") if entry.is_dir() else (entry.stem, entry.suffix)
        if entry.name.startswith(".") or (stem in TABLES and (suffix in (".csv", ".parquet") or entry.is_dir())):
            continue
        if stem.lower() in TABLES and (suffix.lower() in TABLE_SUFFIXES or entry.is_dir()):
            want = f"{stem.lower()}.csv, {stem.lower()}.parquet or a {stem.lower()}/ folder of Parquet parts"
            raise InputError(f"{entry}: looks like the table '{stem.lower()}' but is not read under this name "
                             f"(a table is {want}); rename or convert it")
        if suffix.lower() in TABLE_SUFFIXES:
            ignored.append(entry.name)
    if ignored:
        logging.getLogger("riskmodels.dataset").info(
            "%s: not a table of the data contract, not read: %s", path, ", ".join(ignored[:10])
            + (f" and {len(ignored) - 10} more" if len(ignored) > 10 else ""))


def find_tables(path: Path) -> dict:
    """Canonical table name -> file (or Parquet folder) for every table present in `path`.

    A table given twice (bids.csv and bids.parquet, or a bids/ folder of parts beside one of them), a table file that is
    a folder, a broken link, a FIFO, a device or another special file, or a file that names a table in another case or
    format (`Tenders.csv`, `bid_items.CSV`, `bids.xlsx`) is an InputError naming it: the toolkit never picks one
    silently, and never leaves one out silently. Other files are left alone and named on the `riskmodels` logger."""
    found = {}
    _refuse_near_names(path)
    for name in TABLES:
        present = []
        for cand in (path / f"{name}.csv", path / f"{name}.parquet", path / name):
            if cand.is_symlink() and not cand.exists():
                raise InputError(f"{cand}: is a broken link (its target does not exist)")
            if cand.exists() and not cand.is_file() and not cand.is_dir():
                raise InputError(f"{cand}: is not a regular file ({_file_kind(cand)}); a table must be a file or a "
                                 f"folder of Parquet parts")
            parts = cand.is_dir() and any(cand.glob("*.parquet"))
            if cand.is_dir() and cand.suffix and not (cand.suffix == ".parquet" and parts):
                raise InputError(f"{cand}: is a folder, not a table file")
            if cand.is_file() or parts:
                present.append(cand)
        if len(present) > 1:
            raise InputError(f"{path}: table '{name}' is given twice ({' and '.join(p.name for p in present)}); "
                             "keep one of them")
        if present:
            found[name] = present[0]
    return found


def load_dataset(path, settings: Settings | None = None, tables=None, require=(), spread=True) -> Dataset:
    """Load and prepare the canonical tables in directory `path`.

    `tables` restricts loading to those names (plus the tables they reference, for the reference checks); `require` names
    tables that must be present. File and column problems raise InputError; row problems go to `Dataset.rejects`.
    `spread=False`: on a parallel engine only the record tables it keeps (`KEPT`) are validated on the workers (and stay
    there); the other tables are read and validated whole in this process, in one pass (small tables a stage needs
    whole here, which a partitioned validation would only send out and bring back). `spread` as a collection of table
    names: those are validated on the workers too (a table big enough that reading and checking it whole here costs
    the process several times its size, such as a province's registry), and come back validated."""
    from features import engine

    settings = settings or Settings()
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such directory")
    if not path.is_dir():
        raise InputError(f"{path}: not a directory (a dataset is a directory of tables such as bids.csv)")
    note_input(path, "dataset")
    found = find_tables(path)
    for f in found.values():
        note_input(f)
    if not found:
        raise InputError(f"{path}: no canonical tables found (expected files such as tenders.csv, bids.csv, enterprises.csv)")
    for name in require:
        if name not in found:
            raise InputError(f"{path}: table '{name}' is missing (expected {name}.csv or {name}.parquet)")
    wanted = set(found) if tables is None else set(tables) & set(found)
    for name in list(wanted):
        wanted |= {ref for _, ref, _ in TABLES[name].references if ref in found}
    warn_if_too_big({name: found[name] for name in wanted})
    keep_n = kept_partitions({name: found[name] for name in wanted})
    ds = Dataset(path)
    rejects = []
    known: dict = {}
    for name in ORDER:
        if name not in wanted:
            continue
        table = TABLES[name]
        mapping = getattr(settings.columns, name)
        # a folder of Parquet parts is read part by part on the workers of a parallel engine, else whole here
        keep = keep_n is not None and name in KEPT
        eng = engine.current() if keep or (spread if isinstance(spread, bool) else name in spread) \
            else engine.PandasEngine()
        prepared, encoding = prepare_parts(found[name], table, settings.validate, mapping, known, eng=eng,
                                           keep=keep), "parquet"
        if prepared is None:
            raw = read_raw(found[name], max_field=settings.validate.max_field_bytes)
            prepared = prepare_split(raw, table, settings.validate, mapping, known, eng=eng, keep=keep,
                                     n=keep_n if keep else None)
            encoding = raw.encoding
            del raw
        if isinstance(prepared.frame, KeptTable):
            ds.kept_tables[name] = prepared.frame
        else:
            ds.tables[name] = prepared.frame
        ds.files[name] = found[name]
        ds.encodings[name] = encoding
        ds.counts[name] = {"read": prepared.read, "accepted": len(prepared.frame), "rejected": len(prepared.rejects)}
        assert prepared.read == len(prepared.frame) + len(prepared.rejects), name
        if len(prepared.rejects):
            rejects.append(prepared.rejects.assign(table=name))
        ds.notes += prepared.notes
        if name == "tenders":
            known["tenders"] = set(prepared.frame["tender_id"])
        elif name == "enterprises":
            known["enterprises"] = set(prepared.frame["enterprise_id"])
    if rejects:
        ds.rejects = pd.concat(rejects, ignore_index=True)[["table", *REJECT_COLUMNS]]
    return ds


def kept_partitions(files: dict) -> int | None:
    """On a parallel engine, the number of hash partitions the kept tables (`features.io.kept.KEPT`) of `files` are
    validated in when they are read whole (the engine's for the largest of them, so part k of each holds the same
    firms); None on the pandas engine, where every table is held here."""
    from features import engine
    from features.io.footprint import table_rows

    eng = engine.current()
    if not eng.parallel:
        return None
    rows = table_rows({n: f for n, f in files.items() if n in KEPT})
    return eng.partitions(max(rows.values(), default=0))


def warn_if_too_big(files: dict) -> None:
    """On the pandas engine, a warning on the `riskmodels` logger before anything is read when the tables `files` are
    estimated to need more memory than one process on this machine can have (`features.io.footprint`)."""
    import logging

    from features import engine

    if engine.current().parallel:
        return
    from features.io.footprint import pandas_memory_warning

    message = pandas_memory_warning(files)
    if message:
        logging.getLogger("riskmodels.memory").warning(message)


def validate_dataset(directory, settings: Settings | None = None, rejects=None) -> tuple[dict, list[str], int]:
    """`data validate`: load every table of `directory`; the rejected rows (file, row, column, value, reason) to the
    table `rejects` when given. Returns (the report of `Dataset.report`, one line per table and per problem, the number
    of rejected rows)."""
    from features.io.export import write_table

    ds = load_dataset(directory, settings)
    rep = ds.report()
    if rejects is not None:
        write_table(ds.rejects, rejects)
    lines = [f"{name:<14} read {c['read']:>9,}  accepted {c['accepted']:>9,}  rejected {c['rejected']:>7,}  "
             f"({ds.files[name].name}, {ds.encodings.get(name, '')})" for name, c in rep["tables"].items()]
    for p in rep["problems"]:
        col = f".{p['column']}" if p["column"] else ""
        lines.append(f"  {p['action']:<8} {p['rows']:>7,} row(s) {p['table']}{col}: {p['problem']}")
    return rep, lines, len(ds.rejects)
