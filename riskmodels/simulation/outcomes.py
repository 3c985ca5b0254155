"""Results of a plan's visits in the synthetic city: each planned (department, firm) visit finds a violation with the firm's
true violation probability (truth/enterprises.csv `violation_prob`), so decision analysis and its estimate from the random
draws can be checked against the planted truth. Seeded: the same plan and seed give the same results."""
from __future__ import annotations

import numpy as np
import pandas as pd

from features.core.errors import InputError


def simulate_results(visits: pd.DataFrame, truth: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Inspections rows (inspection_id, enterprise_id, inspected_on, department, inspector_ids, result) for every department
    of every planned visit, dated inside the visit's window."""
    for c in ("enterprise_id", "departments", "window"):
        if c not in visits.columns:
            raise InputError(f"plan: column '{c}' is missing")
    if "violation_prob" not in truth.columns:
        raise InputError("truth/enterprises.csv: column 'violation_prob' is missing")
    vp = dict(zip(truth["enterprise_id"].astype(str), pd.to_numeric(truth["violation_prob"], errors="coerce")))
    rng = np.random.default_rng(seed)
    rows = []
    for k, r in enumerate(visits.itertuples(index=False)):
        a, b = (pd.Timestamp(x) for x in str(r.window).split("/"))
        day = (a + pd.Timedelta(days=int(rng.integers(0, (b - a).days + 1)))).date().isoformat()
        for d in (x for x in str(r.departments).split(";") if x):
            p = vp.get(str(r.enterprise_id), np.nan)
            res = "fail" if np.isfinite(p) and rng.random() < p else "pass"
            rows.append((f"R{k + 1:06d}-{d}", r.enterprise_id, day, d, getattr(r, "inspectors", ""), res))
    return pd.DataFrame(rows, columns=["inspection_id", "enterprise_id", "inspected_on", "department", "inspector_ids", "result"])
