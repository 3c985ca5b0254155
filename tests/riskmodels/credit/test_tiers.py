"""riskmodels.credit.tiers: tier shares, cutoffs, hard overrides and damping against the previous tiers."""
from __future__ import annotations

import numpy as np
import pytest
from features.core.settings import TiersSettings
from riskmodels.credit.tiers import (OVERRIDE_ABNORMAL, OVERRIDE_NO_HISTORY, OVERRIDE_SERIOUS, assign_tiers, cutoffs)
from tests.riskmodels.credit.credit_data import _policy


def test_tier_shares_cutoffs_and_overrides():
    p = np.linspace(0.001, 0.9, 1000)
    t = assign_tiers(p, _policy())
    share = t["tier"].value_counts(normalize=True)
    assert share.to_dict() == pytest.approx(dict(zip("ABCD", TiersSettings().shares)), abs=0.002)
    assert (t["tier"] == t["model_tier"]).all() and (t["override"] == "").all()
    t = assign_tiers([0.01, 0.1, 0.2, 0.5], _policy(method="probability", cutoffs=[0.05, 0.15, 0.35]))
    assert t["tier"].tolist() == ["A", "B", "C", "D"]
    t = assign_tiers([0.01, 0.01, 0.01, 0.9, 0.01], _policy(method="probability"),
                     serious=[True, False, False, False, False], abnormal=[False, True, False, True, False],
                     no_history=[False, False, True, False, False])
    assert t["tier"].tolist() == ["D", "C", "B", "D", "A"]
    assert t["override"].tolist() == [OVERRIDE_SERIOUS, OVERRIDE_ABNORMAL, OVERRIDE_NO_HISTORY, "", ""]
    assert t["model_tier"].tolist() == ["A", "A", "A", "D", "A"]
    with pytest.raises(Exception, match=r"\[tiers\] shares"):
        cutoffs(p, _policy(shares=[0.5, 0.5, 0.5, 0.5]))


def test_damping_keeps_tier_near_cutoff():
    pol = _policy(method="probability", cutoffs=[0.05, 0.15, 0.35], damping=0.02)
    p = [0.16, 0.20, 0.04, 0.02, 0.16]
    prev = ["B", "B", "B", "B", None]
    t = assign_tiers(p, pol, previous=prev)
    # 0.16 is within 0.02 above B's upper cut-off: stays B; 0.20 moves to C; 0.04 is within 0.02 below A's: stays B;
    # 0.02 moves to A; a firm without a previous tier is not damped
    assert t["tier"].tolist() == ["B", "C", "B", "A", "C"]
