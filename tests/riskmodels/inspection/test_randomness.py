"""riskmodels.inspection.randomness: one stratum re-derived by hand from the documented SHA-256 procedure."""
from __future__ import annotations

import hashlib
import math
import numpy as np
from riskmodels.inspection.randomness import digest, seed_key, uniform
from tests.riskmodels.inspection.city import PERIOD, city, draw


def test_stratum_draw_matches_the_documented_procedure():
    """A slow re-derivation of one stratum straight from docs/inspection.md (hashlib only)."""
    t = city(n=400, capacity=10_000)
    t["inspections"] = t["inspections"].iloc[:0]
    r = draw(t, seed="doc")
    key = seed_key("doc", PERIOD, {"test": hashlib.sha256(b"doc").hexdigest()})
    sha = lambda text: hashlib.sha256(text.encode("utf-8")).hexdigest()  # noqa: E731
    assert key == sha(f"riskmodels-inspect-v1\nseed=doc\nperiod={PERIOD}\ninput test={hashlib.sha256(b'doc').hexdigest()}\n")
    ros = t["roster"].merge(t["tiers"], on="enterprise_id")
    rates = {"A": 0.01, "B": 0.02, "C": 0.10, "D": 0.30}
    planned = {(e, d) for e, ds in zip(r.visits.enterprise_id, r.visits.departments) for d in ds.split(";")}
    for tier in "ABCD":
        u = int(sha(f"{key}|round|{tier}")[:13], 16) / 16 ** 13
        c = 0.0
        for dept in sorted(set(ros.department)):
            firms = ros[(ros.department == dept) & (ros.tier == tier)].enterprise_id.tolist()
            x = rates[tier] * len(firms)
            n = math.floor(c + x + u) - math.floor(c + u)
            c += x
            risk = t["tiers"].set_index("enterprise_id").loc[firms, "probability"].to_numpy(float)
            share = 0.05 / len(firms) + 0.95 * risk ** 6 / (risk ** 6).sum() if firms else np.zeros(0)
            p = x * share
            while (p > 1 + 1e-12).any():  # capped at 1, the rest shared in the same proportions
                fixed = p >= 1 - 1e-12
                p = np.where(fixed, 1.0, (x - fixed.sum()) * share / share[~fixed].sum())
            pu = {e: int(sha(f"{key}|target|{e}")[:13], 16) / 16 ** 13 for e in firms}
            rank = {e: -1 if q >= 1 else (pu[e] / (1 - pu[e])) / (q / (1 - q)) for e, q in zip(firms, p)}
            chosen = sorted(firms, key=lambda e: (rank[e], e))[:n]
            inc = r.inclusion[(r.inclusion.department == dept) & (r.inclusion.tier == tier)].set_index("enterprise_id")
            assert np.allclose(inc.loc[firms, "inclusion_probability"], p, atol=1e-8)
            assert {e for e in firms if (e, dept) in planned} == set(chosen), (tier, dept)
    assert uniform(key, "round", "D") == u and digest(key, "target", "x") == sha(f"{key}|target|x")
