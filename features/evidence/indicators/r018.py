"""R018 Single bid received: /tender/numberOfTenderers is 1 in a competitive procedure."""
from __future__ import annotations

from dataclasses import dataclass

from features.evidence.indicators.base import Accumulator, Indicator, matches_method, option
from features.imports.ocds import Process


@dataclass
class R018Settings:
    """[R018]: flag a competitive procedure with a single tenderer."""

    procurement_methods: frozenset | None = option("pipe", "competitive /tender/procurementMethod values (default open|selective)")


class R018(Indicator):
    code = "R018"
    title = "Single bid received"
    cardinal = True
    Settings = R018Settings

    def fold(self, acc: Accumulator, p: Process) -> None:
        methods = self.settings.procurement_methods
        methods = frozenset({"open", "selective"}) if methods is None else methods
        n = p.number_of_tenderers
        # A JSON integer 1 (Cardinal reads the number as u64: 1.0, -1 and true do not count).
        if matches_method(p, methods) and type(n) is int and n == 1:
            acc.set("OCID", p.ocid, self.code, 1.0)
