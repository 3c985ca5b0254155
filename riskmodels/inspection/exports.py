"""Exports: plan.csv, unassigned.csv, strata.csv, the public notice and plan.xlsx, all safe to open in a spreadsheet.

No cell may start a formula and no cell holds a control character: the shared export rules of `features.export` (a text
value beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, read back without it), in the CSV
files and in the workbook alike, so a firm registered as `=HYPERLINK(...)` stays text. CSV files are UTF-8 with `\\n` line ends, so the same plan gives the same bytes.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from features.export import FORMULA_START, csv_text, neutralise, safe_cell, safe_frame  # noqa: F401 - one rule for every export

NOTICE_COLUMNS = ["enterprise_id", "name", "departments", "window"]


def csv_bytes(df: pd.DataFrame, counter: list | None = None) -> bytes:
    return csv_text(df, counter).encode("utf-8")


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


def presentation(path: Path) -> dict:
    """What a reader of the workbook sees besides the cell values: sheets (order, visibility), hidden or zero-sized rows
    and columns, each cell's number format, font colour, fill and comment or hyperlink, merged ranges, conditional
    formats, data validations, filters, frozen panes and defined names. `verify` compares this with the workbook the
    writer makes from the re-derived plan, so any layout the writer chooses is checked and any tampering is found."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=False, data_only=False)
    try:
        out = {"sheets": [(ws.title, ws.sheet_state) for ws in wb.worksheets],
               "names": sorted(str(n) for n in getattr(wb, "defined_names", {}))}
        for ws in wb.worksheets:
            rows = {r: (bool(d.hidden), d.height) for r, d in ws.row_dimensions.items()
                    if d.hidden or (d.height is not None and d.height < 1)}
            cols = {c: (bool(d.hidden), d.width) for c, d in ws.column_dimensions.items()
                    if d.hidden or (d.width is not None and d.width < 1)}
            cells = {}
            for row in ws.iter_rows():
                for c in row:
                    look = (c.number_format, getattr(c.font.color, "rgb", None) if c.font and c.font.color else None,
                            getattr(c.fill.fgColor, "rgb", None) if c.fill and c.fill.fill_type else None,
                            c.comment.text if c.comment else None, c.hyperlink.target if c.hyperlink else None)
                    if look != ("General", None, None, None, None):
                        cells[c.coordinate] = look
            out[ws.title] = {"hidden_rows": rows, "hidden_columns": cols, "cells": cells,
                             "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
                             "merged": sorted(str(m) for m in ws.merged_cells.ranges),
                             "conditional": sorted(str(r.sqref) for r in ws.conditional_formatting),
                             "validations": len(ws.data_validations.dataValidation) if ws.data_validations else 0,
                             "filter": ws.auto_filter.ref, "freeze": ws.freeze_panes}
        return out
    finally:
        wb.close()


def presentation_difference(got: dict, want: dict) -> str | None:
    """The first way the published workbook looks different from the one the writer makes, in words; None when alike."""
    if got["sheets"] != want["sheets"]:
        extra = [s for s in got["sheets"] if s not in want["sheets"]]
        return f"sheets are {got['sheets']} (expected {want['sheets']})" + (f"; extra or hidden: {extra}" if extra else "")
    if got["names"] != want["names"]:
        return f"defined names {got['names']} (expected {want['names']})"
    for title, _ in want["sheets"]:
        g, w = got[title], want[title]
        for key, what in (("hidden_rows", "hidden rows"), ("hidden_columns", "hidden columns"), ("merged", "merged cells"),
                          ("conditional", "conditional formats"), ("validations", "data validations"),
                          ("filter", "filter"), ("freeze", "frozen panes"), ("widths", "column widths")):
            if g[key] != w[key]:
                return f"sheet '{title}': {what} differ ({_brief(g[key])}, expected {_brief(w[key])})"
        if g["cells"] != w["cells"]:
            cell = next(k for k in sorted(set(g["cells"]) | set(w["cells"])) if g["cells"].get(k) != w["cells"].get(k))
            look = g["cells"].get(cell, ("General", None, None, None, None))
            want_look = w["cells"].get(cell, ("General", None, None, None, None))
            parts = [f"{n} {a!r} (expected {b!r})" for n, a, b in zip(("number format", "font colour", "fill", "comment",
                                                                        "hyperlink"), look, want_look) if a != b]
            return f"sheet '{title}' cell {cell}: " + "; ".join(parts)
    return None


def _brief(v) -> str:
    t = repr(v)
    return t if len(t) <= 80 else t[:77] + "..."

