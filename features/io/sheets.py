"""Workbooks people circulate: one sheet per table with a frozen, bold header row, a filter, column widths that fit the text
(Chinese characters count double) and no cell that can start a formula or holds a control character (the shared export
rule, `features.io.export.safe_frame`).

The cell values of a sheet are exactly `sheet_rows(frame)`, so a reader (or `inspect verify`) can compare them with the
frame they came from; the presentation (widths, filter, frozen header) never changes a value.
"""
from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path

import pandas as pd

from features.core.errors import InputError
from features.io.export import safe_frame

MIN_WIDTH, MAX_WIDTH = 8, 60


def sheet_rows(df: pd.DataFrame, counter: list | None = None) -> list[tuple]:
    """The cell values written for a frame: header then rows, made safe by the shared export rule
    (`features.io.export.safe_frame` for workbooks), missing values as None."""
    safe = safe_frame(df, counter, workbook=True)
    rows = [tuple(safe.columns)]
    for rec in safe.itertuples(index=False, name=None):
        rows.append(tuple(None if (not isinstance(v, str) and pd.isna(v)) else (v.item() if hasattr(v, "item") else v)
                          for v in rec))
    return rows


def text_width(value) -> int:
    """Display width of a cell's text: East Asian wide and full-width characters count two."""
    if value is None:
        return 0
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in str(value))


def column_widths(rows: list[tuple]) -> list[float]:
    """A width per column that fits its longest text (header included), between MIN_WIDTH and MAX_WIDTH."""
    if not rows:
        return []
    n = max(len(r) for r in rows)
    widest = [0] * n
    for r in rows:
        for i, v in enumerate(r):
            widest[i] = max(widest[i], text_width(v))
    return [float(min(MAX_WIDTH, max(MIN_WIDTH, w + 2))) for w in widest]


def write_workbook(path, sheets: dict) -> Path:
    """Write `sheets` (name -> DataFrame) to `path` as a readable XLSX (see the module doc). The bytes depend only on the
    frames (fixed creation time), so the same tables give the same file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(str(name)[:31])
        rows = sheet_rows(df)
        for r in rows:
            ws.append(r)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula cell
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        for i, w in enumerate(column_widths(rows), 1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.freeze_panes = "A2"
        if rows and rows[0]:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(rows[0]))}{max(1, len(rows))}"
    wb.properties.creator = "riskmodels"
    wb.properties.created = datetime(2000, 1, 1)
    wb.properties.modified = datetime(2000, 1, 1)
    from features.io.export import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:  # whole or absent, through an exclusively created temporary file
        wb.save(tmp)
        pin_times(tmp)
    return path


PINNED = (2000, 1, 1, 0, 0, 0)


def pin_times(path) -> None:
    """Rewrite a workbook so that writing the same workbook again gives the same bytes: openpyxl stamps the time of
    saving into the core properties (`dcterms:modified`) and every zip entry; here both become 2000-01-01."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        entries = [(info.filename, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            z.writestr(zipfile.ZipInfo(name, date_time=PINNED), data, compress_type=zipfile.ZIP_DEFLATED)


MAX_CELLS = 2_000_000  # cells a workbook we read may hold (a plan of 100,000 visits has about 1.2 million)


class WorkbookTooLarge(InputError):
    """A workbook holds more cells than a reader allows."""


def trim_row(row) -> tuple:
    """A row without its trailing empty cells (None or "")."""
    row = list(row)
    while row and (row[-1] is None or row[-1] == ""):
        row.pop()
    return tuple(row)


MAX_PART_BYTES = 256 * 1024 ** 2  # uncompressed bytes of one part of a workbook we open (a zip bomb stops here)


def check_workbook(path, max_cells: int = MAX_CELLS) -> None:
    """`WorkbookTooLarge` (before openpyxl builds anything) when a part of the workbook unpacks to more than
    MAX_PART_BYTES, or its merged ranges cover more than `max_cells` cells (openpyxl makes an object per merged cell);
    InputError when it is not a workbook at all."""
    import re
    import zipfile

    name = Path(path).name
    try:
        with zipfile.ZipFile(path) as z:
            merged = 0
            for info in z.infolist():
                if info.file_size > MAX_PART_BYTES:
                    raise WorkbookTooLarge(f"{name}: part {info.filename} unpacks to {info.file_size:,} bytes; not read")
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with z.open(info) as f:
                        text = f.read().decode("utf-8", "replace")
                    for a, b in re.findall(r'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+\d+):([A-Z]+\d+)"', text):
                        merged += _area(a, b)
                        if merged > max_cells:
                            raise WorkbookTooLarge(f"{name}: merged cells cover more than {max_cells:,} cells; not read")
    except zipfile.BadZipFile:
        raise InputError(f"{name}: not an XLSX workbook (not a zip archive)") from None


def _area(a: str, b: str) -> int:
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

    (ca, ra), (cb, rb) = coordinate_from_string(a), coordinate_from_string(b)
    return (abs(column_index_from_string(cb) - column_index_from_string(ca)) + 1) * (abs(rb - ra) + 1)


def read_workbook(path, max_cells: int = MAX_CELLS) -> dict:
    """Sheet name -> list of row tuples: the cells a sheet holds, each row without its trailing empty cells and the sheet
    without its trailing empty rows. Only the stored cells are read (the dimension a file claims is ignored, so one cell
    at XFD1048576 costs one row, not 17 billion cells); more than `max_cells` cells in all is a `WorkbookTooLarge`."""
    from openpyxl import load_workbook

    check_workbook(path, max_cells)
    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        out, seen = {}, 0
        for ws in wb.worksheets:
            ws.reset_dimensions()  # rows as stored: neither padded to nor cut at the claimed dimension
            rows = []
            for r in ws.iter_rows(values_only=True):
                seen += len(r)
                if seen > max_cells:
                    raise WorkbookTooLarge(f"{Path(path).name}: more than {max_cells:,} cells (sheet '{ws.title}' reaches "
                                           f"row {len(rows) + 1:,}); not read")
                rows.append(trim_row(r))
            while rows and not rows[-1]:
                rows.pop()
            out[ws.title] = rows
        return out
    finally:
        wb.close()
