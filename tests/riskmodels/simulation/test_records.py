"""riskmodels.simulation.records: per-enterprise records: inspections fail more often for bad credit, the roster and inspectors with conflicts, no truth in public tables."""
from __future__ import annotations

import numpy as np
import pandas as pd
from features.io import uscc
from features.io.codes import DEPARTMENTS, EVENT_TYPES, INSPECTION_RESULTS
from tests.riskmodels.simulation.world import TABLES, read


def test_bad_credit_firms_fail_inspections_more_often(sim_city):
    out, _ = sim_city
    ev, ins = read(out, "credit_events"), read(out, "inspections")
    assert set(ev.event_type) == set(EVENT_TYPES)
    assert set(ins.result) <= set(INSPECTION_RESULTS)
    neg = ev[ev.severity >= 2].groupby("enterprise_id").size()
    fail = ins.assign(f=ins.result.eq("fail")).groupby("enterprise_id").f.mean()
    x = pd.DataFrame({"fail": fail}).join(neg.rename("neg")).fillna({"neg": 0})
    top = x.neg >= x.neg.quantile(0.75)
    assert x.fail[top].mean() > 2 * x.fail[x.neg == 0].mean()


def test_roster_inspectors_and_conflicts(sim_city):
    out, _ = sim_city
    roster, insp, ins = read(out, "roster"), read(out, "inspectors"), read(out, "inspections")
    assert list(insp.columns) == ["inspector_id", "department", "name", "region", "capacity", "conflicts"]
    assert set(roster.department) == set(DEPARTMENTS) == set(insp.department)
    assert not roster.duplicated().any()
    conflicts = {e for c in insp.conflicts.dropna() for e in c.split(";")}
    assert len(conflicts) >= 50 and conflicts <= set(roster.enterprise_id)
    te = read(out, "truth/enterprises").set_index("enterprise_id")
    assert te.violation_prob.reindex(list(conflicts)).mean() > te.violation_prob.reindex(roster.enterprise_id.unique()).mean()
    dept = dict(zip(insp.inspector_id, insp.department))
    pairs = ins.inspector_ids.str.split(";")
    assert (pairs.str.len() == 2).all()
    assert all(dept[a] == d and dept[b] == d and a != b for (a, b), d in zip(pairs.head(2000), ins.department.head(2000)))


def test_truth_is_not_in_the_public_tables(sim_city):
    out, _ = sim_city
    for name in TABLES:
        cols = set(pd.read_csv(out / f"{name}.csv", nrows=0).columns)
        assert not cols & {"collusive", "cartel_id", "cartel_member", "scheme", "latent_risk", "violation_prob"}, name


def test_enterprise_records_of_a_block(small_population):
    from riskmodels.simulation.records import enterprises_frame, make_roster

    pop, size, cfg, _ = small_population
    ent = enterprises_frame(np.random.default_rng(4), pop, 0, 50, False)
    assert ent["enterprise_id"].tolist() == list(pop.ids[:50])
    assert all(uscc.is_valid(x) for x in ent["enterprise_id"])
    roster, _ = make_roster(np.random.default_rng(5), pop, size)
    assert not roster.duplicated().any() and set(roster["enterprise_id"]) <= set(pop.ids)
    assert set(roster["department"]) <= set(DEPARTMENTS)
