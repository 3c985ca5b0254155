"""R035 All except winning bid disqualified: one tenderer has valid bids, it is the only supplier of the active awards,
and at least `threshold` other tenderers have disqualified bids."""
from __future__ import annotations

from dataclasses import dataclass

from features.evidence.indicators.base import Accumulator, Indicator, option
from features.imports.ocds import Process


@dataclass
class R035Settings:
    """[R035]: flag processes where every bid but the winner's was disqualified."""

    threshold: int | None = option("int", "minimum number of other tenderers with disqualified bids (default 1; 0 counts as 1)")


class R035(Indicator):
    code = "R035"
    title = "All except winning bid disqualified"
    cardinal = True
    Settings = R035Settings

    def fold(self, acc: Accumulator, p: Process) -> None:
        awards = p.final_awards()
        if awards is None:
            return
        suppliers = set()
        for a in awards:
            suppliers |= {s for s in (a.suppliers or ()) if s is not None}
        valid, disqualified = set(), set()
        for b in p.bids:
            if b.tenderers is None:
                continue
            if b.status == "valid":
                valid |= b.tenderer_ids()
            elif b.status == "disqualified":
                disqualified |= b.tenderer_ids()
        threshold = max(1 if self.settings.threshold is None else self.settings.threshold, 1)
        if len(valid) == 1 and valid == suppliers:
            n = len(disqualified - valid)
            if n >= threshold:
                acc.set("OCID", p.ocid, self.code, float(n))
                acc.set("Tenderer", next(iter(valid)), self.code, 0.0)
