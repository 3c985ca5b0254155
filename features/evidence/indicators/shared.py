"""Shared intermediates, computed once per run for every indicator that needs them."""
from __future__ import annotations

from features.evidence.indicators.base import Accumulator, Shared
from features.imports.ocds import Process


def sole_supplier(p: Process):
    """The one supplier of the process's one final active award, or None (no final awards, several awards or suppliers)."""
    awards = p.final_awards()
    if awards is None or len(awards) != 1:
        return None
    suppliers = awards[0].suppliers
    if suppliers is None or len(suppliers) != 1:
        return None
    return suppliers[0]


class SecondLowestBidRatio(Shared):
    """(lowest valid non-winning bid - winning bid) / winning bid per process, for R024 and R058 (Cardinal's util.rs).

    Only processes where prices may be compared, all awards are final, exactly one award is active and it has exactly one
    supplier; only valid bids with one tenderer, an amount and the main currency. The winner's lowest bid counts. The
    process is dropped when the lowest non-winning bid is below the winning bid (the award criteria are not price only).
    Partial: `acc.partial["slbr"] = {ocid: (ratio, winner, second)}`."""

    code = "slbr"

    def fold(self, acc: Accumulator, p: Process) -> None:
        if not self.config.price_comparison_allowed(p):
            return
        supplier = sole_supplier(p)
        if supplier is None:
            return
        winner = winner_amount = second = second_amount = None
        for b in p.bids:
            tenderer = b.single_tenderer()
            if b.status != "valid" or b.amount is None or b.currency is None or tenderer is None:
                continue
            if b.currency != acc.main_currency(b.currency):
                continue
            if tenderer == supplier:
                if winner_amount is None or b.amount < winner_amount:
                    winner, winner_amount = tenderer, b.amount
            elif second_amount is None or b.amount < second_amount:
                second, second_amount = tenderer, b.amount
        if winner is not None and second is not None and second_amount >= winner_amount:
            ratio = (second_amount - winner_amount) / winner_amount if winner_amount != 0 else _div0(second_amount - winner_amount)
            acc.state(self.code, dict)[p.ocid] = (ratio, winner, second)

    def combine(self, acc: Accumulator, other: Accumulator) -> None:
        if acc.currency is None or other.currency is None or acc.currency == other.currency:
            acc.state(self.code, dict).update(other.partial.get(self.code, {}))


def _div0(numerator: float) -> float:
    """Rust float division by zero: 0/0 is NaN, x/0 is +inf."""
    return float("nan") if numerator == 0 else float("inf")


class BidsTable(Shared):
    """The canonical bids of every included process as one DataFrame (`acc.partial["bids_table"]`), for the flags that
    work on canonical bids (R022, R023, R029, R034, R053, R057). Built from the same rows as `riskmodels data import ocds`."""

    code = "bids_table"

    def fold(self, acc: Accumulator, p: Process) -> None:
        acc.state("bids_rows", list).append(p)

    def combine(self, acc: Accumulator, other: Accumulator) -> None:
        acc.state("bids_rows", list).extend(other.partial.get("bids_rows", []))

    def finalize(self, acc: Accumulator) -> None:
        from features.imports.ocds import processes_to_tables

        tables, _ = processes_to_tables(acc.partial.pop("bids_rows", []))
        bids = tables["bids"]
        # Price flags compare amounts: keep the main currency only (as Cardinal does), and bids with one tenderer.
        if acc.currency is not None or len(bids):
            main = acc.currency if acc.currency is not None else (self.config.currency or _first(bids["currency"]))
            bids = bids[(bids["currency"] == main) | bids["price"].isna()]
        acc.partial[self.code] = bids.reset_index(drop=True)


def _first(series):
    s = series.dropna()
    return s.iloc[0] if len(s) else None
