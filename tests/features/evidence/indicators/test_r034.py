"""features.evidence.indicators.r034: the same submission order."""
from __future__ import annotations

from features.evidence.indicators.r034 import R034
from tests.features.evidence.indicators.beyond import compute, frame


def test_r034_same_submission_order():
    rows = []
    for k in range(4):
        order = "ABC" if k < 3 else "CBA"       # A -> B -> C in 3 of 4 tenders
        for i, b in enumerate(order):
            rows.append((f"T{k}", b, 100.0 + i, 0.0, f"2024-01-0{k + 1} 09:0{i}:00"))
    for k in range(4):                           # D E F in varying order
        for i, b in enumerate(("DEF", "EFD", "FDE", "DFE")[k]):
            rows.append((f"U{k}", b, 100.0 + i, 0.0, f"2024-02-0{k + 1} 09:0{i}:00"))
    res = compute(R034, frame(rows))
    assert set(res.results["OCID"]) == {"T0", "T1", "T2"} and res.results["OCID"]["T0"] == 3
    assert set(res.results["Tenderer"]) == {"A", "B", "C"}
    assert "A -> B -> C submitted in this order in 3 of the 4 tenders" in res.evidence[0]["evidence"]
    assert res.meta == {"bidder_sets": 2.0, "orders_flagged": 1.0}
