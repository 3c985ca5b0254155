"""Reading table files into raw text frames: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK) and Parquet (a file or a folder of parts).

`read_raw` returns every record as text with its row number, plus the records that could not even be split into the
header's columns (too many or too few fields, or a field longer than the size limit), so the prepare step can account for
every row. Row numbers are spreadsheet rows (a record whose quoted field spans several lines is one row). File-level problems
(unreadable, empty, undecodable, duplicate headers) raise `InputError` naming the file.

Encodings: UTF-8 (with or without BOM) and GB18030/GBK. Bytes that are not UTF-8 are given to `charset-normalizer`; when
it finds another East Asian encoding (Big5, Shift-JIS, EUC-KR, ...) reads the text better than GB18030, the file is refused
with the encoding named instead of being read as mojibake. Text cells are read back through the export rule of
`features.io.export.unescape_cell`, so the toolkit's own exports read back to the values it wrote.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from features.core.errors import InputError
from features.io.export import note_input, unescape_series

ENCODINGS = ("utf-8", "gb18030")  # GB18030 is a superset of GBK and GB2312
_CJK = ["gb18030", "big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949"]
MAX_FIELD_BYTES = 128 * 1024  # default size limit of one field (settings [validate] max_field_bytes)


def _gb18030_or_refuse(data: bytes, label: str) -> str:
    """GB18030 text of `data`, unless the detector reads it better as another East Asian encoding (then InputError)."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    from charset_normalizer import from_bytes

    if text is not None and sum(b > 127 for b in data[:4096]) < 16:
        return text  # too little non-ASCII text to tell East Asian encodings apart: GB18030, the supported one
    matches = list(from_bytes(data[:200_000], cp_isolation=_CJK))
    if matches:
        best = min(m.chaos for m in matches)
        if text is not None and any(m.encoding == "gb18030" and m.chaos <= best for m in matches):
            return text
        other = min(matches, key=lambda m: m.chaos).encoding
        if other != "gb18030":
            raise InputError(f"{label}: text looks like {other} (not supported); save it as UTF-8 or GB18030")
    if text is None:
        raise InputError(f"{label}: text encoding not recognised (expected UTF-8 or GB18030/GBK)")
    return text


@dataclass
class RawTable:
    """A file read as text: `frame` has one column per header cell (object dtype) and a `row` array of spreadsheet row numbers
    (the header is row 1, the first record row 2; blank lines are skipped and not counted). `broken` lists records that did not
    fit the header as (row, number of fields, raw text, reason)."""

    label: str
    frame: pd.DataFrame
    rows: np.ndarray
    broken: list
    encoding: str


def decode(data: bytes, label: str) -> tuple[str, str]:
    """Text and encoding name of a CSV file's bytes, or InputError when it is not UTF-8 or GB18030/GBK text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{label}: UTF-16 text is not supported; save it as UTF-8 or GB18030")
    if b"\x00" in data:
        raise InputError(f"{label}: looks like a binary file, not CSV text (NUL bytes)")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise InputError(f"{label}: starts with a UTF-8 byte-order mark but is not valid UTF-8 (byte {e.start})") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{label}: UTF-16 text is not supported; save it as UTF-8 or GB18030")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _gb18030_or_refuse(data, label), "gb18030"


def clean_header(cells: list[str], label: str) -> list[str]:
    names = [str(c).strip().lstrip("\ufeff") for c in cells]
    seen = set()
    for n in names:
        if n in seen:
            raise InputError(f"{label}: column '{n}' appears twice in the header")
        seen.add(n)
    return names


def _read_csv_text(text: str, label: str, max_field: int = MAX_FIELD_BYTES) -> tuple[pd.DataFrame, np.ndarray, list]:
    """Fast path with pandas' C parser when every line is one record of the header's width (no quotes, no blank lines,
    no line longer than the field limit); anything else goes through the csv module, which accounts for each record exactly."""
    if '"' in text or "\r" in text.replace("\r\n", ""):
        return _read_csv_slow(text, label, max_field)
    body = text.replace("\r\n", "\n")
    if not body.endswith("\n"):
        body += "\n"
    # pandas pads short records and tolerates trailing empty fields, so check widths first: every line must hold exactly as
    # many separators as the header and no line may be blank (counted in numpy over the bytes)
    raw = np.frombuffer(body.encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    per_line = np.bincount(np.searchsorted(ends, np.flatnonzero(raw == 44)), minlength=len(ends))
    lengths = np.diff(np.concatenate(([-1], ends))) - 1
    if len(per_line) == 0 or per_line[0] == 0 or (per_line != per_line[0]).any() or (lengths == 0).any() or \
            (lengths > max_field).any():  # a line over the field limit may hold an oversized field: checked record by record
        return _read_csv_slow(text, label, max_field)
    lines_n = len(per_line)
    try:
        df = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False,
                         engine="c", on_bad_lines="error", header=0)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return _read_csv_slow(text, label, max_field)
    header = [str(h) for h in df.columns]
    if len(df) != lines_n - 1 or any(h.startswith("Unnamed: ") for h in header) or \
            clean_header(body[:body.index("\n")].split(","), label) != [h.strip().lstrip("\ufeff") for h in header]:
        return _read_csv_slow(text, label, max_field)  # let the slow path report blank or duplicate header names exactly
    df.columns = clean_header(header, label)
    return df, np.arange(2, len(df) + 2), []


def _records(reader, label: str):
    """The records of a csv `reader` as (row, record): first (0, the header's names, cleaned; InputError when one is
    blank), then every other record with its spreadsheet row (a quoted field over several lines is one row; a blank
    line is a row, skipped)."""
    header, row = None, 0
    try:
        for rec in reader:
            row += 1
            if not rec or all(not c.strip() for c in rec) and len(rec) <= 1:
                continue
            if header is None:
                header = clean_header(rec, label)
                if any(not h for h in header):
                    raise InputError(f"{label}: a column in the header has no name")
                yield 0, header
                continue
            yield row, rec
    except csv.Error as e:
        raise InputError(f"{label}: not readable as CSV near line {reader.line_num + 1} ({e})") from None
    if header is None:
        raise InputError(f"{label}: file is empty (no header row)")


@contextmanager
def _field_limit(size: int):
    """The csv module's field size limit raised to `size` within the block: the limit is ours to apply per record."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, size))
    try:
        yield
    finally:
        csv.field_size_limit(limit)


def _read_csv_slow(text: str, label: str, max_field: int = MAX_FIELD_BYTES) -> tuple[pd.DataFrame, np.ndarray, list]:
    """Every record through the csv module. `row` counts records as a spreadsheet shows them (a quoted field over several
    lines is one row; a blank line is a row, skipped). A record with a field over `max_field` bytes is a broken record."""
    header = None
    records, rows, broken = [], [], []
    with _field_limit(len(text) + 1):
        for row, rec in _records(csv.reader(io.StringIO(text, newline="")), label):
            if row == 0:
                header = rec
                continue
            big = max((len(c.encode("utf-8")) for c in rec if len(c) * 4 > max_field), default=0)
            if big > max_field:
                broken.append((row, len(rec), rec[0][:50] + ",...",
                               f"a field of {big:,} bytes is over the {max_field:,}-byte limit"))
                continue
            if len(rec) != len(header):
                broken.append((row, len(rec), ",".join(rec)[:200], f"record has {len(rec)} fields, header has {len(header)}"))
                continue
            records.append(rec)
            rows.append(row)
    df = pd.DataFrame(records, columns=header, dtype=object) if records else pd.DataFrame({h: pd.Series(dtype=object) for h in header})
    return df, np.asarray(rows, dtype=np.int64), broken


def read_raw(path: Path, max_field: int = MAX_FIELD_BYTES) -> RawTable:
    """Read one table file (NAME.csv, NAME.parquet, or a NAME/ folder of Parquet parts) as a RawTable.
    A record with a field longer than `max_field` bytes is a broken record (rejected by the prepare step)."""
    path = Path(path)
    label = path.name
    note_input(path)
    if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
        try:
            df = pd.read_parquet(path)
        except Exception as e:  # noqa: BLE001 - pyarrow raises many types for unreadable files
            raise InputError(f"{label}: not a readable Parquet file ({type(e).__name__})") from None
        df.columns = clean_header([str(c) for c in df.columns], label)
        df = df.reset_index(drop=True)
        return RawTable(label, df, np.arange(1, len(df) + 1), [], "parquet")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{label}: cannot be read ({e.strerror})") from None
    if not data.strip():
        raise InputError(f"{label}: file is empty (no header row)")
    text, enc = decode(data, label)
    frame, rows, broken = _read_csv_text(text, label, max_field)
    if "'" in text and re.search(r"(?:^|[,\n])\"?'", text):  # some field starts with an apostrophe
        for col in frame.columns:
            frame[col] = unescape_series(frame[col])
    return RawTable(label, frame, rows, broken, enc)


def read_columns(path: Path, columns) -> pd.DataFrame:
    """The named `columns` of a table file (those its header has, in the file's order; header names stripped as
    `read_raw` strips them), every value as `read_raw` reads it, without holding the rest of the file: a CSV file is
    read a record at a time and only those fields are kept (a tiers file's written reasons are most of its bytes, and
    a plan reads none of them); Parquet is read whole by `read_raw` (its columns are cheap to drop).

    Unlike `read_raw`, a record that does not fit the header is an InputError naming the file and row, not a row left
    out: callers of this function keep no rejects table. A file that is not plain UTF-8 (GB18030, a byte-order mark of
    UTF-16, NUL bytes) is read whole by `read_raw`, which names what is wrong with it."""
    path = Path(path)
    label = path.name
    wanted = set(str(c) for c in columns)
    if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
        return _select(read_raw(path).frame, wanted)
    note_input(path)
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 20)
    except OSError as e:
        raise InputError(f"{label}: cannot be read ({e.strerror})") from None
    if not head.strip() or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        return _select(read_raw(path).frame, wanted)
    try:
        header, rows = _csv_columns(path, label, wanted)
    except UnicodeDecodeError:
        return _select(read_raw(path).frame, wanted)  # GB18030 or not text: read_raw decides, reading it whole
    frame = pd.DataFrame({h: pd.Series(v, dtype=object) for h, v in zip(header, rows)})
    for col in frame.columns:
        frame[col] = unescape_series(frame[col])
    return frame


def _csv_columns(path: Path, label: str, wanted: set) -> tuple[list, list]:
    """(the kept header names, one list of values per kept column) of a UTF-8 CSV file, a record at a time, as
    `_read_csv_slow` splits and counts records (blank lines skipped)."""
    header, keep, cols = None, [], []
    with _field_limit(path.stat().st_size + 1), open(path, encoding="utf-8-sig", newline="") as f:
        for row, rec in _records(csv.reader(f), label):
            if row == 0:
                header = rec
                keep = [i for i, h in enumerate(header) if h in wanted]
                cols = [[] for _ in keep]
                continue
            if len(rec) != len(header):
                raise InputError(f"{label}: row {row} has {len(rec)} fields, the header has {len(header)}")
            for values, i in zip(cols, keep):
                values.append(rec[i])
    return [header[i] for i in keep], cols


def _select(frame: pd.DataFrame, wanted: set) -> pd.DataFrame:
    return frame[[c for c in frame.columns if c in wanted]]
