"""features.evidence.indicators.r057: bid rotation, a pair of firms that take turns winning when they bid together."""
from __future__ import annotations

import pytest

from features.evidence.indicators.r057 import R057, R057Settings, compute as r057
from tests.features.evidence.indicators.beyond import frame


def _rotation(n=8, b_wins=None):
    """A and B meet in `n` tenders with C; A wins the even ones, B the odd ones (or those in `b_wins`)."""
    rows = []
    for k in range(n):
        b_won = (k % 2 == 1) if b_wins is None else k in b_wins
        rows += [(f"T{k}", "A", 100.0 + k, int(not b_won)), (f"T{k}", "B", 101.0 + k, int(b_won)), (f"T{k}", "C", 150.0, 0)]
    return frame(rows)


def test_a_pair_taking_turns_is_flagged_with_every_tender_either_won():
    res = r057(_rotation(), R057Settings())
    assert res.results["Tenderer"] == {"A": 1.0, "B": 1.0}  # between them they won every co-bid
    assert set(res.results["OCID"]) == {f"T{k}" for k in range(8)}
    assert res.meta["pairs_flagged"] == 1.0 and res.meta["minimum_processes"] == 6.0
    assert "took turns winning: A won 4, B won 4" in res.evidence[0]["evidence"]
    assert R057.code == "R057" and not R057.cardinal


def test_one_sided_wins_or_too_few_meetings_are_not_rotation():
    assert not r057(_rotation(b_wins={1}), R057Settings()).results.get("Tenderer")  # B won once in 8: balance 1/7 < 0.34
    assert not r057(_rotation(n=4), R057Settings()).results.get("Tenderer")  # 4 co-bids < 6
    assert r057(_rotation(n=4), R057Settings(minimum_processes=4)).results["Tenderer"]["A"] == pytest.approx(1.0)
