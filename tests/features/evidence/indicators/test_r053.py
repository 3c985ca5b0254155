"""features.evidence.indicators.r053 and r057: a recurrent winner; rotation of winners."""
from __future__ import annotations

from features.evidence.indicators.r053 import R053
from features.evidence.indicators.r057 import R057  # R057 (rotation) is tested here beside R053
from tests.features.evidence.indicators.beyond import compute, frame


def test_r053_recurrent_winner_and_r057_rotation():
    rows = []
    for k in range(6):   # A always beats B: R053
        rows += [(f"T{k}", "A", 100.0 + k, 1.0), (f"T{k}", "B", 107.0 + 2 * k, 0.0)]
    for k in range(6):   # C and D take turns, with an outsider: R057
        rows += [(f"U{k}", "C", 100.0 + k, float(k % 2 == 0)), (f"U{k}", "D", 103.0 + 2 * k, float(k % 2 == 1)),
                 (f"U{k}", f"O{k}", 140.0, 0.0)]
    for k in range(4):   # E beats F only 4 times: too few for either
        rows += [(f"V{k}", "E", 100.0, 1.0), (f"V{k}", "F", 110.0 + 3 * k, 0.0)]
    bids = frame(rows)
    r053 = compute(R053, bids)
    assert set(r053.results["Tenderer"]) == {"A", "B"} and r053.results["Tenderer"]["A"] == 1.0
    assert "A won 6 (100%) and B none" in r053.evidence[0]["evidence"]
    r057 = compute(R057, bids)
    assert set(r057.results["Tenderer"]) == {"C", "D"}
    assert set(r057.results["OCID"]) == {f"U{k}" for k in range(6)}
    assert "C won 3, D won 3" in r057.evidence[0]["evidence"]
