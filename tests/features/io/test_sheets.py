"""features.io.sheets: workbooks whose cells are exactly sheet_rows(frame), never a formula, same tables same bytes."""
from __future__ import annotations

import numpy as np
import pandas as pd

from features.io.sheets import MAX_WIDTH, MIN_WIDTH, column_widths, read_workbook, sheet_rows, text_width, write_workbook


def _frame():
    return pd.DataFrame({"firm": ["=HYPERLINK(\"x\")", "深圳市某某有限公司", None], "score": [0.5, np.nan, 2.0],
                         "n": pd.array([1, None, 3], dtype="Int64")})


def test_sheet_rows_are_safe_and_missing_is_none():
    rows = sheet_rows(_frame())
    assert rows[0] == ("firm", "score", "n")
    assert rows[1][0] == "'=HYPERLINK(\"x\")" and rows[1][1] == 0.5  # a formula-looking text gets its leading quote
    assert rows[2][1] is None and rows[2][2] is None and rows[3][0] is None


def test_widths_count_wide_characters_twice_and_stay_in_bounds():
    assert text_width("abc") == 3 and text_width("深圳") == 4 and text_width("ＡＢ") == 4 and text_width(None) == 0
    w = column_widths([("a", "深圳市某某有限公司"), ("b" * 500, "x")])
    assert w[0] == MAX_WIDTH and w[1] == text_width("深圳市某某有限公司") + 2
    assert column_widths([("", "")]) == [MIN_WIDTH, MIN_WIDTH] and column_widths([]) == []


def test_workbook_reads_back_its_rows_with_the_same_bytes(tmp_path):
    from openpyxl import load_workbook

    a = write_workbook(tmp_path / "a.xlsx", {"plan": _frame(), "a very long sheet name that Excel cuts at 31": _frame()})
    b = write_workbook(tmp_path / "b.xlsx", {"plan": _frame(), "a very long sheet name that Excel cuts at 31": _frame()})
    assert a.read_bytes() == b.read_bytes()
    # whenever it is written: no time of saving in the entries or the core properties (openpyxl stamps both)
    import zipfile

    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert core.count("2000-01-01T00:00:00Z") == 2 and "modified" in core
    back = read_workbook(a)
    assert list(back) == ["plan", "a very long sheet name that Exc"]
    def trimmed(rows):  # a row reads back without its trailing empty cells (only the used range is read)
        out = []
        for r in rows:
            r = list(r)
            while r and r[-1] is None:
                r.pop()
            out.append(tuple(r))
        return out

    assert trimmed(back["plan"]) == trimmed(sheet_rows(_frame()))
    ws = load_workbook(a)["plan"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C4" and ws["A1"].font.bold
    assert ws["A2"].data_type == "s"  # text, not a formula
