"""R025 Excessive unsuccessful bids: a top tenderer's ratio of won to valid bids is a low outlier."""
from __future__ import annotations

from dataclasses import dataclass

from features.evidence.indicators import stats
from features.evidence.indicators.base import Accumulator, Indicator, option
from features.evidence.indicators.shared import sole_supplier
from features.imports.ocds import Process


@dataclass
class R025Settings:
    """[R025]: flag top tenderers (many valid bids) that rarely win."""

    percentile: int | None = option("int", "percentile of the number of valid bids that makes a top tenderer (default 75)")
    threshold: float | None = option("float", "fixed lower fence for the win ratio (default Q1 - 1.5 IQR of all ratios)")


class R025(Indicator):
    code = "R025"
    title = "Excessive unsuccessful bids"
    cardinal = True
    Settings = R025Settings

    def fold(self, acc: Accumulator, p: Process) -> None:
        supplier = sole_supplier(p)
        if supplier is None:
            return
        valid = {b.single_tenderer() for b in p.bids if b.status == "valid"} - {None}
        counts = acc.state(self.code, dict)
        for tenderer in valid:  # once per process, whatever the number of bids
            won, total = counts.get(tenderer, (0, 0))
            counts[tenderer] = (won + (tenderer == supplier), total + 1)

    def combine(self, acc: Accumulator, other: Accumulator) -> None:
        counts = acc.state(self.code, dict)
        for k, (w, t) in other.partial.get(self.code, {}).items():
            w0, t0 = counts.get(k, (0, 0))
            counts[k] = (w0 + w, t0 + t)

    def finalize(self, acc: Accumulator) -> None:
        counts = acc.partial.get(self.code, {})
        percentile = 75 if self.settings.percentile is None else self.settings.percentile
        top = stats.quantile([t for _, t in counts.values()], percentile / 100.0)
        if self.settings.threshold is None:
            q1, q3 = stats.quartiles(w / t for w, t in counts.values())
            acc.set_meta(self.code, "q1", q1)
            acc.set_meta(self.code, "q3", q3)
            fence = stats.lower_fence(q1, q3)
        else:
            fence, q1 = self.settings.threshold, 1.0
        acc.set_meta(self.code, "upper_fence", top)
        acc.set_meta(self.code, "lower_fence", fence)
        # Skip when 25% of tenderers never win; otherwise most top tenderers would be flagged.
        if q1 > 0.0 and fence > 0.0:
            for tenderer, (won, total) in counts.items():
                ratio = won / total
                if total >= top and ratio <= fence:
                    acc.set("Tenderer", tenderer, self.code, ratio)
