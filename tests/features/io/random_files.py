"""Hypothesis strategies for the reader property tests: random cells, records and whole CSV texts."""
from __future__ import annotations

import csv
import io
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


cell = st.one_of(st.text(max_size=12), st.sampled_from(["", "-5", "0", "1,000", "¥12", "9万", "abc", "2023-01-01", "=1+1",
                                                        "91350100M000100Y43", "91350100M000100Y40", "NaN", "\"", "\n"]))


record = st.lists(cell, min_size=0, max_size=5)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def csv_text(rows):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["tender_id", "bidder_id", "price"])
    for r in rows:
        w.writerow(r)
    return buf.getvalue()
