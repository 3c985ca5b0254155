"""features.evidence.indicators.stats: type-8 quantiles as numpy computes them, fences and Meta rounding."""
from __future__ import annotations

import math
import numpy as np
import pytest
from features.evidence.indicators import stats


def test_type8_quantiles_match_numpy():
    rng = np.random.default_rng(5)
    for n in (1, 2, 3, 4, 9, 10, 57):
        x = rng.gamma(2.0, size=n)
        for tau in (0.0, 0.25, 0.5, 0.75, 0.9, 1.0):
            assert stats.quantile(x, tau) == pytest.approx(np.quantile(x, tau, method="median_unbiased"), rel=1e-12, abs=1e-15)
    assert math.isnan(stats.quantile([], 0.25))
    assert stats.quartiles([0, 0, 100, 100, 100, 100, 100, 100, 100]) == (pytest.approx(200 / 3), 100.0)


def test_fences_and_meta_rounding():
    assert stats.lower_fence(0.05, 0.07) == pytest.approx(0.02)
    assert stats.upper_fence(0.05, 0.07) == pytest.approx(0.10)
    assert stats.round4(0.00005) == 0.0001 and stats.round4(-0.00005) == -0.0001  # halves away from zero, as Rust
    assert stats.round4(float("nan")) is None
