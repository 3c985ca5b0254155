"""riskmodels.credit.monitor: discrimination, calibration, stability and migration statistics."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp
from sklearn.metrics import roc_auc_score
from riskmodels.credit.monitor import calibration_table, discrimination, ks_statistic, migration_matrix, psi, stability
from riskmodels.credit.tiers import (tier_table)


def test_monitoring_statistics():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 500)
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, 500), 0, 1)
    ref = ks_2samp(p[y == 1], p[y == 0]).statistic
    assert ks_statistic(y, p) == pytest.approx(ref)
    d = discrimination(y, p)
    assert d["gini"] == pytest.approx(2 * roc_auc_score(y, p) - 1)
    assert d["brier"] == pytest.approx(np.mean((p - y) ** 2))
    cal = calibration_table(y, p, bins=5)
    assert cal["n"].sum() == 500 and (np.diff(cal["predicted"]) > 0).all()
    a = rng.normal(size=5000)
    assert psi(a, a) == pytest.approx(0, abs=1e-12)
    assert psi(a, rng.normal(size=5000)) < 0.02
    assert psi(a, rng.normal(1.0, 1, 5000)) > 0.25
    assert psi(pd.Series(["x"] * 90 + ["y"] * 10), pd.Series(["x"] * 50 + ["y"] * 50)) > 0.25
    st = stability(pd.DataFrame({"score": a, "f": a}), pd.DataFrame({"score": a, "f": a + 2}), score="score")
    assert st["variable"].tolist() == ["score", "f"] and st["psi"].iloc[1] > 1
    m = migration_matrix(["A", "A", "B", None, "D"], ["A", "B", "B", "C", "D"])
    assert m.loc["A", "A"] == 1 and m.loc["A", "B"] == 1 and m.loc["B", "B"] == 1 and m.loc["new", "C"] == 1
    assert int(m.to_numpy().sum()) == 5
    tt = tier_table([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.2], ["A", "D", "D", "A"])
    assert tt["A"] == {"n": 2, "bad_rate": 0.0} and tt["D"]["bad_rate"] == 1.0 and tt["B"] == {"n": 0, "bad_rate": None}
