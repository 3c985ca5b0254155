"""graphs.cobid: co-bidding pairs and bidder statistics against brute force; the cover bidder."""
from __future__ import annotations

import itertools
from collections import Counter
import numpy as np
import pandas as pd
from graphs import cobid, tables
from tests.graphs.markets import random_bids


def test_cobid_pairs_and_stats_match_brute_force():
    bids = random_bids()
    by_tender = {t: set(d["bidder_id"]) for t, d in bids.groupby("tender_id")}
    winner = {t: set(d.loc[d["is_winner"] > 0, "bidder_id"]) for t, d in bids.groupby("tender_id")}
    co, won = Counter(), Counter()
    for t, fs in by_tender.items():
        for a, b in itertools.combinations(sorted(fs), 2):
            co[a, b] += 1
            won[a, b, a] += a in winner[t]
            won[a, b, b] += b in winner[t]
    p = cobid.cobid_pairs(bids).set_index(["bidder_a", "bidder_b"])
    assert set(p.index) == set(co)
    for (a, b), n in co.items():
        assert p.loc[(a, b), "co_bids"] == n
        assert p.loc[(a, b), "a_won"] == won[a, b, a] and p.loc[(a, b), "b_won"] == won[a, b, b]
    st = cobid.bidder_stats(bids).set_index("bidder_id")
    for f in st.index:
        mine = [t for t, fs in by_tender.items() if f in fs]
        assert st.loc[f, "n_bids"] == len(mine)
        assert st.loc[f, "n_wins"] == sum(f in winner[t] for t in mine)
        assert st.loc[f, "n_losses"] == sum(bool(winner[t]) and f not in winner[t] for t in mine)
    lw = cobid.loss_to_one_winner(bids).set_index("bidder_id")
    for f in st.index:
        beaten_by = Counter(w for t, fs in by_tender.items() if f in fs for w in winner[t] if w != f)
        top = max(beaten_by.values(), default=0)
        assert lw.loc[f, "losses_to_top"] == top
        if top:
            assert beaten_by[lw.loc[f, "top_winner"]] == top


def test_cover_bidder_loses_to_one_winner(world, found):
    _, bg = found
    bf = tables.bidder_features(bg, found[0]).set_index("bidder_id")
    # cartel 0 rotates: each member loses to the three others, never mostly to one; a designated-winner example:
    bids = pd.DataFrame({"tender_id": ["T1", "T1", "T2", "T2", "T3", "T3"], "bidder_id": ["W", "C", "W", "C", "W", "C"],
                         "price": [1, 2, 1, 2, 1, 2], "is_winner": [1, 0, 1, 0, 1, 0]})
    lw = cobid.loss_to_one_winner(bids).set_index("bidder_id")
    assert lw.loc["C", "top_winner"] == "W" and lw.loc["C", "loss_share_top"] == 1.0
    assert np.isnan(lw.loc["W", "loss_share_top"])
    assert bf.loc[world["cartels"][0][0], "degree"] >= 3
