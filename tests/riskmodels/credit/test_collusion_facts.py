"""riskmodels.credit.collusion_facts: a confirmed verdict makes tier D and a black-list entry naming the case; a suspicion
moves nothing and becomes a labelled targeted visit."""
from __future__ import annotations

import pandas as pd

from riskmodels.credit.collusion_facts import (apply_confirmed, black_entries, confirmed_collusion, suspect_triggers,
                                               suspicions)

CONFIRMED = pd.DataFrame({"enterprise_id": ["F1", "F2"], "tender_id": ["T1", "T1"], "verdict_id": ["7", "7"],
                          "decided_at": ["2026-11-30T10:00:00", "2026-11-30T10:00:00"], "by": ["chen", "chen"],
                          "note": ["", ""]})


class FakeStore:
    def confirmed_firms(self):
        return CONFIRMED


def test_confirmed_firms_are_tier_d_with_the_verdict_named():
    tiers = pd.DataFrame({"enterprise_id": ["F1", "F2", "F3"], "tier": ["A", "D", "B"],
                          "override": ["", "serious illegal and dishonest list -> D", ""]})
    out = apply_confirmed(tiers, confirmed_collusion(FakeStore()))
    assert out["tier"].tolist() == ["D", "D", "B"]
    assert out["override"][0] == "confirmed collusion: tender T1 (verdict 7, 2026-11-30, by chen) -> D"
    assert out["override"][1].endswith("; serious illegal and dishonest list -> D") and out["override"][2] == ""


def test_black_entries_name_the_case_in_both_languages():
    e = black_entries(confirmed_collusion(CONFIRMED), pd.Timestamp("2026-12-01"))
    rule, evidence, since, rule_zh, evidence_zh = e["F1"][0]
    assert rule == "confirmed collusion" and "tender T1" in evidence and since == pd.Timestamp("2026-11-30")
    assert rule_zh == "经认定的串通投标" and "项目 T1" in evidence_zh


def test_a_suspicion_is_open_until_a_verdict_names_the_firm():
    scores = pd.DataFrame({"tender_id": ["T1", "T2", "T3"], "score": [0.9, 0.8, 0.1], "flag": [1, 1, 0]})
    bids = pd.DataFrame({"tender_id": ["T1", "T1", "T2", "T3"], "bidder_id": ["F1", "F3", "F3", "F4"]})
    s = suspicions(scores, bids, confirmed_collusion(CONFIRMED)).set_index("enterprise_id")
    assert "F1" not in s.index and "F4" not in s.index  # F1's only flagged tender is confirmed; T3 is not flagged
    assert s.loc["F3", "tenders"] == 2 and s.loc["F3", "tender_ids"] == "T1;T2"
    t = suspect_triggers(s.reset_index(), "market_regulation")
    assert t.to_dict("records") == [{"enterprise_id": "F3", "department": "market_regulation",
                                     "reason": "suspected collusion in 2 tender(s), not confirmed (targeted visit)"}]
