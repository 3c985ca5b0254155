"""The case list page escapes every value from the data."""
from __future__ import annotations


import pandas as pd

from riskmodels.collusion.caselist import render_html


def test_html_escapes_everything():
    t = pd.DataFrame({"rank": [1], "tender_id": ["<script>x</script>"], "score": [0.9], "reasons": ["a & b"]})
    page = render_html(t, pd.DataFrame(), title="<b>t</b>")
    assert "<script>" not in page and "&lt;script&gt;" in page and "a &amp; b" in page and "<b>t</b>" not in page
