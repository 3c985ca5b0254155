"""features.evidence.legal.a40_4: article 40(4), identical documents and patterned prices."""
from __future__ import annotations

import pandas as pd
from features.evidence.legal import a40_4
from tests.features.evidence.legal.bids_with_flags import bid, bids_frame, pairs_of, run


def test_article_40_4_identical_documents_and_patterned_prices():
    bids = bids_frame([
        bid("T1", "A", 100, file_hash="h1"), bid("T1", "B", 107, file_hash="h1"),       # same file: flag
        bid("T2", "C", 100), bid("T2", "D", 110), bid("T2", "E", 120),                  # arithmetic progression: flag
        bid("T3", "F", 100), bid("T3", "G", 110), bid("T3", "H", 125),                  # no pattern
        bid("T4", "I", 100), bid("T4", "J", 110),                                       # two bids: no pattern to speak of
        *(bid("T9", f"P{i}", p) for i, p in enumerate((100, 110, 120, 130, 155))),    # 4 in a row of 5: flag
        *(bid("T10", f"Q{i}", p) for i, p in enumerate((100, 110, 120, 155))),        # only 3 in a row of 4
        bid("T5", "K", 100), bid("T5", "L", 103), bid("T6", "M", 100), bid("T6", "N", 104),
    ])
    items = pd.DataFrame([  # K and L price 3 shared items identically (flag); M and N only 2 (no flag)
        *({"tender_id": "T5", "bidder_id": b, "item_code": c, "unit_price": p} for b in "KL" for c, p in (("i1", 1.5), ("i2", 7.0), ("i3", 9.9))),
        *({"tender_id": "T6", "bidder_id": b, "item_code": c, "unit_price": p} for b, c, p in
          (("M", "i1", 1.5), ("N", "i1", 1.5), ("M", "i2", 7.0), ("N", "i2", 7.0), ("M", "i3", 9.9), ("N", "i3", 9.1))),
    ])
    found = run(a40_4, {"bids": bids, "bid_items": items}, identical_items=3)
    assert pairs_of(found) == {("T1", "A;B"), ("T2", "C;D;E"), ("T5", "K;L"), ("T9", "P0;P1;P2;P3;P4")}
    text = dict(zip(found["tender_id"], found["evidence"]))
    assert text["T1"] == "Article 40(4): the bids of A and B in tender T1 contain the same file, hash 'h1'"
    assert text["T2"] == "Article 40(4): the 3 valid bids in tender T2 form an arithmetic progression (100.00, 110.00, 120.00)"
    assert "price 3 of 3 shared bill items identically" in text["T5"]
    assert text["T9"].startswith("Article 40(4): 4 of the 5 valid bids in tender T9 form an arithmetic progression in a row")
