"""R048 Heterogeneous supplier: the number of distinct classification prefixes a supplier is awarded is a high outlier."""
from __future__ import annotations

from dataclasses import dataclass

from features.evidence.indicators import stats
from features.evidence.indicators.base import Accumulator, Indicator, option
from features.imports.ocds import Process


@dataclass
class R048Settings:
    """[R048]: flag suppliers awarded items of unusually many kinds."""

    digits: int | None = option("int", "leading digits of the item classification that make a kind (default 2)")
    threshold: int | None = option("int", "fixed upper fence for the variety (default Q3 + 1.5 IQR)")
    minimum_contracting_processes: int | None = option(
        "int", "only suppliers awarded in at least this many processes enter the fence and can be flagged (default 20)")


class R048(Indicator):
    code = "R048"
    title = "Heterogeneous supplier"
    cardinal = True
    Settings = R048Settings

    def fold(self, acc: Accumulator, p: Process) -> None:
        digits = 2 if self.settings.digits is None else self.settings.digits
        st = acc.state(self.code, dict)
        seen = set()
        for a in p.awards or ():
            if a.status != "active" or a.items is None or a.suppliers is None or len(a.suppliers) != 1:
                continue
            supplier = a.suppliers[0]
            if supplier is None:
                continue
            for code in a.items:
                if code is None:
                    continue
                count, codes = st.setdefault(supplier, [0, set()])
                if supplier not in seen:  # a supplier counts once per process
                    seen.add(supplier)
                    st[supplier][0] = count + 1
                codes.add(code[:digits])

    def combine(self, acc: Accumulator, other: Accumulator) -> None:
        st = acc.state(self.code, dict)
        for k, (count, codes) in other.partial.get(self.code, {}).items():
            mine = st.setdefault(k, [0, set()])
            mine[0] += count
            mine[1] |= codes

    def finalize(self, acc: Accumulator) -> None:
        s = self.settings
        minimum = 20 if s.minimum_contracting_processes is None else s.minimum_contracting_processes
        variety = {k: float(len(codes)) for k, (count, codes) in acc.partial.get(self.code, {}).items() if count >= minimum}
        if s.threshold is None:
            q1, q3 = stats.quartiles(variety.values())
            acc.set_meta(self.code, "q1", q1)
            acc.set_meta(self.code, "q3", q3)
            fence = stats.upper_fence(q1, q3)
        else:
            fence = float(s.threshold)
        acc.set_meta(self.code, "upper_fence", fence)
        for k, v in variety.items():
            if v >= fence:
                acc.set("Tenderer", k, self.code, v)
