"""riskmodels.inspection.estimate: the design-based interval covers the roster's true rate as often as it says, on a
population drawn like the planner draws (strata by tier, unequal probabilities, rare violations in the low tiers)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodels.inspection.draw import pareto_rank, stratum_probabilities
from riskmodels.inspection.estimate import korn_graubard, violation_rate


def _population(rng):
    rows = []
    for tier, n, rate, base in (("A", 300, 0.01, 0.01), ("B", 350, 0.02, 0.05), ("C", 250, 0.1, 0.15), ("D", 100, 0.3, 0.4)):
        risk = rng.beta(2, 2 / base - 2, n)
        rows.append(pd.DataFrame({"tier": tier, "risk": risk, "rate": rate}))
    pop = pd.concat(rows, ignore_index=True)
    pop["y"] = (rng.random(len(pop)) < pop["risk"]).astype(int)  # risk is the model's probability: a fair working model
    return pop


def _draw(pop, rng):
    parts = []
    for _, g in pop.groupby("tier"):
        x = g["rate"].iloc[0] * len(g)
        p = np.array(stratum_probabilities(x, list(g["risk"]), 3.0, 0.05))
        n = int(np.floor(x + rng.random()))
        order = np.argsort([pareto_rank(a, b) for a, b in zip(rng.random(len(g)), p)])[:n]
        parts.append(g.assign(inclusion_probability=p).iloc[order])
        pop.loc[g.index, "inclusion_probability"] = p
    return pd.concat(parts)


@pytest.mark.slow
def test_interval_covers_the_true_rate_in_at_least_93_percent_of_draws():
    rng = np.random.default_rng(3)
    covered, widths, naive = [], [], []
    for _ in range(200):
        pop = _population(rng)
        s = _draw(pop, rng)
        r = violation_rate(s, pop)
        covered.append(r["low"] <= pop["y"].mean() <= r["high"])
        widths.append(r["high"] - r["low"])
        naive.append(s["y"].mean() - pop["y"].mean())
    assert np.mean(covered) >= 0.93
    assert np.mean(widths) < 0.25 and np.mean(naive) > 0.1  # informative; the plain share is far off


def test_without_risk_it_is_the_hajek_ratio_and_bad_input_is_refused():
    s = pd.DataFrame({"inclusion_probability": [0.5, 0.5, 0.2, 0.1], "y": [1, 0, 0, 1], "tier": ["A", "A", "B", "B"]})
    pop = pd.DataFrame({"inclusion_probability": [0.5] * 4 + [0.2] * 5 + [0.1] * 10})
    r = violation_rate(s, pop)
    w = 1 / s["inclusion_probability"]
    assert r["estimate"] == pytest.approx((w * s["y"]).sum() / w.sum()) and r["model"] == "weighted mean"
    assert 0 <= r["low"] <= r["estimate"] <= r["high"] <= 1 and r["se"] > 0
    with pytest.raises(ValueError, match="above 0"):
        violation_rate(s.assign(inclusion_probability=0.0), pop)


def test_korn_graubard_is_clopper_pearson_for_a_simple_sample():
    from scipy import stats

    low, high, n_eff = korn_graubard(0.2, 0.2 * 0.8 / 50, 50, 49)
    assert n_eff == pytest.approx(50)
    assert low == pytest.approx(stats.beta.ppf(0.025, 10, 41)) and high == pytest.approx(stats.beta.ppf(0.975, 11, 40))
    assert korn_graubard(0.0, 0.0, 30, 29)[0] == 0.0 and korn_graubard(0.0, 0.0, 30, 29)[1] > 0.05
