"""Exports: plan.csv, unassigned.csv, strata.csv (machine-readable, for verification), the internal plan.xlsx a bureau
circulates among its staff, and the public notice (notice.csv, notice.xlsx), all safe to open in a spreadsheet.

- `plan.xlsx` (internal): enterprise name and address, departments by their labels (`[inspect] department_labels`),
  inspectors by name and id, readable headers in English or Chinese (`lang`), trigger reasons in a column marked internal
  only; widths, filter and frozen header from `features.io.sheets`. No notice sheet: the public notice is its own file.
- the notice (public): enterprise code and name, departments, window. Never inspectors, tiers, trigger reasons, legal
  representatives or phone numbers.
- `plan.csv` says only whether a visit was triggered (`triggered` 1/0); the reasons are in the internal workbook alone.

No cell may start a formula and no cell holds a control character: the shared export rules of `features.io.export` (a text
value beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, read back without it), in the CSV
files and in the workbooks alike, so a firm registered as `=HYPERLINK(...)` stays text. CSV files are UTF-8 (the public notice.csv with a BOM, for Excel) with `\\n` line
ends, so the same plan gives the same bytes. `verify` also compares each workbook's presentation (`presentation`).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.io.export import FORMULA_START, csv_text, neutralise, safe_cell, safe_frame  # noqa: F401 - one rule for every export
from features.io.sheets import read_workbook, sheet_rows, write_workbook  # noqa: F401 - re-exported for the planner
from features.io.side_tables import cell_text

CSV_PLAN_COLUMNS = ["visit_id", "enterprise_id", "tier", "departments", "inspectors", "window", "triggered"]

HEADERS = {
    "en": {"visit_id": "Visit", "enterprise_id": "Unified social credit code", "name": "Enterprise name",
           "address": "Address", "tier": "Credit tier", "departments": "Departments", "inspectors": "Inspectors",
           "window": "Inspection window", "trigger": "Trigger reason (internal only)", "department": "Department",
           "reason": "Reason", "roster": "Roster firms", "recently_visited": "Visited recently",
           "a_only_if_triggered": "Tier A (triggers only)", "eligible": "Eligible", "rate": "Rate",
           "expected": "Expected draws", "drawn": "Drawn", "inclusion_probability": "Inclusion probability"},
    "zh": {"visit_id": "检查编号", "enterprise_id": "统一社会信用代码", "name": "企业名称", "address": "地址",
           "tier": "信用等级", "departments": "检查部门", "inspectors": "执法检查人员", "window": "检查时间",
           "trigger": "触发原因（仅限内部）", "department": "部门", "reason": "原因", "roster": "名录企业数",
           "recently_visited": "近期已检查", "a_only_if_triggered": "A级（仅触发）", "eligible": "可抽取",
           "rate": "抽查比例", "expected": "期望抽取数", "drawn": "抽取数", "inclusion_probability": "入选概率"},
}
SHEETS = {"en": {"plan": "plan", "unassigned": "unassigned", "strata": "strata", "notice": "notice"},
          "zh": {"plan": "检查计划", "unassigned": "未安排", "strata": "分层抽取", "notice": "公示"}}
WINDOW_SEP = {"en": " to ", "zh": " 至 "}


def csv_bytes(df: pd.DataFrame, counter: list | None = None, bom: bool = False) -> bytes:
    """CSV bytes under the export rules; `bom`: with a UTF-8 byte-order mark, for files people open in Excel (the
    public notice), so Chinese headers are not read as mojibake. Files for machines and verification have none."""
    return (b"\xef\xbb\xbf" if bom else b"") + csv_text(df, counter).encode("utf-8")


def plan_csv_frame(visits: pd.DataFrame) -> pd.DataFrame:
    """plan.csv: ids for machines and verification; whether a visit was triggered, never why."""
    out = visits.copy()
    out["triggered"] = (out["trigger"].fillna("").astype(str) != "").astype(int)
    return out[[c for c in CSV_PLAN_COLUMNS if c in out.columns] + [c for c in out.columns
                                                                   if c not in CSV_PLAN_COLUMNS and c != "trigger"]]


def _lookup(enterprises: pd.DataFrame | None, col: str, ids: pd.Series) -> dict:
    """enterprise id -> the registry's `col` as text, for the firms `ids` only (a plan's few thousand visits, not a
    province's registry)."""
    if enterprises is None or col not in enterprises.columns:
        return {}
    e = enterprises[enterprises["enterprise_id"].astype(str).isin(pd.unique(ids))]
    return dict(zip(e["enterprise_id"].astype(str), e[col].map(lambda v: cell_text(v, strip=False))))


def department_label(dept: str, labels: dict) -> str:
    return cell_text(labels.get(dept), strip=False) or dept


def _departments(value, labels: dict, lang: str) -> str:
    return ("、" if lang == "zh" else "; ").join(department_label(d, labels) for d in cell_text(value, strip=False).split(";") if d)


def _window(value: str, lang: str) -> str:
    return cell_text(value, strip=False).replace("/", WINDOW_SEP[lang])


def labels_for(settings_labels: dict, lang: str) -> dict:
    """Department id -> label in `lang` from `[inspect] department_labels` ({dept: {en: ..., zh: ...}})."""
    return {str(d): cell_text((v or {}).get(lang) if isinstance(v, dict) else v, strip=False) for d, v in (settings_labels or {}).items()}


def readable_plan(visits: pd.DataFrame, enterprises: pd.DataFrame | None, inspectors: pd.DataFrame | None,
                  labels: dict, lang: str) -> pd.DataFrame:
    """The internal plan sheet: one row per visit with name, address, tier, departments and inspectors by name."""
    ids = visits["enterprise_id"].astype(str)
    names, addresses = _lookup(enterprises, "name", ids), _lookup(enterprises, "address", ids)
    who = {}
    if inspectors is not None and "name" in inspectors.columns:
        who = dict(zip(inspectors["inspector_id"].astype(str).str.strip(), inspectors["name"].map(lambda v: cell_text(v, strip=False))))
    out = pd.DataFrame({
        "visit_id": visits["visit_id"], "enterprise_id": ids, "name": ids.map(lambda e: names.get(e, "")),
        "address": ids.map(lambda e: addresses.get(e, "")), "tier": visits["tier"],
        "departments": visits["departments"].map(lambda v: _departments(v, labels, lang)),
        "inspectors": visits["inspectors"].map(lambda v: "; ".join(
            f"{who[i]} ({i})" if who.get(i) else i for i in cell_text(v, strip=False).split(";") if i)),
        "window": visits["window"].map(lambda v: _window(v, lang)),
        "trigger": visits["trigger"].fillna("").astype(str)})
    if "inclusion_probability" in visits.columns:
        out.insert(5, "inclusion_probability", visits["inclusion_probability"])
    return out.rename(columns=HEADERS[lang])


def notice_frame(visits: pd.DataFrame, enterprises: pd.DataFrame | None, labels: dict | None = None,
                 lang: str = "en") -> pd.DataFrame:
    """The public notice: which firms, which departments, when. No inspectors, tiers, trigger reasons, legal
    representatives or phone numbers."""
    labels = labels or {}
    ids = visits["enterprise_id"].astype(str)
    names = _lookup(enterprises, "name", ids)
    out = pd.DataFrame({"enterprise_id": ids, "name": ids.map(lambda e: names.get(e, "")),
                        "departments": visits["departments"].map(lambda v: _departments(v, labels, lang)),
                        "window": visits["window"].map(lambda v: _window(v, lang))})
    return out.rename(columns=HEADERS[lang])


def readable(df: pd.DataFrame, labels: dict, lang: str) -> pd.DataFrame:
    """A side table (unassigned, strata) with department labels and readable headers."""
    out = df.copy()
    if "department" in out.columns:
        out["department"] = out["department"].map(lambda d: department_label(cell_text(d, strip=False), labels))
    return out.rename(columns=HEADERS[lang])


def workbook_sheets(visits, unassigned, strata, *, enterprises=None, inspectors=None, labels=None, lang="en") -> dict:
    """Sheet name -> frame for the internal plan.xlsx (the verify step compares these cell by cell). No notice sheet."""
    labels = labels or {}
    s = SHEETS[lang]
    return {s["plan"]: readable_plan(visits, enterprises, inspectors, labels, lang),
            s["unassigned"]: readable(unassigned, labels, lang), s["strata"]: readable(strata, labels, lang)}


def notice_sheets(notice: pd.DataFrame, lang: str = "en") -> dict:
    """Sheet name -> frame for the public notice.xlsx."""
    return {SHEETS[lang]["notice"]: notice}


def presentation(path: Path) -> dict:
    """What a reader of the workbook sees besides the cell values: sheets (order, visibility), hidden or zero-sized rows
    and columns, each cell's number format, font colour, fill and comment or hyperlink, merged ranges, conditional
    formats, data validations, filters, frozen panes and defined names. `verify` compares this with the workbook the
    writer makes from the re-derived plan, so any layout the writer chooses is checked and any tampering is found."""
    from openpyxl import load_workbook

    from features.io.sheets import check_workbook

    check_workbook(path)  # bounded before openpyxl builds the whole workbook in memory
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
            # the stored cells only: iter_rows() would make every cell of the claimed range (to XFD1048576: 17 billion)
            for c in sorted(ws._cells.values(), key=lambda c: (c.row, c.column)):
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

