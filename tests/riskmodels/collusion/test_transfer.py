"""riskmodels.collusion.transfer: the training profile a model keeps, and what it says about a market it never saw."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodels.collusion.transfer import outside_training, seen_share, training_profile, transfer_flags


def _table(n=200, seed=0, cv_scale=1.0, market="a"):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"tender_id": [f"{market}{i}" for i in range(n)], "market": market,
                         "n_bids": rng.integers(3, 9, n), "cv": rng.uniform(0.01, 0.1, n) * cv_scale})


def test_profile_holds_quartiles_precision_and_the_training_tenders():
    t = _table()
    y = (t["cv"] < 0.03).astype(int).to_numpy()
    p = training_profile(t, y, -t["cv"].to_numpy(), "out-of-fold")
    m = p["markets"]["a"]
    assert m["tenders"] == 200 and m["collusive_share"] == pytest.approx(y.mean())
    lo, med, hi = m["quartiles"]["cv"]
    assert lo < med < hi and med == pytest.approx(np.quantile(t["cv"], 0.5))
    assert m["precision_at_share"]["0.1"] == 1.0  # the lowest cv are exactly the collusive ones
    assert p["scores"] == "out-of-fold" and seen_share(p, t) == 1.0
    assert seen_share(p, _table(seed=1, market="b")) == 0.0 and seen_share(p, t.iloc[:0]) == 0.0


def test_a_new_market_outside_the_training_range_is_named():
    t = _table()
    p = training_profile(t, np.zeros(len(t)), np.zeros(len(t)), "in-sample")
    assert outside_training(p, _table(seed=2, market="b")) == []
    far = outside_training(p, _table(seed=2, cv_scale=10, market="c"))
    assert len(far) == 1 and far[0].startswith("cv median")


def test_transfer_flags_take_the_top_share_and_say_so():
    t = _table()
    p = training_profile(t, (t["cv"] < 0.03).astype(int), -t["cv"].to_numpy(), "out-of-fold")
    score = np.linspace(0, 1, 40)
    flag, words = transfer_flags(p, score, 0.05)
    assert flag.sum() == 2 and flag[-2:].tolist() == [1, 1]
    assert "top 5% of its tenders (2)" in words and "a 100% (base rate" in words
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        transfer_flags(p, score, 1.0)
