"""R058 Heavily discounted bid: the second-lowest-bid ratio is a high outlier (>= Q3 + 1.5 IQR)."""
from __future__ import annotations

from dataclasses import dataclass

from features.evidence.indicators import stats
from features.evidence.indicators.base import Accumulator, Indicator, option
from features.evidence.indicators.shared import SecondLowestBidRatio


@dataclass
class R058Settings:
    """[R058]: flag processes whose winning bid is far below the second-lowest valid bid."""

    threshold: float | None = option("float", "fixed upper fence for the ratio (default Q3 + 1.5 IQR of all ratios)")


class R058(Indicator):
    code = "R058"
    title = "Heavily discounted bid"
    cardinal = True
    Settings = R058Settings
    needs = (SecondLowestBidRatio,)

    def finalize(self, acc: Accumulator) -> None:
        ratios = acc.partial.get(SecondLowestBidRatio.code, {})
        if self.settings.threshold is None:
            q1, q3 = stats.quartiles(r for r, _, _ in ratios.values())
            acc.set_meta(self.code, "q1", q1)
            acc.set_meta(self.code, "q3", q3)
            fence = stats.upper_fence(q1, q3)
        else:
            fence = self.settings.threshold
        acc.set_meta(self.code, "upper_fence", fence)
        if fence > 0.0:
            for ocid, (ratio, winner, _second) in ratios.items():
                if ratio >= fence:
                    acc.set("OCID", ocid, self.code, ratio)
                    acc.set("Tenderer", winner, self.code, 0.0)
