"""features.evidence.indicators.shared: the intermediates computed once per run (second-lowest-bid ratio, canonical bids)."""
from __future__ import annotations

import math

import pytest

from features.evidence.indicators import driver
from features.evidence.indicators.config import load_ini
from features.evidence.indicators.shared import _div0, sole_supplier
from features.imports.ocds import read_processes
from tests.features.evidence.indicators.cardinal import FIXTURES, ini_for


@pytest.fixture(scope="module")
def r024(tmp_path_factory):
    ini = tmp_path_factory.mktemp("r024") / "s.ini"
    ini.write_text(ini_for("R024"))
    procs = list(read_processes(FIXTURES / "R024.jsonl"))
    return procs, driver.run(procs, load_ini(ini))


def test_second_lowest_bid_ratio_only_where_cardinal_computes_it(r024):
    procs, acc = r024
    slbr = acc.partial["slbr"]
    assert slbr["1"] == (100.0, "W", "L")  # (101 - 1) / 1, winner W, runner-up L
    assert slbr["F"] == (0.0, "W", "L")
    left_out = {"pending award", "invalid award", "withdrawn bid", "disqualified bid", "non-price criteria", "multiple awards",
                "multiple tenderers", "multiple suppliers", "no price comparison", "exclude procurement method details"}
    assert not left_out & set(slbr)
    for ocid, (ratio, winner, second) in slbr.items():
        p = next(q for q in procs if q.ocid == ocid)
        amounts = {}
        for b in p.bids:
            if b.status == "valid":  # a firm's lowest bid counts ("repeat tenderers")
                amounts[b.single_tenderer()] = min(b.amount, amounts.get(b.single_tenderer(), math.inf))
        assert ratio == pytest.approx((amounts[second] - amounts[winner]) / amounts[winner])


def test_sole_supplier_and_rust_division_by_zero(r024):
    procs, _ = r024
    by = {p.ocid: p for p in procs}
    assert sole_supplier(by["1"]) == "W"
    assert sole_supplier(by["multiple awards"]) is None and sole_supplier(by["multiple suppliers"]) is None
    assert math.isnan(_div0(0.0)) and _div0(3.0) == math.inf
