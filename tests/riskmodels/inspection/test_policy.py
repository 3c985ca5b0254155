"""riskmodels.inspection.policy: rates rise with the tier, every tier keeps a chance, risk weighting is checked."""
from __future__ import annotations

import numpy as np
import pytest
from riskmodels.inspection.policy import Policy
from tests.riskmodels.inspection.city import city, draw


@pytest.mark.slow
def test_rates_rise_with_tier_and_every_tier_keeps_a_chance():
    t = city(n=2000, capacity=10_000, roster_share=1.0)
    t["inspections"] = t["inspections"].iloc[:0]
    shares = {k: [] for k in "ABCD"}
    for s in range(10):
        r = draw(t, seed=f"seed{s}")
        for k, v in r.summary["tiers"].items():
            shares[k].append(v["share_visited"])
    mean = {k: float(np.mean(v)) for k, v in shares.items()}
    assert mean["A"] < mean["B"] < mean["C"] < mean["D"]
    assert mean["A"] > 0  # randomised rounding: 1% of a small stratum still gets drawn sometimes
    # coordinated departments: a firm's chance is the rate, not 1-(1-r)^3
    assert mean["D"] == pytest.approx(0.30, abs=0.05)


def test_risk_weighting_raises_the_lift_and_keeps_every_chance_known_and_positive():
    t = city(n=2000, capacity=10_000, roster_share=0.6)
    t["inspections"] = t["inspections"].iloc[:0]
    vp = t["truth"].set_index("enterprise_id").violation_prob
    flat = Policy.from_settings({"risk_exponent": 0.0})
    lifts = {"flat": [], "weighted": []}
    for k in range(4):
        for name, pol in (("flat", flat), ("weighted", Policy.from_settings())):
            r = draw(t, seed=f"w{k}", policy=pol)
            lifts[name].append(vp.reindex(r.visits.enterprise_id).mean())
            inc = r.inclusion
            assert len(inc) == len(t["roster"]) and (inc.loc[inc.eligible == 1, "inclusion_probability"] > 0).all()
            for (dept, tier), g in inc.groupby(["department", "tier"]):  # a stratum's probabilities sum to its expectation
                assert g.inclusion_probability.sum() == pytest.approx(pol.rate(dept, tier) * g.eligible.sum(), abs=1e-6)
            assert set(inc.loc[inc.drawn == 1, "enterprise_id"]) <= set(r.visits.enterprise_id)
    assert min(lifts["weighted"]) > max(lifts["flat"])  # riskier firms of each tier drawn more often, on every seed
    with pytest.raises(Exception, match="risk_floor"):
        Policy.from_settings({"risk_floor": 0.0})
