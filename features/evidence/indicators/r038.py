"""R038 Excessive disqualified bids: the share of disqualified among submitted bids is a high outlier per buyer,
procuring entity or tenderer (>= Q3 + 1.5 IQR)."""
from __future__ import annotations

from dataclasses import dataclass

from features.evidence.indicators import stats
from features.evidence.indicators.base import Accumulator, Indicator, option
from features.imports.ocds import Process


@dataclass
class R038Settings:
    """[R038]: flag buyers, procuring entities and tenderers that disqualify / are disqualified unusually often."""

    threshold: float | None = option("float", "fixed upper fence for the ratio (default Q3 + 1.5 IQR per group)")
    minimum_submitted_bids: int | None = option("int", "tenderers with fewer submitted bids are left out (default 2)")
    minimum_contracting_processes: int | None = option(
        "int", "buyers / procuring entities with fewer are left out (default 2; Cardinal counts submitted bids here)")


class R038(Indicator):
    code = "R038"
    title = "Excessive disqualified bids"
    cardinal = True
    Settings = R038Settings

    def fold(self, acc: Accumulator, p: Process) -> None:
        submitted = p.submitted_bids()
        if not submitted:
            return
        st = acc.state(self.code, lambda: {"Buyer": {}, "ProcuringEntity": {}, "Tenderer": {}})
        disqualified = 0
        for b in submitted:
            inc = int(b.status == "disqualified")
            disqualified += inc
            for t in b.tenderers or ():
                if t is not None:
                    _add(st["Tenderer"], t, inc, 1)
        if p.buyer_id is not None:
            _add(st["Buyer"], p.buyer_id, disqualified, len(submitted))
        if p.procuring_entity_id is not None:
            _add(st["ProcuringEntity"], p.procuring_entity_id, disqualified, len(submitted))

    def combine(self, acc: Accumulator, other: Accumulator) -> None:
        mine = acc.state(self.code, lambda: {"Buyer": {}, "ProcuringEntity": {}, "Tenderer": {}})
        for group, fractions in other.partial.get(self.code, {}).items():
            for k, (n, d) in fractions.items():
                _add(mine[group], k, n, d)

    def finalize(self, acc: Accumulator) -> None:
        st = acc.partial.get(self.code, {"Buyer": {}, "ProcuringEntity": {}, "Tenderer": {}})
        s = self.settings
        minimum_processes = 2 if s.minimum_contracting_processes is None else s.minimum_contracting_processes
        minimum_bids = 2 if s.minimum_submitted_bids is None else s.minimum_submitted_bids
        for group, minimum in (("Buyer", minimum_processes), ("ProcuringEntity", minimum_processes),
                               ("Tenderer", minimum_bids)):
            # Cardinal's denominator is the number of submitted bids for every group (see docs/indicators.md).
            ratios = {k: n / d for k, (n, d) in st[group].items() if d >= minimum}
            if not ratios:
                continue
            if s.threshold is None:
                q1, q3 = stats.quartiles(ratios.values())
                acc.set_meta(self.code, f"{group}_q1", q1)
                acc.set_meta(self.code, f"{group}_q3", q3)
                fence = stats.upper_fence(q1, q3)
            else:
                fence = s.threshold
            acc.set_meta(self.code, f"{group}_upper_fence", fence)
            if fence > 0.0:  # skip when 75% have no disqualified bids
                for k, ratio in ratios.items():
                    if ratio >= fence:
                        acc.set(group, k, self.code, ratio)


def _add(d: dict, key: str, n: int, total: int) -> None:
    n0, t0 = d.get(key, (0, 0))
    d[key] = (n0 + n, t0 + total)
