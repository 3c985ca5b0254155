"""A small city for the inspection tests: tiers, roster, inspectors and history (`city`), written to disk (`write`), drawn (`draw`), and the constraints every plan must keep (`check_constraints`)."""
from __future__ import annotations

import hashlib
import numpy as np
import pandas as pd
from riskmodels.inspection.draw import draw_plan
from riskmodels.inspection.policy import Policy
from riskmodels.inspection.draw import last_visits
from riskmodels.inspection.randomness import seed_key


PERIOD = "2027-03"


FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'


def city(n=600, depts=("market", "fire", "env"), per_dept=6, capacity=8, seed=1, roster_share=0.6):
    """Tables of a small city: tiers track the risk, inspectors with conflicts, an inspection history."""
    rng = np.random.default_rng(seed)
    ids = [f"E{i:05d}" for i in range(n)]
    risk = rng.beta(1, 6, n)
    tier = np.select([risk < 0.05, risk < 0.15, risk < 0.3], ["A", "B", "C"], "D")
    tiers = pd.DataFrame({"enterprise_id": ids, "tier": tier, "probability": risk, "trigger": ""})
    roster = pd.DataFrame([(e, d) for e in ids for d in depts if rng.random() < roster_share],
                          columns=["enterprise_id", "department"])
    rows = []
    for d in depts:
        for k in range(per_dept):
            conf = ";".join(rng.choice(ids, max(1, n // 20), replace=False))
            rows.append((f"{d}-{k:03d}", d, f"Name {d} {k}", capacity, conf))
    inspectors = pd.DataFrame(rows, columns=["inspector_id", "department", "name", "capacity", "conflicts"])
    hist = []
    for e in rng.choice(ids, n // 3, replace=False):
        d = str(rng.choice(depts))
        day = pd.Timestamp("2026-06-01") + pd.Timedelta(days=int(rng.integers(0, 300)))
        hist.append((e, day.date().isoformat(), d, f"{d}-{rng.integers(0, per_dept):03d};{d}-{rng.integers(0, per_dept):03d}"))
    inspections = pd.DataFrame(hist, columns=["enterprise_id", "inspected_on", "department", "inspector_ids"])
    enterprises = pd.DataFrame({"enterprise_id": ids, "name": [f"Firm {i}" for i in range(n)]})
    enterprises.loc[7, "name"] = FORMULA_NAME
    truth = pd.DataFrame({"enterprise_id": ids, "violation_prob": risk})
    return {"tiers": tiers, "roster": roster, "inspectors": inspectors, "inspections": inspections,
            "enterprises": enterprises, "truth": truth}


def write(tmp_path, t, name="city"):
    d = tmp_path / name
    (d / "truth").mkdir(parents=True)
    for k in ("roster", "inspectors", "inspections", "enterprises"):
        t[k].to_csv(d / f"{k}.csv", index=False)
    t["truth"].to_csv(d / "truth" / "enterprises.csv", index=False)
    t["tiers"].to_csv(tmp_path / f"{name}-tiers.csv", index=False)
    return d, tmp_path / f"{name}-tiers.csv"


def check_constraints(plan: pd.DataFrame, t: dict, policy: Policy, triggered=()) -> None:
    """Every rule of a plan: >= min inspectors, inspectors from the visiting departments, no declared conflict, capacity,
    not an inspector of the last visit, one visit per firm, departments allowed by the roster (or a trigger)."""
    ins = t["inspectors"]
    dept = dict(zip(ins.inspector_id, ins.department))
    cap = dict(zip(ins.inspector_id, ins.capacity))
    conflict = {(i, e) for i, c in zip(ins.inspector_id, ins.conflicts.fillna("")) for e in str(c).split(";") if e}
    last = last_visits(t.get("inspections"))
    roster = set(zip(t["roster"].enterprise_id, t["roster"].department))
    assert not plan.enterprise_id.duplicated().any()
    load: dict = {}
    for e, deps, who in zip(plan.enterprise_id, plan.departments, plan.inspectors):
        ids, ds = who.split(";"), deps.split(";")
        assert len(ids) >= policy.min_inspectors and len(set(ids)) == len(ids)
        assert all(dept[i] in ds for i in ids), (e, ids, ds)
        assert all(any(dept[i] == d for i in ids) for d in ds), "every visiting department sends an inspector"
        assert not any((i, e) in conflict for i in ids)
        assert not set(ids) & last.get(e, (None, set()))[1]
        if e not in triggered:
            assert all((e, d) in roster for d in ds)
        for i in ids:
            load[i] = load.get(i, 0) + 1
    assert all(load[i] <= cap[i] for i in load)


def draw(t, seed="s", policy=None, **kw):
    policy = policy or Policy.from_settings()
    key = seed_key(seed, PERIOD, {"test": hashlib.sha256(seed.encode()).hexdigest()})
    return draw_plan(t["tiers"], t["inspectors"], key=key, period=PERIOD, policy=policy, roster=t["roster"],
                     inspections=t["inspections"], **kw)
