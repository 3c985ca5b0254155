"""features.evidence.legal.a40_1: article 40(1), documents by the same author, device or IP, generic values ignored."""
from __future__ import annotations

from features.evidence.legal import a40_1
from tests.features.evidence.legal.bids_with_flags import bid, bids_frame, pairs_of, run


def test_article_40_1_same_author_device_ip_but_not_generic_values():
    bids = bids_frame([
        bid("T1", "A", 100, device_id="DEV-1", file_creator="Administrator"), bid("T1", "B", 101, device_id="DEV-1", file_creator="Administrator"),
        bid("T2", "C", 100, file_creator="Administrator"), bid("T2", "D", 101, file_creator="Administrator"),  # default author
        bid("T3", "E", 100, ip="10.0.0.1"), bid("T3", "F", 101, ip="10.0.0.1"),                              # shared network...
        bid("T4", "G", 100, ip="10.0.0.1"),                                                                  # ...of 3 bidders
        bid("T5", "H", 100, device_id="DEV-9"), bid("T6", "I", 100, device_id="DEV-9"),                      # different tenders
        bid("T7", "J", 100, file_creator="wang.li"), bid("T7", "K", 101, file_creator="wang.li"),            # same author: flag
        bid("T8", "L", 100, device_id=""), bid("T8", "M", 100, device_id=""),                                # blank
    ])
    found = run(a40_1, {"bids": bids}, generic_bidders=3)
    assert pairs_of(found) == {("T1", "A;B"), ("T7", "J;K")}
    text = dict(zip(found["tender_id"], found["evidence"]))
    assert text["T1"] == "Article 40(1): the bids of A and B in tender T1 were made on the same device 'DEV-1'"
    assert text["T7"] == "Article 40(1): the bids of J and K in tender T7 were made by the same file creator 'wang.li'"
