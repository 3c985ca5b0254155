"""Writing files people open in spreadsheet programs, and the rules every writer of the toolkit shares.

One module for three rules (every CSV/XLSX export goes through them, so they cannot drift apart):

- formula safety, round-trippable (`escape_cell` / `unescape_cell`): a text cell that a spreadsheet would run as a formula
  (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return and is not a plain number such as `-5`) is written with a
  leading apostrophe; so is a text that already starts with an apostrophe followed by one of those characters or another
  apostrophe. Reading strips exactly one such apostrophe (`unescape_cell`, applied by `features.io.read` to every CSV it reads),
  so the toolkit reads its own exports back to the same values: an id `+SUM(1)` written as `'+SUM(1)` is `+SUM(1)` again
  when `inspect plan --tiers` reads it, and `-5` stays `-5`.
- control characters (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F) are stripped from text cells: spreadsheets refuse
  them (openpyxl raises IllegalCharacterError); how many cells lost one is reported (`Export.stripped`, and a warning on
  the `riskmodels.export` logger that the command line prints).
- whole or absent (`atomic_path`, `atomic_dir`): a file is written under a temporary name in its own folder and renamed
  into place, so a reader never sees half a file and a failed run leaves the earlier file as it was; a folder of outputs
  (an inspection plan) is built beside its place and renamed into it at once. The temporary name is created exclusively
  (`tempfile.mkstemp` / `mkdtemp` in the target folder: a new random name, `O_EXCL`, never through a link planted there),
  so nothing outside the output is written whatever the folder holds.
- outputs apart from inputs (`note_input`, `check_apart`): the readers note every file and dataset folder they read; an
  output that is an input, or an output folder that contains or lies inside an input, is refused (InputError, exit 2)
  before anything is written, `--force` or not: replacing it would delete the data being read.

- public text is text (`md_text`, `md_code`): a data value placed in a Markdown file (a public notice) cannot open an
  HTML tag, a heading, a link or a table cell: line breaks become spaces, and the characters that Markdown reads as
  syntax (anywhere: backslash, backtick, `* _ [ ] < > & | ! ~`; at a line start: `# + - = >` and `1.`) are escaped
  (CommonMark renders an escaped character as itself); a value shown as code is fenced with more backticks than it holds.

`write_table` writes .csv (UTF-8 with BOM so Excel shows Chinese text), .parquet or .xlsx by extension under these rules.
`existing_outputs` lists which of a command's outputs already exist: the command line refuses to replace them without
`--force`.
"""
from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from features.core.errors import InputError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_START = FORMULA_START + ("'",)
_FIRST = frozenset(_ESCAPED_START)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
log = logging.getLogger("riskmodels.export")


def escape_cell(value):
    """`value` as written to a spreadsheet cell: text that would start a formula gets a leading `'` (see the module
    docstring for the exact rule). Non-text values and plain numbers written as text (`-5`, `+3.5e2`) are unchanged."""
    if not isinstance(value, str) or not value:
        return value
    c = value[0]
    if c in FORMULA_START:
        return value if _NUMBER.fullmatch(value) else "'" + value
    if c == "'" and value[1:2] in _ESCAPED_START and value[1:2]:
        return "'" + value
    return value


def unescape_cell(value):
    """The inverse of `escape_cell` on what it writes: one leading `'` before a formula character or `'` is removed."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] and value[1:2] in _ESCAPED_START:
        return value[1:]
    return value


neutralise = escape_cell  # the name earlier writers import


def unescape_series(s: pd.Series) -> pd.Series:
    """`unescape_cell` over a text column (only the values that start with an apostrophe are touched)."""
    if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
        return s
    t = s.astype("string")
    hit = (t.str.startswith("'") & t.str.slice(1, 2).isin(list(_ESCAPED_START))).fillna(False).to_numpy(dtype=bool)
    if not hit.any():
        return s
    out = s.copy()
    out[hit] = t[hit].str.slice(1).astype(object)
    return out


def strip_controls(value):
    """(text without control characters, whether any was removed); other values unchanged."""
    if isinstance(value, str) and CONTROL.search(value):
        return CONTROL.sub("", value), True
    return value, False


def safe_cell(value, counter: list | None = None):
    """One cell made safe: control characters stripped (counted in `counter[0]`), then `escape_cell`."""
    v, hit = strip_controls(value)
    if hit and counter is not None:
        counter[0] += 1
    return escape_cell(v)


def safe_frame(df: pd.DataFrame, counter: list | None = None, workbook: bool = False) -> pd.DataFrame:
    """A copy of `df` whose text cells (and column names) cannot start a formula and hold no control characters.
    `counter[0]` is increased by the number of cells that lost a control character. For a `workbook`, line breaks
    inside a cell are written as LF (a workbook stores a CR as LF anyway; done first, so the formula rule sees it)."""
    out = df.copy()
    counter = counter if counter is not None else [0]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            values = out[col].to_numpy(dtype=object)
            if workbook:
                values = [v.replace("\r\n", "\n").replace("\r", "\n") if isinstance(v, str) else v for v in values]
            values = np.array(values, dtype=object)  # a copy: to_numpy may return a read-only view of the frame
            try:
                joined = "\n".join(values)
            except TypeError:  # missing values or numbers among the text
                joined = "\n".join(v for v in values if isinstance(v, str))
            if CONTROL.search(joined):  # one scan of the column; cell by cell only when it holds a control character
                stripped = [strip_controls(v) for v in values]
                counter[0] += sum(hit for _, hit in stripped)
                values = np.asarray([v for v, _ in stripped], dtype=object)
            # only text starting with a formula character or an apostrophe can need one
            hit = np.fromiter((isinstance(v, str) and v[:1] in _FIRST for v in values), dtype=bool, count=len(values))
            if hit.any():
                values[hit] = [escape_cell(v) for v in values[hit]]
            out[col] = pd.Series(values, index=out.index, dtype=object)
            out[col] = out[col].astype(object)
    out.columns = [safe_cell(str(c), counter) for c in out.columns]
    return out


def report_stripped(path, count: int) -> None:
    """Say (warning on the `riskmodels.export` logger) that `count` cells of `path` lost control characters."""
    if count:
        log.warning("%s: %d cell(s) had control characters, removed (spreadsheets cannot hold them)", Path(path).name, count)


# ------------------------------------------------------------------------------------------------------ markdown text

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|!~])")  # what opens a tag, entity, link, image, emphasis, code or cell anywhere
_MD_LINE_START = re.compile(r"^(\s*)([#+\-=>]|\d+[.)])")  # what starts a heading, list or quote at the start of a line
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def md_text(value) -> str:
    """`value` as plain text inside a Markdown line or table cell: no tag, heading, list, link, emphasis or cell break
    can come from it (see the module docstring); control characters are removed."""
    text = _MD_SPECIAL.sub(r"\\\1", CONTROL.sub("", _LINE_BREAKS.sub(" ", str(value))))
    return _MD_LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def md_code(value) -> str:
    """`value` as one Markdown code span (shown literally, HTML escaped by any renderer): fenced with one backtick more
    than its longest run of backticks, on one line."""
    text = CONTROL.sub("", _LINE_BREAKS.sub(" ", str(value)))
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# ------------------------------------------------------------------------------------------------------ whole or absent

_INPUTS: dict[Path, str] = {}  # resolved path -> "dataset", "folder" or "file": what this process has read as input


def note_input(path, kind: str | None = None) -> None:
    """Remember `path` as an input of this run: a "dataset" folder, a "folder" of table parts, or a "file" (a table, the
    tiers, a side file); by default a folder or a file as it is on disk."""
    p = Path(path)
    _INPUTS[p.resolve()] = kind or ("folder" if p.is_dir() else "file")


def forget_inputs() -> None:
    """Forget the inputs noted so far (a new command starts)."""
    _INPUTS.clear()


def _inside(a: Path, b: Path) -> bool:
    return a == b or b in a.parents


def check_apart(path, folder: bool = False) -> None:
    """InputError (exit 2, whatever `--force` says) when output `path` is an input of this run, when a `folder` output
    contains or lies inside an input, or when a file output lies inside a folder of table parts: writing it would
    replace or delete what was read. (A new file beside the tables of a dataset folder replaces nothing.)"""
    out = Path(path).resolve()
    for inp, kind in _INPUTS.items():
        clash = (out == inp or (folder and (_inside(inp, out) or (kind != "file" and _inside(out, inp))))
                 or (kind == "folder" and _inside(out, inp)))
        if clash:
            how = ("is" if out == inp else "contains" if _inside(inp, out) else "lies inside")
            raise InputError(f"{path}: the output {how} the input {inp}; choose an output apart from the data "
                             f"(--force does not change this: the data would be replaced)")


def ensure_folder(parent: Path) -> None:
    """Create the output folder `parent` if needed; exit-2 errors when it is a file, cannot be made or is not writable."""
    if parent.exists() and not parent.is_dir():
        raise InputError(f"{parent}: is a file, not a folder; cannot write into it")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"{parent}: cannot create the output folder ({e.strerror})") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{parent}: output folder is not writable")


def _check_parent(path: Path) -> None:
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a file name")
    ensure_folder(path.parent)


def usual_mode(folder: bool = False) -> int:
    """The permissions a plain `open()` or `mkdir()` would give under the process's umask (0644 / 0755 usually): the
    temporary files and folders outputs are written through are private (0600 / 0700) until they take their place."""
    mask = os.umask(0o022)
    os.umask(mask)
    return (0o777 if folder else 0o666) & ~mask


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path in `path`'s folder (same extension); on success it is renamed to `path` (replacing it),
    on failure removed. A reader sees the old file or the new one, never a part."""
    path = Path(path)
    check_apart(path)
    _check_parent(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        if tmp.exists():
            os.chmod(tmp, usual_mode(folder=tmp.is_dir()))
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EACCES, errno.EROFS, errno.EPERM):
            raise InputError(f"{path}: cannot be written ({e.strerror})") from None
        raise


def write_bytes(path, data: bytes) -> Path:
    """Write `data` to `path` whole or not at all."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` whole or not at all."""
    return write_bytes(path, text.encode(encoding))


@contextlib.contextmanager
def atomic_dir(path):
    """Yield a temporary folder beside `path`; on success it replaces `path` (an earlier folder there is removed only
    after the new one is in place), on failure it is removed. The outputs appear together, with their manifest."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: is a file; --out must be a folder")
    check_apart(path, folder=True)
    ensure_folder(path.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, usual_mode(folder=True))
        old = None
        if path.exists():
            old = path.parent / f".{path.name}.old-{os.getpid()}"
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def existing_outputs(*paths) -> list[Path]:
    """The paths among `paths` that exist already (files, or folders with something in them)."""
    out = []
    for p in paths:
        if p is None:
            continue
        p = Path(p)
        if p.is_symlink() or p.is_file() or (p.is_dir() and any(p.iterdir())):
            out.append(p)
    return out


def refuse_overwrite(*paths, force: bool = False, option: str = "--force") -> list[Path]:
    """InputError naming the outputs that exist already, unless `force`; returns them (they will be replaced)."""
    for p in paths:
        if p is not None:
            check_apart(p, folder=Path(p).is_dir())
    found = existing_outputs(*paths)
    if found and not force:
        names = ", ".join(str(p) for p in found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        raise InputError(f"{names}: already exist{'s' if len(found) == 1 else ''}; nothing was written "
                         f"(use {option} to replace {'it' if len(found) == 1 else 'them'})")
    return found


class OutputGuard:
    """The outputs of one command: `claim` refuses those that exist already unless `force` (`refuse_overwrite`) and
    remembers the ones the command will replace, so that a command that fails can say which of them are now stale
    (`stale_line`: still as an earlier run left them)."""

    def __init__(self):
        self.replacing: dict = {}

    def claim(self, *paths, force: bool = False) -> None:
        found = refuse_overwrite(*paths, force=force)
        self.replacing = {p: p.lstat().st_mtime_ns for p in found}

    def stale_line(self) -> str | None:
        """One line naming the claimed outputs that were not replaced, or None when there are none."""
        stale = [p for p, t in self.replacing.items() if p.exists() and p.lstat().st_mtime_ns == t]
        if not stale:
            return None
        return ("stale: " + ", ".join(map(str, stale[:8])) + (" ..." if len(stale) > 8 else "")
                + " left from an earlier run (this run failed before replacing them)")


# ------------------------------------------------------------------------------------------------------------- tables

def line_end(df: pd.DataFrame) -> str:
    """The line end for `df`'s CSV: LF, or CRLF when a text cell holds a CR (pandas quotes a field with a CR only when the
    line end has one; an unquoted CR would split the record when the file is read back)."""
    for col in df.columns:
        s = df[col]
        if (s.dtype == object or pd.api.types.is_string_dtype(s)) and s.astype("string").str.contains("\r", regex=False).any():
            return "\r\n"
    return "\n"


def csv_text(df: pd.DataFrame, counter: list | None = None) -> str:
    """The CSV text of `df` under the export rules (no BOM)."""
    safe = safe_frame(df, counter)
    return safe.to_csv(index=False, lineterminator=line_end(safe))


def write_table(df: pd.DataFrame, path, *, spreadsheet_safe: bool = True, index: bool = False) -> Path:
    """Write `df` to `path` as .csv, .parquet or .xlsx (by extension), whole or absent. CSV and XLSX are spreadsheet-safe
    by default (formula rule and control characters, see the module docstring)."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in (".parquet", ".csv", ".xlsx"):
        raise InputError(f"{path}: unsupported output format '{ext}' (use .csv, .parquet or .xlsx)")
    counter = [0]
    frame = df.reset_index() if index else df
    if ext != ".parquet" and spreadsheet_safe:
        frame = safe_frame(frame, counter, workbook=ext == ".xlsx")
    with atomic_path(path) as tmp:
        if ext == ".parquet":
            frame.to_parquet(tmp, index=False)
        elif ext == ".csv":
            frame.to_csv(tmp, index=False, encoding="utf-8-sig" if spreadsheet_safe else "utf-8",
                         lineterminator=line_end(frame))
        else:
            _to_xlsx(frame, tmp)
    report_stripped(path, counter[0])
    return path


def write_parquet_parts(frames, path) -> Path:
    """Frames brought one at a time (any iterable: the parts of a table kept on the workers, in order) written as one
    Parquet file, each frame its own row groups, whole or absent; no process holds more than one frame. Categorical
    columns are written as their values (each part's categories may be all of the table's ids, and a row group stores
    only what it holds). The frames share their columns; each is cast to the first one's types (a column without a
    value in the first frame takes the type of the first frame that has one)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if path.suffix.lower() != ".parquet":
        raise InputError(f"{path}: parts are written as Parquet only (use .parquet)")

    def arrow(frame: pd.DataFrame) -> pa.Table:
        cats = {c: frame[c].astype(object).where(frame[c].notna(), None) for c in frame.columns
                if isinstance(frame[c].dtype, pd.CategoricalDtype)}
        return pa.Table.from_pandas(frame.assign(**cats) if cats else frame, preserve_index=False)

    tables = (arrow(f) for f in frames)
    with atomic_path(path) as tmp:
        held, writer, schema = [], None, None
        try:
            for t in tables:
                names = (schema or (held[0].schema if held else t.schema)).names
                if t.schema.names != names:
                    raise ValueError(f"{path}: a part has columns {t.schema.names}, the first {names}")
                if schema is None:
                    held.append(t)  # until every column has a type (a part may hold no value of one)
                    fields = [pa.field(n, next((h.schema.field(n).type for h in held
                                                if not pa.types.is_null(h.schema.field(n).type)), pa.null()))
                              for n in t.schema.names]
                    if all(not pa.types.is_null(f.type) for f in fields):
                        schema = pa.schema(fields, metadata=held[0].schema.metadata)
                    else:
                        continue
                    writer = pq.ParquetWriter(tmp, schema)
                    for h in held:
                        writer.write_table(h.cast(schema))
                    held = []
                    continue
                if t.num_rows:
                    writer.write_table(t.cast(schema))
            if writer is None:  # every column of every part empty of values (or no part): as a whole write
                first = held[0] if held else pa.table({})
                pq.write_table(pa.concat_tables(held, promote_options="default") if held else first, tmp)
        finally:
            if writer is not None:
                writer.close()
    return path


def _to_xlsx(df: pd.DataFrame, path: Path) -> None:
    """One sheet, every text cell stored as text (never a formula), header frozen."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append([str(c) for c in df.columns])
    for rec in df.itertuples(index=False, name=None):
        ws.append([None if (not isinstance(v, str) and _isna(v)) else (v.item() if isinstance(v, np.generic) else v)
                   for v in rec])
    for row in ws.iter_rows(min_row=1):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    wb.save(path)


def _isna(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False
