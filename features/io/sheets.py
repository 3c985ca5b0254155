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
    path = Path(path)
    wb.save(path)
    return path


def read_workbook(path) -> dict:
    """Sheet name -> list of row tuples as openpyxl reads them."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()
