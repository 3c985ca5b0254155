"""Exports: plan.csv, unassigned.csv, strata.csv, the public notice and plan.xlsx, all safe to open in a spreadsheet.

No cell may start a formula and no cell holds a control character: the shared export rules of `features.export` (a text
value beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, read back without it), in the CSV
files and in the workbook alike, so a firm registered as `=HYPERLINK(...)` stays text. CSV files are UTF-8 with `\\n` line ends, so the same plan gives the same bytes.
"""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pandas as pd

from features.export import FORMULA_START, neutralise, safe_cell, safe_frame  # noqa: F401 - one rule for every export

NOTICE_COLUMNS = ["enterprise_id", "name", "departments", "window"]


def csv_bytes(df: pd.DataFrame, counter: list | None = None) -> bytes:
    buf = io.StringIO()
    safe_frame(df, counter).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def notice_frame(visits: pd.DataFrame, enterprises: pd.DataFrame | None) -> pd.DataFrame:
    """The public notice: which firms, which departments, when. No inspectors, tiers or trigger reasons."""
    names = {}
    if enterprises is not None and "name" in enterprises.columns:
        names = dict(zip(enterprises["enterprise_id"].astype(str), enterprises["name"]))
    out = pd.DataFrame({"enterprise_id": visits["enterprise_id"],
                        "name": [("" if names.get(e) is None or pd.isna(names.get(e)) else str(names.get(e)))
                                 for e in visits["enterprise_id"]],
                        "departments": visits["departments"], "window": visits["window"]})
    return out[NOTICE_COLUMNS]


def workbook_sheets(visits, unassigned, strata, notice) -> dict:
    """Sheet name -> frame for plan.xlsx (the verify step compares these cell by cell)."""
    return {"plan": visits, "unassigned": unassigned, "strata": strata, "notice": notice}


def sheet_rows(df: pd.DataFrame) -> list[tuple]:
    """The cell values written for a frame: header then rows, text made safe, missing values as None."""
    rows = [tuple(safe_cell(str(c)) for c in df.columns)]
    for rec in df.itertuples(index=False, name=None):
        rows.append(tuple(None if (not isinstance(v, str) and pd.isna(v)) else safe_cell(v.item() if hasattr(v, "item") else v)
                          for v in rec))
    return rows


def write_workbook(path: Path, sheets: dict) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(name)
        for r in sheet_rows(df):
            ws.append(r)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # belt and braces: never a formula cell
        ws.freeze_panes = "A2"
    wb.properties.creator = "riskmodels"
    wb.properties.created = datetime(2000, 1, 1)
    wb.save(path)


def read_workbook(path: Path) -> dict:
    """Sheet name -> list of row tuples as openpyxl reads them."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()
