"""Order statistics shared by the indicators: Hyndman-Fan type 8 quantiles and Tukey fences, as Cardinal computes them.

Cardinal uses statrs' `OrderStatistics` (type 8, "median-unbiased"; numpy `method="median_unbiased"`). The formula is
written out here rather than taken from numpy so that results agree to the last bit with Cardinal's interpolation
`a + (h - floor(h)) * (b - a)`; `tests/test_indicators.py` checks it against numpy.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Iterable


def quantile(values: Iterable[float], tau: float) -> float:
    """Type-8 quantile of `values` at `tau` in [0, 1]; NaN for no values (as statrs)."""
    data = sorted(float(v) for v in values)
    n = len(data)
    if n == 0 or not 0.0 <= tau <= 1.0:
        return math.nan
    h = (n + 1.0 / 3.0) * tau + 1.0 / 3.0
    hf = int(h)  # truncation, as Rust's `as i64`
    if hf <= 0 or tau == 0.0:
        return data[0]
    if hf >= n or tau == 1.0:
        return data[-1]
    a, b = data[hf - 1], data[hf]
    return a + (h - hf) * (b - a)


def quartiles(values: Iterable[float]) -> tuple[float, float]:
    data = list(values)
    return quantile(data, 0.25), quantile(data, 0.75)


def lower_fence(q1: float, q3: float) -> float:
    """Q1 - 1.5 IQR (computed as Cardinal's fused multiply-add `(q3 - q1).mul_add(-1.5, q1)`)."""
    return _fma(q3 - q1, -1.5, q1)


def upper_fence(q1: float, q3: float) -> float:
    """Q3 + 1.5 IQR."""
    return _fma(q3 - q1, 1.5, q3)


def _fma(x: float, y: float, z: float) -> float:
    """x*y + z rounded once, like Rust's `mul_add` (exact rational arithmetic; math.fma needs Python 3.13)."""
    if not all(math.isfinite(v) for v in (x, y, z)):
        return x * y + z
    return float(Fraction(x) * Fraction(y) + Fraction(z))


def round4(value: float) -> float | None:
    """Meta rounding: to 4 decimals, halves away from zero (Rust `f64::round`); NaN becomes None (JSON null)."""
    if value is None or math.isnan(value):
        return None
    if math.isinf(value):
        return value
    scaled = abs(value) * 10_000.0
    r = math.floor(scaled)
    if scaled - r >= 0.5:
        r += 1
    return math.copysign(r / 10_000.0, value)
