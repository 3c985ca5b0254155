"""riskmodels.credit.reasons: windows stated as dates, zero counts never read as a clean record, the heaviest records
always shown, the same in Chinese."""
from __future__ import annotations

import pandas as pd

from riskmodels.credit.reasons import describe, record_facts, render_items

AS_OF = pd.Timestamp("2026-02-01")


def test_windows_are_dated_and_zero_is_no_such_record():
    assert describe("penalty_amount_365d", 0.0, AS_OF) == "no penalty in the 12 months before 2026-02-01"
    assert describe("court_judgment_n_1095d", 0.0, AS_OF) == "no lost court case in the 36 months before 2026-02-01"
    assert describe("administrative_penalty_n_365d", 2.0, AS_OF, "zh") == "2026-02-01 前 12 个月内行政处罚 2 次"
    assert describe("administrative_penalty_n_365d", 3.0) == "3 administrative penalties in the last year"


def test_heaviest_records_come_first_whatever_the_model_weighed():
    ev = pd.DataFrame({"enterprise_id": ["F1"] * 4 + ["F2"], "occurred_on": ["2025-06-01", "2024-03-01", "2025-01-05",
                                                                          "2020-01-01", "2025-01-01"],
                       "event_type": ["court_judgment", "court_judgment", "administrative_penalty", "loan_default",
                                      "commendation"], "amount": [1000, 2000, 7000, 50, None]})
    ins = pd.DataFrame({"enterprise_id": ["F1"], "inspected_on": ["2025-12-01"], "result": ["fail"]})
    f = record_facts(ev, ins, ["F1", "F2"], AS_OF, 1095)
    assert f == {"F1": "on record in the 36 months before 2026-02-01: 2 lost court cases, 1 administrative penalty "
                       "(largest 7,000 yuan), 1 failed inspection"}  # the 2020 default is outside; F2 has nothing negative
    zh = record_facts(ev, ins, ["F1"], AS_OF, 1095, "zh")["F1"]
    assert zh.startswith("2026-02-01 前 36 个月内在案：败诉裁判 2 次") and "（最高 7,000 元）" in zh
    text = render_items([("penalty_amount_365d", 0.0, -0.4)], "en", AS_OF, f["F1"])
    assert text.startswith("on record") and text.endswith("no penalty in the 12 months before 2026-02-01 (lowers risk)")
