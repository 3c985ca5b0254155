"""R024 Price close to winning bid: the second-lowest-bid ratio is a low outlier (<= Q1 - 1.5 IQR)."""
from __future__ import annotations

from dataclasses import dataclass

from features.evidence.indicators import stats
from features.evidence.indicators.base import Accumulator, Indicator, option
from features.evidence.indicators.shared import SecondLowestBidRatio


@dataclass
class R024Settings:
    """[R024]: flag processes whose second-lowest valid bid is close to the winning bid."""

    threshold: float | None = option("float", "fixed lower fence for the ratio (default Q1 - 1.5 IQR of all ratios)")


class R024(Indicator):
    code = "R024"
    title = "Price close to winning bid"
    cardinal = True
    Settings = R024Settings
    needs = (SecondLowestBidRatio,)

    def finalize(self, acc: Accumulator) -> None:
        ratios = acc.partial.get(SecondLowestBidRatio.code, {})
        if self.settings.threshold is None:
            q1, q3 = stats.quartiles(r for r, _, _ in ratios.values())
            acc.set_meta(self.code, "q1", q1)
            acc.set_meta(self.code, "q3", q3)
            fence = stats.lower_fence(q1, q3)
        else:
            fence, q1 = self.settings.threshold, 1.0  # q1 is only the guard below
        acc.set_meta(self.code, "lower_fence", fence)
        # Skip when 25% of processes have no difference at all; otherwise a quarter of all processes would be flagged.
        if q1 > 0.0 and fence > 0.0:
            for ocid, (ratio, winner, second) in ratios.items():
                if ratio <= fence:
                    acc.set("OCID", ocid, self.code, ratio)
                    acc.set("Tenderer", winner, self.code, 0.0)
                    acc.set("Tenderer", second, self.code, 0.0)
