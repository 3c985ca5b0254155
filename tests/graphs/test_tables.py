"""graphs.tables: per-tender graph features show group presence and relations."""
from __future__ import annotations

import pytest
from graphs import tables


def test_tender_features_show_group_presence_and_relations(world, found):
    g, bg = found
    tf = tables.tender_features(bg, g).set_index("tender_id")
    assert len(tf) == world["bids"]["tender_id"].nunique()
    cartel_tenders = world["bids"].groupby("tender_id")["bidder_id"].apply(
        lambda s: set(world["cartels"][0]) <= set(s))
    t = cartel_tenders[cartel_tenders].index[0]
    assert tf.loc[t, "group_share"] == pytest.approx(4 / 6)
    assert tf.loc[t, "max_relation"] >= 1.0 and "legal_rep" in tf.loc[t, "relation"]
    bf = tables.bidder_features(bg, g)
    assert set(bf["bidder_id"]) == set(world["bids"]["bidder_id"])
    member = bf.set_index("bidder_id").loc[world["cartels"][0][0]]
    assert member["group_id"] in (1, 2) and member["exclusivity"] > 0.3
