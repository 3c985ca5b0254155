"""Reasons in words: feature names, positions in the market, flag evidence."""
from __future__ import annotations

import numpy as np
import pandas as pd
from riskmodels.collusion import reasons


def test_reason_words():
    assert reasons.position_words(0.03) == "lowest 3% of the market"
    assert reasons.position_words(0.99) == "highest 1% of the market"
    assert reasons.base_name("spd_rank") == "spd" and reasons.base_name("cv_dm") == "cv"
    assert reasons.reason_text("spd", 0.008, 0.03) == "bid spread (max-min)/min 0.8% - lowest 3% of the market"
    # a market-relative feature is worded through its raw value, and a flag by its own evidence text
    contrib = pd.DataFrame({"spd_rank": [2.0, 0.0], "flag_A40.1": [1.0, 0.0]})
    X = pd.DataFrame({"spd_rank": [0.01, 0.9], "spd": [0.004, 0.2], "flag_A40.1": [1.0, 0.0]})
    ev = {"flag_A40.1": np.array(["Article 40(1): A and B share CA serial X", None], dtype=object)}
    r = reasons.reasons_from_contributions(contrib, X, top=3, evidence=ev)
    assert r[0] == "bid spread (max-min)/min 0.4% - lowest 50% of the market; Article 40(1): A and B share CA serial X"
    assert r[1] == ""
