"""features.evidence.indicators.r029: first digits against Benford's law and round prices."""
from __future__ import annotations

import numpy as np
from features.evidence.indicators.r029 import R029
from tests.features.evidence.indicators.beyond import compute, frame


def test_r029_benford_and_round_numbers():
    rng = np.random.default_rng(0)
    benford = 10 ** rng.uniform(4, 7, 200)                  # log-uniform prices follow Benford
    rows = [(f"T{k}", "H", p) for k, p in enumerate(benford)]
    rows += [(f"T{k}", "R", round(p, -4) if p > 1e5 else round(p, -3)) for k, p in enumerate(benford[:60])]   # round prices
    rows += [(f"T{k}", "U", p) for k, p in enumerate(rng.uniform(5e5, 9.9e5, 60))]                          # all start 5-9
    rows += [(f"T{k}", f"Z{k % 10}", p) for k, p in enumerate(benford[:150])]                               # ten more honest
    res = compute(R029, frame(rows), minimum_bids=15)
    assert set(res.results["Tenderer"]) == {"R", "U"}
    ev = {e["bidders"]: e["evidence"] for e in res.evidence}
    assert "round" in ev["R"] and "Benford" in ev["U"]
    assert res.meta["tenderers"] == 13 and res.meta["alpha"] == 0.001
