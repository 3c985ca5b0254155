"""Canonical bids for the beyond-Cardinal indicator tests (`frame`) and one indicator run on them (`compute`)."""
from __future__ import annotations

import pandas as pd
from features.evidence.indicators import REGISTRY


def frame(rows):
    df = pd.DataFrame(rows, columns=["tender_id", "bidder_id", "price", "is_winner", "submitted_at"][:len(rows[0])])
    df["status"] = "valid"
    return df


def compute(indicator, bids, **settings):
    """Run one beyond-Cardinal indicator class (or its code) on canonical bids with the given settings."""
    cls = REGISTRY[indicator] if isinstance(indicator, str) else indicator
    return cls.compute(bids, cls.Settings(**settings), {})
