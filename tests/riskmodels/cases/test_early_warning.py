"""riskmodels.cases.early_warning: each kind of warning on fixtures, raised once."""
from __future__ import annotations

import pandas as pd
import pytest
from riskmodels.cases.early_warning import (black_list_warnings, confirmed_group_warnings, read_black_list,
                                            shared_trace_warnings)


NEW = pd.DataFrame({"tender_id": ["N1", "N1", "N1", "N2", "N2", "N3", "N3"],
                    "bidder_id": ["A", "B", "X", "A", "Y", "Y", "Z"],
                    "device_id": ["d9", "d8", "d7", "d1", "d6", "d1", None],
                    "ca_serial": [None] * 7, "deposit_account": [None] * 6 + ["acc-B"]})
CONFIRMED = pd.DataFrame({"enterprise_id": ["A", "B", "C"], "tender_id": ["H1", "H1", "H1"], "verdict_id": [1, 1, 1]})
JUDGED = pd.DataFrame({"tender_id": ["H1"] * 4, "bidder_id": ["A", "B", "C", "Q"], "device_id": ["d1", "d2", None, "d6"],
                       "ca_serial": [None] * 4, "deposit_account": [None, "acc-B", None, None]})


def test_confirmed_group_warns_when_two_named_firms_meet_again():
    w = confirmed_group_warnings(NEW, CONFIRMED)
    assert [(x["tender_id"], x["firms"]) for x in w] == [("N1", "A;B")]
    assert "H1" in w[0]["reason"]


def test_shared_trace_follows_named_firms_traces_only():
    w = {x["tender_id"]: x for x in shared_trace_warnings(NEW, JUDGED, CONFIRMED)}
    # A's device d1 reappears in N2 (A again) and N3 (another firm); B's deposit account in N3; Q was not named, so d6 is not a trace
    assert sorted(w) == ["N2", "N3"]
    assert w["N3"]["firms"] == "Y;Z" and "deposit account acc-B" in w["N3"]["reason"] and "device d1" in w["N3"]["reason"]


def test_black_list(tmp_path):
    p = tmp_path / "black.csv"
    p.write_text("enterprise_id,rule\nY,confirmed collusion\n", encoding="utf-8")
    w = black_list_warnings(NEW, read_black_list(p))
    assert [(x["tender_id"], x["firms"]) for x in w] == [("N2", "Y"), ("N3", "Y")]
    (tmp_path / "bad.csv").write_text("firm\nY\n", encoding="utf-8")
    from features.core.errors import InputError

    with pytest.raises(InputError, match="enterprise_id"):
        read_black_list(tmp_path / "bad.csv")
