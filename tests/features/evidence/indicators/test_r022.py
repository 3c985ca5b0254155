"""features.evidence.indicators.r022: wide disparity in bid prices."""
from __future__ import annotations

import numpy as np
import pytest
from features.evidence.indicators.r022 import R022
from tests.features.evidence.indicators.beyond import compute, frame


def test_r022_wide_disparity():
    rows = [(f"T{k}", b, 100 * (1 + 0.01 * i) + k) for k in range(12) for i, b in enumerate("ABC")]
    rows += [("W", "A", 100.0), ("W", "B", 160.0), ("W", "C", 230.0)]          # wide: flagged
    rows += [("N", "A", 100.0), ("N", "B", 101.0)]                                # two bids only: left out
    res = compute(R022, frame(rows))
    assert set(res.results["OCID"]) == {"W"}
    assert res.results["OCID"]["W"] == pytest.approx(np.std([100, 160, 230], ddof=1) / np.mean([100, 160, 230]))
    assert set(res.meta) == {"tenders", "q1", "q3", "upper_fence"} and res.meta["tenders"] == 13
    assert "range from 100 to 230" in res.evidence[0]["evidence"]
