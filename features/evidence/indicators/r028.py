"""R028 Identical bid prices: different tenderers submitted bids with the same price (amount and currency)."""
from __future__ import annotations

from features.evidence.indicators.base import Accumulator, Indicator
from features.imports.ocds import Process


class R028(Indicator):
    code = "R028"
    title = "Identical bid prices"
    cardinal = True

    def fold(self, acc: Accumulator, p: Process) -> None:
        if not self.config.price_comparison_allowed(p):
            return
        prices: dict = {}
        for b in p.submitted_bids():
            if b.tenderers is None or b.amount is None or b.currency is None:
                continue
            ids = b.tenderer_ids()
            if not ids:
                continue
            key = (b.amount, b.currency)
            other = prices.get(key)
            if other is not None and ids != other:  # a tenderer may submit more bids at its own price
                acc.set("OCID", p.ocid, self.code, 1.0)
                for t in ids | other:
                    acc.set("Tenderer", t, self.code, 1.0)
            prices[key] = ids
