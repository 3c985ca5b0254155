"""R036 Lowest bid disqualified: with an active award and a valid priced bid, the lowest submitted bid is disqualified."""
from __future__ import annotations

from features.evidence.indicators.base import Accumulator, Indicator
from features.imports.ocds import Process


class R036(Indicator):
    code = "R036"
    title = "Lowest bid disqualified"
    cardinal = True

    def fold(self, acc: Accumulator, p: Process) -> None:
        if not self.config.price_comparison_allowed(p):
            return
        if p.awards is None or not any(a.status == "active" for a in p.awards):
            return
        lowest = None
        lowest_disqualified = False
        valid_priced = False
        for b in p.submitted_bids():
            if b.amount is None or b.currency is None:
                continue
            if b.currency != acc.main_currency(b.currency):
                continue
            if lowest is None or b.amount < lowest:  # on a tie the first bid stays the lowest
                lowest, lowest_disqualified = b.amount, b.status == "disqualified"
            valid_priced |= b.status == "valid"
        if valid_priced and lowest_disqualified:
            acc.set("OCID", p.ocid, self.code, 1.0)
