"""`features.evidence.flag_steps`: the red flags as steps over tender partitions give the findings and statistics of
one partition exactly (the canonical flags judge their keys on the rows one process reads, in its order); on Dask
workers: tests/test_engine.py."""
from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from features.core.settings import FlagsSettings
from features.engine import PandasEngine, using
from features.evidence.flag_steps import flags_by_partition
from features.evidence.flags import collusion_flags
from features.evidence.legal.base import LegalContext
from tests.features.evidence.test_pairs import random_bids


class Split(PandasEngine):
    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def partitions(self, rows: int) -> int:
        return self.n


def _flags(tables, settings, eng):
    with using(eng):
        return collusion_flags(tables, settings)


@pytest.mark.parametrize("n", [3, 8])
def test_flags_over_tender_partitions_equal_one_partition(n):
    bids, items = random_bids(11, 160, items=True)
    tables = {"bids": bids, "bid_items": items}
    settings = dataclasses.replace(FlagsSettings(), indicators={"R022": {"threshold": 0.05},
                                                                "R023": {"minimum_processes": 2, "tolerance": 0.05},
                                                                "R053": {"minimum_processes": 2},
                                                                "R057": {"minimum_processes": 2}, "R029": {"minimum_bids": 5}})
    ev1, meta1 = _flags(tables, settings, PandasEngine())
    ev2, meta2 = _flags(tables, settings, Split(n))
    assert len(ev1) > 20 and {"R022", "R029", "R057", "A39"} <= set(ev1["code"]) and meta1["R023"]["pairs"] > 10
    pd.testing.assert_frame_equal(ev1, ev2)
    assert meta1.keys() == meta2.keys()
    for code in meta1:
        for k, v in meta1[code].items():
            w = meta2[code][k]
            assert v == w or (isinstance(v, float) and math.isnan(v) and math.isnan(w)), (code, k)


def test_the_canonical_results_wait_in_the_context_for_a39():
    bids, items = random_bids(2, 60, items=False)
    ctx = LegalContext(tables={"bids": bids}, settings=FlagsSettings())
    found = flags_by_partition(ctx, ["A40.2", "A39"], eng=Split(4))
    assert set(found) == {"A40.2"} and {"R023", "R053", "R057"} <= set(ctx.cache["results"])
    assert flags_by_partition(ctx, [], eng=Split(4)) == {}
