"""features.evidence.legal.a34: article 34, bidders under one legal representative or control."""
from __future__ import annotations

import pandas as pd
from features.evidence.legal import a34
from tests.features.evidence.legal.bids_with_flags import bid, bids_frame, pairs_of, run


def test_article_34_same_legal_rep_and_control():
    bids = bids_frame([
        bid("T1", "A", 100), bid("T1", "B", 101),                        # same legal representative: flag
        bid("T2", "C", 100), bid("T3", "D", 100),                        # same representative, different tenders
        bid("T4", "E", 100), bid("T4", "F", 101),                        # blank representatives
        bid("T5", "G", 100), bid("T5", "H", 101),                        # G holds 30% of H: not control
        bid("T6", "I", 100), bid("T6", "J", 101),                        # I holds 60% of J: flag
        bid("T7", "K", 100), bid("T7", "L", 101),                        # both 51% owned by person P9: flag
        bid("T8", "M", 100), bid("T8", "N", 101, status="withdrawn"),    # same representative, N withdrew
    ])
    ents = pd.DataFrame({"enterprise_id": list("ABCDEFGHIJKLMN"),
                         "legal_rep_id": ["P1", "P1", "P2", "P2", " ", None, "P3", "P4", "P5", "P6", "P7", "P8", "P10", "P10"]})
    holders = pd.DataFrame({"enterprise_id": ["H", "J", "K", "L"], "holder_id": ["G", "I", "P9", "P9"],
                            "share": [0.3, 0.6, 51.0, 0.51]})
    found = run(a34, {"bids": bids, "enterprises": ents, "shareholders": holders})
    assert pairs_of(found) == {("T1", "A;B"), ("T6", "I;J"), ("T7", "K;L")}
    text = dict(zip(found["tender_id"], found["evidence"]))
    assert text["T1"] == "Article 34: A and B, both bidding in tender T1, have the same legal representative 'P1'"
    assert "I holds a controlling share of J" in text["T6"]
    assert "are both controlled by 'P9'" in text["T7"]
    assert set(found["article"]) == {"Article 34"}
