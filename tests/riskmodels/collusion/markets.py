"""Small synthetic markets shared by the collusion tests."""
from __future__ import annotations

import numpy as np
import pandas as pd


def market(rng, n=400, share=0.3):
    """Tender features where collusive tenders have low spread and high relative distance, plus noise columns."""
    y = (rng.random(n) < share).astype(int)
    spd = np.where(y == 1, rng.gamma(2, 0.01, n), rng.gamma(2, 0.05, n))
    rd = np.where(y == 1, rng.gamma(4, 1.0, n), rng.gamma(2, 0.5, n))
    X = pd.DataFrame({"spd": spd, "rd": rd, "noise": rng.normal(size=n)})
    X.loc[rng.random(n) < 0.05, "rd"] = np.nan
    return X, y


def two_markets(rng, n=400):
    """Two markets where low spread means collusion in both, but the number of bids points opposite ways (as between
    the Japanese and Italian research markets)."""
    parts = []
    for name, sign in (("a", 1), ("b", -1)):
        X, y = market(rng, n)
        X = X.assign(n_bids=np.where(y == 1, 8 + 3 * sign, 8 - 3 * sign) + rng.integers(-1, 2, n))
        parts.append((X, y, np.full(n, name)))
    return (pd.concat([p[0] for p in parts], ignore_index=True), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]))
