"""The case list page escapes every value from the data."""
from __future__ import annotations

import pandas as pd
from riskmodels.collusion.caselist import render_html


def test_html_escapes_everything():
    t = pd.DataFrame({"rank": [1], "tender_id": ["<script>x</script>"], "score": [0.9], "reasons": ["a & b"]})
    page = render_html(t, pd.DataFrame(), title="<b>t</b>")
    assert "<script>" not in page and "&lt;script&gt;" in page and "a &amp; b" in page and "<b>t</b>" not in page


def test_bidder_lists_name_the_first_distinct_bidders_of_each_tender():
    import numpy as np
    import pandas as pd

    from riskmodels.collusion.caselist import bidder_lists

    rng = np.random.default_rng(1)
    bids = pd.DataFrame({"tender_id": rng.integers(0, 300, 5000).astype(str),
                         "bidder_id": rng.integers(0, 40, 5000).astype(str)}).astype(str)
    for most in (2, 12, 40):
        want = bids.groupby("tender_id")["bidder_id"].agg(
            lambda s: ";".join(list(dict.fromkeys(s))[:most]) + (";..." if s.nunique() > most else ""))
        got = bidder_lists(bids, most)
        assert got.reindex(want.index).tolist() == want.tolist()
    assert bidder_lists(pd.DataFrame({"tender_id": ["t", "t", "t"], "bidder_id": ["b", "a", "b"]}), 1)["t"] == "b;..."
