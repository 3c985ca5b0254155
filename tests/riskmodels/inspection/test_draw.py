"""riskmodels.inspection.draw: the draw over DataFrames keeps every constraint (rates, capacity, conflicts, spacing, joint visits, triggers)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from riskmodels.inspection.draw import draw_plan
from riskmodels.inspection.policy import Policy
from riskmodels.inspection.draw import last_visit_rows, last_visits, visits_of
from riskmodels.inspection.randomness import seed_key
from tests.riskmodels.inspection.city import PERIOD, check_constraints, city, draw


def test_small_city_plan_respects_every_constraint_and_conflicts_bite():
    t = city()
    r = draw(t)
    assert len(r.visits) > 20
    check_constraints(r.visits, t, Policy.from_settings())
    # the conflict rule is exercised: some drawn firm has a conflicted inspector in a visiting department
    ins = t["inspectors"]
    touched = [(e, d) for e, ds in zip(r.visits.enterprise_id, r.visits.departments) for d in ds.split(";")
               if any(e in c.split(";") for c, dd in zip(ins.conflicts, ins.department) if dd == d)]
    assert touched
    # joint inspection: department draws merge; the saving is counted exactly
    ndept = r.visits.departments.str.count(";").add(1).sum()
    assert r.summary["visits_saved_by_joint_inspection"] == ndept - len(r.visits) > 0


def test_city_scale_roster_respects_every_constraint():
    # Pingshan-sized: 10,423 roster targets, 329 inspectors in 7 departments (47 each), capacity 6 visits per period
    rng = np.random.default_rng(3)
    depts = [f"dept{k}" for k in range(7)]
    t = city(n=10423, depts=depts, per_dept=47, capacity=6, seed=3, roster_share=0.3)
    t["roster"] = t["roster"].sample(frac=1.0, random_state=int(rng.integers(1e6)))
    r = draw(t, seed="city")
    check_constraints(r.visits, t, Policy.from_settings())
    assert len(r.visits) > 300
    share = {k: v["share_visited"] for k, v in r.summary["tiers"].items()}
    assert share["A"] < share["B"] < share["C"] < share["D"]


def test_capacity_shortfall_is_reported_not_silently_dropped():
    t = city(per_dept=3, capacity=1)
    r = draw(t)
    check_constraints(r.visits, t, Policy.from_settings())
    assert len(r.unassigned) > 0
    assert r.unassigned.reason.str.contains("capacity").any()
    # every drawn department is either served by a visit or reported
    served = {(e, d) for e, ds in zip(r.visits.enterprise_id, r.visits.departments) for d in ds.split(";")}
    reported = set(zip(r.unassigned.enterprise_id, r.unassigned.department))
    assert r.summary["department_draws"] == len(served | reported)
    assert not served & reported


def test_firm_without_two_eligible_inspectors_is_reported():
    t = city(n=50, depts=("market",), per_dept=3, capacity=10)
    e = "E00001"
    t["tiers"].loc[t["tiers"].enterprise_id == e, "trigger"] = "complaint"
    t["inspectors"]["conflicts"] = [e, e, ""]  # two of the three declare a conflict with the triggered firm
    r = draw(t)
    assert e not in set(r.visits.enterprise_id)
    row = r.unassigned[r.unassigned.enterprise_id == e]
    assert len(row) == 1 and "1 eligible inspector" in row.reason.iloc[0]
    check_constraints(r.visits, t, Policy.from_settings(), triggered={e})


def test_department_without_inspectors_leaves_the_joint_visit_and_is_reported():
    t = city(n=300)
    t["roster"] = pd.concat([t["roster"], pd.DataFrame({"enterprise_id": t["tiers"].enterprise_id, "department": "tax"})])
    r = draw(t)
    assert "tax" not in ";".join(r.visits.departments)
    gone = r.unassigned[r.unassigned.department == "tax"]
    assert len(gone) > 0 and gone.reason.str.contains("no inspectors").all()
    check_constraints(r.visits, t, Policy.from_settings())


def test_last_visit_inspectors_and_spacing():
    t = city(n=200, depts=("market",), per_dept=4, capacity=200, roster_share=1.0)
    e = "E00002"
    t["tiers"].loc[t["tiers"].enterprise_id == e, "trigger"] = "1"
    t["inspections"] = pd.DataFrame({"enterprise_id": [e, e, "E00003"], "inspected_on": ["2026-01-01", "2027-02-20", "2027-02-25"],
                                     "department": ["market"] * 3, "inspector_ids": ["market-000", "market-001;market-002", ""]})
    t["tiers"].loc[t["tiers"].enterprise_id == "E00003", "tier"] = "D"
    pol = Policy.from_settings({"rates": {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0}, "min_days_between_visits": 30})
    r = draw(t, policy=pol)
    row = r.visits[r.visits.enterprise_id == e]
    assert len(row) == 1 and set(row.inspectors.iloc[0].split(";")) == {"market-000", "market-003"}
    assert "E00003" not in set(r.visits.enterprise_id)  # visited 4 days before the period, not triggered
    assert r.summary["recently_visited_firms"] == 2


def test_last_visits_read_messy_history_rows():
    from datetime import date

    h = pd.DataFrame({"enterprise_id": [" E1", "E1", "E1 ", None, "E2", "E2", "E3", 5],
                      "inspected_on": ["2026-01-01", "2026-03-01", "2026-03-01", "2026-03-01", "bad", "2026-02-01",
                                       None, "2026-02-02"],
                      "inspector_ids": ["x", " a , b ", "b；c、d", "z", "y", None, "w", "k;;l"]})
    assert last_visits(h) == {"E1": (date(2026, 3, 1), {"a", "b", "c", "d"}), "": (date(2026, 3, 1), {"z"}),
                              "E2": (date(2026, 2, 1), set()), "5": (date(2026, 2, 2), {"k", "l"})}
    arrow = h.astype({"enterprise_id": "string[pyarrow]", "inspector_ids": "string[pyarrow]"}).iloc[[0, 1, 2, 5]]
    assert last_visits(arrow) == {"E1": (date(2026, 3, 1), {"a", "b", "c", "d"}), "E2": (date(2026, 2, 1), set())}
    assert last_visits(h.drop(columns="inspector_ids"))["E1"] == (date(2026, 3, 1), set())
    assert last_visits(h.iloc[:0]) == {} and last_visits(None) == {}
    # a history split by firm (as the workers keep it): each part's last-visit rows, concatenated, give the same
    parts = [h.iloc[[4, 0, 7, 2, 1, 5]], h.iloc[[3, 6]], h.iloc[:0]]  # every row of a firm in one part
    assert visits_of(pd.concat([last_visit_rows(p) for p in parts], ignore_index=True)) == last_visits(h)


def test_a_tier_only_if_triggered_and_triggers_force_inclusion():
    t = city()
    a_firm = t["tiers"].loc[t["tiers"].tier == "A", "enterprise_id"].iloc[0]
    triggers = pd.DataFrame({"enterprise_id": [a_firm], "department": ["fire"], "reason": ["collusion flag"]})
    pol = Policy.from_settings({"a_only_if_triggered": True})
    r = draw(t, policy=pol, triggers=triggers)
    a_visits = r.visits[r.visits.tier == "A"]
    assert list(a_visits.enterprise_id) == [a_firm]
    assert "fire" in a_visits.departments.iloc[0] and a_visits.trigger.iloc[0] == "collusion flag"


def test_no_roster_means_every_firm_for_every_department(tmp_path):
    t = city(n=200, capacity=100)
    t["roster"] = None
    t["inspections"] = t["inspections"].iloc[:0]
    key = seed_key("s", PERIOD, {})
    r = draw_plan(t["tiers"], t["inspectors"], key=key, period=PERIOD)
    assert set(r.strata.department) == {"market", "fire", "env"} and (r.strata.groupby("department").roster.sum() == 200).all()
