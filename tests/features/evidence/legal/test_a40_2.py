"""features.evidence.legal.a40_2: article 40(2)/(3)/(6), the same agent, project manager or deposit account."""
from __future__ import annotations

import pytest
from tests.features.evidence.legal.bids_with_flags import bid, bids_frame, pairs_of, run


@pytest.mark.parametrize("code, column, words", [
    ("A40.2", "agent_id", "were handled by the same agent 'AG1' (who acts for 2 bidders in this dataset)"),
    ("A40.3", "project_manager_id", "name the same project manager 'PM1'"),
    ("A40.6", "deposit_account", "had their deposits paid from the same account '6222001'"),
])
def test_article_40_same_agent_manager_account(code, column, words):
    value = {"agent_id": "AG1", "project_manager_id": "PM1", "deposit_account": "6222001"}[column]
    bids = bids_frame([
        bid("T1", "A", 100, **{column: value}), bid("T1", "B", 101, **{column: value}),    # flag
        bid("T2", "C", 100, **{column: "X1"}), bid("T2", "D", 101, **{column: "X2"}),      # different values
        bid("T3", "E", 100, **{column: None}), bid("T3", "F", 101, **{column: None}),      # missing
        bid("T4", "G", 100, **{column: "X3"}), bid("T5", "H", 101, **{column: "X3"}),      # different tenders
    ])
    found = run(code, {"bids": bids})
    assert pairs_of(found) == {("T1", "A;B")}
    assert found["evidence"].iloc[0] == f"Article {code[1:3]}({code[4]}): the bids of A and B in tender T1 {words}"
