"""riskmodels.inspection.exports: the circulated workbook keeps formula-looking names as text."""
from __future__ import annotations

from riskmodels.inspection import make_plan
from riskmodels.inspection.exports import safe_cell
from tests.riskmodels.inspection.city import FORMULA_NAME, PERIOD, city, write


def test_workbook_keeps_formula_like_names_as_text(tmp_path):
    from openpyxl import load_workbook

    t = city(n=120)
    t["tiers"].loc[7, "trigger"] = "1"
    d, tiers = write(tmp_path, t)
    make_plan(d, tiers, PERIOD, "x", tmp_path / "p")
    wb = load_workbook(tmp_path / "p" / "plan.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert not [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@", "\t", "\r"))]
    names = [c.value for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert names == ["'" + FORMULA_NAME] and all(c.data_type == "s" for c in cells if c.value in names)
    assert set(wb.sheetnames) == {"plan", "unassigned", "strata"}  # the public notice is its own workbook
    notice = load_workbook(tmp_path / "p" / "notice.xlsx")
    assert notice.sheetnames == ["notice"] and notice["notice"]["B1"].value == "Enterprise name"
    assert [safe_cell(v) for v in ("-1", "+x", "@a", "\tb", "\rc", "ok", 5)] == ["-1", "'+x", "'@a", "'\tb", "'\rc", "ok", 5]
