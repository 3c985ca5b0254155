"""riskmodels.cases.scoring: market statistics kept from a history score new tenders as the history's own score would."""
from __future__ import annotations

import json
import numpy as np
import pytest
from riskmodels.cases.scoring import QUANTILES, history_share, market_statistics, score_against


@pytest.mark.slow
def test_kept_statistics_reproduce_the_history_score(loop_city):
    from features.io.dataset import load_dataset
    from riskmodels.collusion.model import CompositeCollusionScore
    from riskmodels.cases.scoring import evidence_table
    from riskmodels.collusion.composite import composite_frame

    ds = load_dataset(loop_city["hist"])
    table = evidence_table(ds)
    stats = json.loads(json.dumps(market_statistics(ds, table=table)))  # through JSON, as the store keeps them
    assert stats["columns"] and all(len(v) <= QUANTILES for v in stats["reference"].values())
    X, w = composite_frame(table)
    direct = CompositeCollusionScore(weights=w).fit(X).score_samples(X)
    kept = score_against(stats, table)
    assert np.allclose(kept, direct, atol=2e-3)
    share = history_share(stats, kept)
    assert share.min() >= 0 and share.max() <= 1 and share[np.argmax(kept)] <= 1 / len(table) + 1e-9
    new = evidence_table(load_dataset(loop_city["new"]))
    assert len(score_against(stats, new)) == len(new)
