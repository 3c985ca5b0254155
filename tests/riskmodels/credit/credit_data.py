"""Shared test helpers (split from tests/test_credit_model.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from features.core.settings import TiersSettings
from riskmodels.credit.model import CreditClassifier


FAST = dict(max_rounds=120, patience=30, inner_folds=3, candidates=[{"num_leaves": 7, "min_child_samples": 10}])


def _data(n=900, seed=0):
    rng = np.random.default_rng(seed)
    pen = rng.poisson(1.0, n).astype(float)
    noise = rng.normal(size=n)
    cat = rng.choice(["retail", "construction", "software"], n)
    z = -1.5 + 0.9 * pen + 0.8 * (cat == "construction") + 0.3 * noise
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    X = pd.DataFrame({"administrative_penalty_n_365d": pen, "noise": noise, "industry": cat})
    X.loc[rng.uniform(size=n) < 0.1, "noise"] = np.nan
    X.loc[rng.uniform(size=n) < 0.05, "industry"] = None
    X.attrs["true_logit"] = z
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = _data()
    return CreditClassifier(monotone={"administrative_penalty_n_365d": 1, "not_a_column": 1}, **FAST).fit(X, y), X, y


def _policy(**kw):
    p = TiersSettings()
    for k, v in kw.items():
        setattr(p, k, v)
    return p
