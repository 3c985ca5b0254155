"""R003 Short submission period: (/tender/tenderPeriod/endDate - startDate) in whole days is below the threshold."""
from __future__ import annotations

from dataclasses import dataclass

from features.evidence.indicators.base import Accumulator, Indicator, matches_method, option
from features.imports.ocds import Process, parse_rfc3339

_DAY_US = 86_400 * 1_000_000


@dataclass
class R003Settings:
    """[R003]: flag a submission period shorter than `threshold` whole days."""

    threshold: int | None = option("int", "minimum submission period in whole days (default 15)")
    procurement_methods: frozenset | None = option("pipe", "only these /tender/procurementMethod values, e.g. open|selective (default all)")
    procurement_method_details: dict = option("table", "[R003.procurement_method_details] a threshold per /tender/procurementMethodDetails value")


def whole_days(start, end) -> int:
    """Days between two datetimes truncated toward zero (chrono's `num_days`)."""
    td = end - start
    us = (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds
    return us // _DAY_US if us >= 0 else -((-us) // _DAY_US)


class R003(Indicator):
    code = "R003"
    title = "Short submission period"
    cardinal = True
    Settings = R003Settings

    def fold(self, acc: Accumulator, p: Process) -> None:
        s = self.settings
        if not matches_method(p, s.procurement_methods or frozenset()):
            return
        start, end = parse_rfc3339(p.tender_start), parse_rfc3339(p.tender_end)
        if start is None or end is None:
            return
        threshold = 15 if s.threshold is None else s.threshold
        if p.procurement_method_details is not None and p.procurement_method_details in s.procurement_method_details:
            threshold = s.procurement_method_details[p.procurement_method_details]
        if whole_days(start, end) < threshold:
            acc.set("OCID", p.ocid, self.code, 1.0)
