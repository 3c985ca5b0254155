"""R030 Late bid won: a valid bid received after the submission deadline belongs to an active award's supplier.

Cardinal compares the two dates as text; we compare instants (RFC 3339, time zones honoured) and skip dates that do not
parse. The fixtures agree; see docs/indicators.md."""
from __future__ import annotations

from features.evidence.indicators.base import Accumulator, Indicator
from features.imports.ocds import Process, parse_rfc3339


class R030(Indicator):
    code = "R030"
    title = "Late bid won"
    cardinal = True

    def fold(self, acc: Accumulator, p: Process) -> None:
        deadline = parse_rfc3339(p.tender_end)
        if deadline is None or p.awards is None or p.bids is None:
            return
        suppliers = set()
        for a in p.awards:
            if a.status == "active" and a.suppliers is not None:
                suppliers |= {s for s in a.suppliers if s is not None}
        for b in p.bids:
            if b.status != "valid" or b.tenderers is None:
                continue
            received = parse_rfc3339(b.date)
            if received is None or not received > deadline:
                continue
            for t in b.tenderer_ids() & suppliers:
                acc.set("OCID", p.ocid, self.code, 1.0)
                acc.set("Tenderer", t, self.code, 1.0)
