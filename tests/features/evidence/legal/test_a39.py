"""features.evidence.legal.a39: article 39, a rotation pattern among the same bidders."""
from __future__ import annotations

from features.evidence.legal import a39
from tests.features.evidence.legal.bids_with_flags import bid, bids_frame, run


def test_article_39_rotation_pattern():
    rows = []
    for k in range(6):  # A and B meet in 6 tenders and take turns winning: R057 -> Article 39(2)
        winner = "A" if k % 2 else "B"
        rows += [bid(f"T{k}", "A", 100 + k, is_winner=float(winner == "A")), bid(f"T{k}", "B", 101 + k, is_winner=float(winner == "B")),
                 bid(f"T{k}", f"X{k}", 150, is_winner=0.0)]
    for k in range(5):  # C and D meet only 5 times: below the 6 co-bids R057 needs
        rows += [bid(f"U{k}", "C", 100, is_winner=float(k % 2)), bid(f"U{k}", "D", 101 + 3 * k, is_winner=float(1 - k % 2))]
    found = run(a39, {"bids": bids_frame(rows)})
    assert set(found["bidders"]) == {"A;B"}
    assert set(found["tender_id"]) == {f"T{k}" for k in range(6)}
    assert found["evidence"].iloc[0].startswith("Pattern evidence under Article 39(2) (agreeing who wins): A and B bid together "
                                                "in 6 tenders and took turns winning")
