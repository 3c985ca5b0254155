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
    for tier, n, rate, base in (("A", 300, 0.03, 0.01), ("B", 400, 0.06, 0.04), ("C", 200, 0.15, 0.12), ("D", 60, 0.5, 0.35)):
        risk = rng.beta(1, 1 / base, n)
        rows.append(pd.DataFrame({"tier": tier, "risk": risk, "rate": rate}))
    pop = pd.concat(rows, ignore_index=True)
    pop["y"] = (rng.random(len(pop)) < pop["risk"]).astype(int)
    return pop


def test_interval_covers_the_true_rate_in_at_least_93_percent_of_draws():
    rng = np.random.default_rng(3)
    covered, widths = [], []
    for _ in range(300):
        pop = _population(rng)
        drawn = []
        for tier, g in pop.groupby("tier"):
            x = g["rate"].iloc[0] * len(g)
            p = np.array(stratum_probabilities(x, list(g["risk"]), 1.0, 0.3))
            n = int(np.floor(x + rng.random()))
            u = rng.random(len(g))
            order = np.argsort([pareto_rank(a, b) for a, b in zip(u, p)])[:n]
            drawn.append(g.iloc[order].assign(p=p[order]))
        s = pd.concat(drawn)
        r = violation_rate(s["p"], s["y"], strata=s["tier"], tiers=s["tier"])
        covered.append(r["low"] <= pop["y"].mean() <= r["high"])
        widths.append(r["high"] - r["low"])
    assert np.mean(covered) >= 0.93
    assert np.mean(widths) < 0.12  # informative, not [0, 1]


def test_single_row_strata_are_pooled_not_dropped_and_bad_input_is_refused():
    r = violation_rate([0.5, 0.5, 0.2, 0.1], [1, 0, 0, 1], strata=["a|A", "a|A", "b|B", "c|B"], tiers=["A", "A", "B", "B"])
    assert 0 <= r["low"] <= r["estimate"] <= r["high"] <= 1 and r["se"] > 0
    with pytest.raises(ValueError, match="above 0"):
        violation_rate([0.0, 0.5], [1, 0])


def test_korn_graubard_is_clopper_pearson_for_a_simple_sample():
    from scipy import stats

    low, high, n_eff = korn_graubard(0.2, 0.2 * 0.8 / 50, 50, 49)
    assert n_eff == pytest.approx(50)
    assert low == pytest.approx(stats.beta.ppf(0.025, 10, 41)) and high == pytest.approx(stats.beta.ppf(0.975, 11, 40))
    assert korn_graubard(0.0, 0.0, 30, 29)[0] == 0.0 and korn_graubard(0.0, 0.0, 30, 29)[1] > 0.05
