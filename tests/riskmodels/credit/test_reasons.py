"""riskmodels.credit.reasons: contributions put in words."""
from __future__ import annotations

import numpy as np
import pandas as pd
from riskmodels.credit.reasons import describe, reasons_in_words


def test_reason_words():
    assert describe("administrative_penalty_n_365d", 3.0) == "3 administrative penalties in the last year"
    assert describe("loan_default_n_1095d", 1.0) == "1 loan default in the last 3 years"
    assert describe("insp_fail_rate_365d", 0.25) == "failed 25% of inspections in the last year"
    assert describe("on_serious_list", 1.0) == "on the serious illegal and dishonest list"
    assert describe("loan_default_days_since", np.nan) == "no loan default on record"
    assert describe("ratio_x", 1.23456) == "ratio_x = 1.235"
    contrib = pd.DataFrame({"a": [0.5, 0.0], "b": [-1.0, 0.0], "bias": [0.1, 0.1]})
    r = reasons_in_words(contrib, pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}), top=2)
    assert r[0] == "b = 3 (lowers risk); a = 1 (raises risk)"
    assert r[1] == "no record moved the risk away from the average"
