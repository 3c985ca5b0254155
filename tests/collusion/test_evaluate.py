"""Honest splits: bidders held out, contiguous time blocks, out-of-fold predictions with per-row fit parameters."""
from __future__ import annotations


import numpy as np

from markets import two_markets
from riskmodels.collusion.evaluate import bidder_split, time_blocks
from riskmodels.collusion.model import (ConsensusCollusionScore)


def test_bidder_split_never_shares_a_winner_and_time_blocks_are_contiguous():
    rng = np.random.default_rng(2)
    winners = rng.choice([f"f{i}" for i in range(30)], size=300)
    y = (rng.random(300) < 0.3).astype(int)
    for tr, te in bidder_split(y, winners, 5):
        assert not set(winners[tr]) & set(winners[te])
    t = rng.permutation(300).astype(float)
    for tr, te in time_blocks(t, 5):
        assert t[te].max() - t[te].min() == len(te) - 1  # one contiguous stretch of time


def test_out_of_fold_cuts_per_row_fit_params():
    from riskmodels.collusion.evaluate import out_of_fold, tender_split

    rng = np.random.default_rng(6)
    X, y, markets = two_markets(rng, n=120)
    sp = tender_split(y, np.arange(len(y)), 3, 0)
    p = out_of_fold(ConsensusCollusionScore(), X, y, sp, fit_params={"markets": markets})
    assert np.isfinite(p).all()
