"""riskmodels.credit.lists: confirmed collusion puts a firm on the black list with its rule; rules and evidence in
Chinese with lang="zh"."""
from __future__ import annotations

import pandas as pd

from features.core.settings import Settings
from riskmodels.credit.lists import build_lists

TIERS = pd.DataFrame({"enterprise_id": ["F1", "F2", "F3"], "tier": ["A", "B", "A"], "as_of": ["2026-02-01"] * 3})
EVENTS = pd.DataFrame({"enterprise_id": ["F2"], "occurred_on": ["2025-05-01"], "event_type": ["serious_illegal_dishonest_list"]})
CONFIRMED = pd.DataFrame({"enterprise_id": ["F1"], "tender_id": ["T9"], "verdict_id": ["2"], "decided_at": ["2026-01-10"],
                          "by": ["wang"], "note": [""]})


def test_confirmed_collusion_black_lists_and_speaks_chinese():
    red, black, _ = build_lists(TIERS, EVENTS, None, None, Settings(), cases=CONFIRMED)
    b = black.set_index("enterprise_id")
    assert b.loc["F1", "rule"] == "confirmed collusion" and "tender T9" in b.loc["F1", "evidence"]
    assert b.loc["F1", "since"] == "2026-01-10" and "F1" not in set(red["enterprise_id"])
    red_zh, black_zh, _ = build_lists(TIERS, EVENTS, None, None, Settings(), cases=CONFIRMED, lang="zh")
    z = black_zh.set_index("enterprise_id")
    assert z.loc["F1", "rule"] == "经认定的串通投标" and z.loc["F2", "rule"] == "名单事件：严重违法失信名单"
    assert z.loc["F2", "evidence"] == "严重违法失信名单（2025-05-01）"
    assert set(red_zh["rule"]) <= {"信用等级良好且无不良记录"}
