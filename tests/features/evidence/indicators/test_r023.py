"""features.evidence.indicators.r023: a fixed price gap whichever firm bids higher."""
from __future__ import annotations

import pytest
from features.evidence.indicators.r023 import R023
from tests.features.evidence.indicators.beyond import compute, frame


def test_r023_fixed_gap_whichever_firm_is_higher():
    rows = []
    for k in range(4):  # A and B 5% apart in 4 tenders, B higher in 3 and A in 1
        lo = 1000.0 + 37 * k
        a, b = (lo, lo * 1.05) if k else (lo * 1.05, lo)
        rows += [(f"T{k}", "A", a), (f"T{k}", "B", b)]
    for k in range(4):  # C and D: gaps of 2%, 6%, 3%, 5%
        rows += [(f"U{k}", "C", 1000.0), (f"U{k}", "D", 1000.0 * (1.02, 1.06, 1.03, 1.05)[k])]
    for k in range(3):  # E and F: fixed gap but only 3 tenders
        rows += [(f"V{k}", "E", 1000.0), (f"V{k}", "F", 1040.0)]
    res = compute(R023, frame(rows))
    assert set(res.results["Tenderer"]) == {"A", "B"}
    assert res.results["Tenderer"]["A"] == pytest.approx(0.05)
    assert set(res.results["OCID"]) == {"T0", "T1", "T2", "T3"}
    assert "A higher in 1, B higher in 3" in res.evidence[0]["evidence"]
    assert res.meta["pairs"] == 2 and res.meta["pairs_flagged"] == 1
