"""features.evidence.bids: which bids count, their prices, and ids grouped and factorised as text in one order."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.core.errors import InputError
from features.evidence.bids import factorize_sorted, group_tenders, prices, require_columns, valid_mask


def _bids():
    return pd.DataFrame({"tender_id": ["T2", "T10", "T2", None, "T10"], "bidder_id": ["a", "b", "c", "d", "e"],
                         "price": ["100", "x", "250.5", "7", None],
                         "status": ["valid", " Valid ", "withdrawn", None, "disqualified"]})


def test_valid_bids_and_their_prices():
    b = _bids()
    assert valid_mask(b).tolist() == [True, True, False, True, False]  # missing status counts
    assert valid_mask(b.drop(columns="status")).all()
    p = prices(b)
    assert p[0] == 100.0 and np.isnan(p[1]) and np.isnan(p[2]) and p[3] == 7.0  # not numeric / not valid -> NaN
    assert prices(b, valid_only=False)[2] == 250.5 and p.flags["C_CONTIGUOUS"]


def test_ids_sorted_as_text_and_missing_left_out():
    codes, uniques = factorize_sorted(_bids()["tender_id"])
    assert list(uniques) == ["T10", "T2"]  # text order, not numeric
    assert codes.tolist() == [1, 0, 1, -1, 0]
    runs = pd.Series(["b"] * 3 + ["a"] * 2 + ["b"])  # ids in runs take the run-heads path
    c, u = factorize_sorted(runs)
    assert list(u) == ["a", "b"] and c.tolist() == [1, 1, 1, 0, 0, 1]
    order, offsets, ids = group_tenders(_bids()["tender_id"])
    assert list(ids) == ["T10", "T2"] and order[offsets[0]:offsets[1]].tolist() == [1, 4]


def test_require_columns_names_the_table_and_columns():
    with pytest.raises(InputError, match="bids: missing column\\(s\\) price, status"):
        require_columns(pd.DataFrame({"tender_id": []}), ("tender_id", "price", "status"), "bids")
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        require_columns([], ("x",), "bids")
