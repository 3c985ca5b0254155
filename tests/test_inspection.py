"""Inspection planning: every constraint on a plan, determinism, verifiable randomness, exports and the CLI.

Hand-made tables (a small city and a city-sized roster like Shenzhen Pingshan's: 10,423 targets, 329 inspectors) stand in
for the simulator; the acceptance check ../shared/checks/inspection-plan runs the real pipeline."""
from __future__ import annotations

import hashlib
import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest

from features.core.errors import InputError
from riskmodels.inspection import Policy, VerifyFailed, draw_plan, make_plan, verify_plan
from riskmodels.inspection.draw import last_visits
from riskmodels.inspection.exports import safe_cell
from riskmodels.inspection.randomness import digest, seed_key, uniform

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


def test_a_tier_only_if_triggered_and_triggers_force_inclusion():
    t = city()
    a_firm = t["tiers"].loc[t["tiers"].tier == "A", "enterprise_id"].iloc[0]
    triggers = pd.DataFrame({"enterprise_id": [a_firm], "department": ["fire"], "reason": ["collusion flag"]})
    pol = Policy.from_settings({"a_only_if_triggered": True})
    r = draw(t, policy=pol, triggers=triggers)
    a_visits = r.visits[r.visits.tier == "A"]
    assert list(a_visits.enterprise_id) == [a_firm]
    assert "fire" in a_visits.departments.iloc[0] and a_visits.trigger.iloc[0] == "collusion flag"


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


def test_plan_files_are_deterministic_and_verify_detects_tampering(tmp_path, cli):
    t = city(n=300)
    t["tiers"].loc[7, "trigger"] = "complaint"  # the firm registered as a formula must be visited
    d, tiers = write(tmp_path, t)
    for k in (1, 2):
        cli("inspect", "plan", d, "--tiers", tiers, "--period", PERIOD, "--seed", "public seed", "--out", tmp_path / f"p{k}",
            err="visits")
    p1, p2 = tmp_path / "p1", tmp_path / "p2"
    for f in ("plan.csv", "notice.csv", "unassigned.csv", "strata.csv", "manifest.json"):
        assert (p1 / f).read_bytes() == (p2 / f).read_bytes(), f
    cli("inspect", "plan", d, "--tiers", tiers, "--period", PERIOD, "--seed", "other seed", "--out", tmp_path / "p3")
    assert (tmp_path / "p3" / "plan.csv").read_bytes() != (p1 / "plan.csv").read_bytes()
    plan = pd.read_csv(p1 / "plan.csv", dtype=str, keep_default_na=False)
    check_constraints(plan, t, Policy.from_settings(), triggered={"E00007"})
    notice = (p1 / "notice.csv").read_text(encoding="utf-8")
    assert "'" + FORMULA_NAME in notice.replace('""', '"') and "market-" not in notice and "Name " not in notice

    cli("inspect", "verify", p1, out="OK")
    manifest = (p1 / "manifest.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in manifest and '"/' not in manifest  # input paths relative to the plan folder only
    shutil.copytree(p1, tmp_path / "elsewhere" / "copy")  # moved away from its inputs: name them
    cli("inspect", "verify", tmp_path / "elsewhere" / "copy", code=2, err="pass --data")
    cli("inspect", "verify", tmp_path / "elsewhere" / "copy", "--data", d, "--tiers", tiers, out="OK")

    def tampered(name, edit):
        dst = tmp_path / f"t-{name}"
        shutil.copytree(p1, dst)
        edit(dst)
        return dst

    def swap_firm(dst):
        tp = pd.read_csv(dst / "plan.csv", dtype=str, keep_default_na=False)
        tp.loc[0, "enterprise_id"] = next(e for e in t["tiers"].enterprise_id if e not in set(plan.enterprise_id))
        tp.to_csv(dst / "plan.csv", index=False)

    def swap_seed(dst):
        m = json.loads((dst / "manifest.json").read_text())
        m["seed"] = "another seed"
        (dst / "manifest.json").write_text(json.dumps(m))

    def swap_seed_and_key(dst):  # a forger who also recomputes the seed key is caught by the re-derived plan
        m = json.loads((dst / "manifest.json").read_text())
        hashes = {f"dataset/{n}": (v or {}).get("sha256") for n, v in m["inputs"]["dataset"]["tables"].items()}
        hashes.update(tiers=m["inputs"]["tiers"]["sha256"], triggers=None)
        assert seed_key(m["seed"], PERIOD, hashes) == m["seed_key"]
        m["seed"] = "another seed"
        m["seed_key"] = seed_key(m["seed"], PERIOD, hashes)
        (dst / "manifest.json").write_text(json.dumps(m))

    def swap_policy(dst):
        m = json.loads((dst / "manifest.json").read_text())
        m["settings"]["inspect"]["rates"]["D"] = 0.5
        (dst / "manifest.json").write_text(json.dumps(m))

    def swap_xlsx(dst):
        from openpyxl import load_workbook
        wb = load_workbook(dst / "plan.xlsx")
        wb["plan"]["E2"] = "someone-else;market-000"
        wb.save(dst / "plan.xlsx")

    def swap_notice(dst):
        (dst / "notice.md").write_text((dst / "notice.md").read_text().replace("public seed", "public seeds"))

    for name, edit, why in [("notice", swap_notice, "notice.md"), ("firm", swap_firm, "plan.csv differs"), ("seed", swap_seed, "seed_key"),
                            ("seedkey", swap_seed_and_key, "plan.csv differs"),
                            ("policy", swap_policy, "differs"), ("xlsx", swap_xlsx, "plan.xlsx sheet 'plan'")]:
        cli("inspect", "verify", tampered(name, edit), code=1, out=why)
    # a changed input is detected too
    ins = pd.read_csv(d / "inspectors.csv", dtype=str, keep_default_na=False)
    ins.loc[0, "capacity"] = "99"
    ins.to_csv(d / "inspectors.csv", index=False)
    cli("inspect", "verify", p1, code=1, out="input changed")


def test_workbook_keeps_formula_like_names_as_text(tmp_path):
    from openpyxl import load_workbook

    t = city(n=120)
    t["tiers"].loc[7, "trigger"] = "1"
    d, tiers = write(tmp_path, t)
    make_plan(d, tiers, PERIOD, "x", tmp_path / "p")
    wb = load_workbook(tmp_path / "p" / "plan.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert not [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@", "\t", "\r"))]
    names = [c.value for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert names == ["'" + FORMULA_NAME] and all(c.data_type == "s" for c in cells if c.value in names)
    assert set(wb.sheetnames) == {"plan", "unassigned", "strata"}  # the public notice is its own workbook
    notice = load_workbook(tmp_path / "p" / "notice.xlsx")
    assert notice.sheetnames == ["notice"] and notice["notice"]["B1"].value == "Enterprise name"
    assert [safe_cell(v) for v in ("-1", "+x", "@a", "\tb", "\rc", "ok", 5)] == ["-1", "'+x", "'@a", "'\tb", "'\rc", "ok", 5]


def test_embedded_inputs_make_a_self_contained_plan(tmp_path):
    t = city(n=150)
    d, tiers = write(tmp_path, t)
    make_plan(d, tiers, PERIOD, "x", tmp_path / "p", embed_inputs=True)
    shutil.copytree(tmp_path / "p", tmp_path / "moved")
    shutil.rmtree(d)
    tiers.unlink()
    verify_plan(tmp_path / "moved")
    (tmp_path / "moved" / "inputs" / "city-tiers.csv").write_text("enterprise_id,tier\nE00001,A\n")
    with pytest.raises(VerifyFailed, match="input changed"):
        verify_plan(tmp_path / "moved")


def test_no_roster_means_every_firm_for_every_department(tmp_path):
    t = city(n=200, capacity=100)
    t["roster"] = None
    t["inspections"] = t["inspections"].iloc[:0]
    key = seed_key("s", PERIOD, {})
    r = draw_plan(t["tiers"], t["inspectors"], key=key, period=PERIOD)
    assert set(r.strata.department) == {"market", "fire", "env"} and (r.strata.groupby("department").roster.sum() == 200).all()


def test_bad_input_and_settings_give_one_clear_line(tmp_path, cli):
    t = city(n=60)
    d, tiers = write(tmp_path, t)
    bad = tmp_path / "bad-tiers.csv"
    t["tiers"].assign(tier=lambda x: x.tier.where(x.index != 3, "E")).to_csv(bad, index=False)
    cli("inspect", "plan", d, "--tiers", bad, "--period", PERIOD, "--seed", "s", "--out", tmp_path / "o", code=2,
        err="column 'tier'")
    t["tiers"].drop(columns="tier").to_csv(bad, index=False)
    cli("inspect", "plan", d, "--tiers", bad, "--period", PERIOD, "--seed", "s", "--out", tmp_path / "o", code=2,
        err="column 'tier' is missing")
    cli("inspect", "plan", d, "--tiers", tiers, "--period", "2027-13", "--seed", "s", "--out", tmp_path / "o", code=2,
        err="--period")
    with pytest.raises(InputError, match="rate of tier D"):
        Policy.from_settings({"rates": {"A": 0.01, "B": 0.02, "C": 0.1, "D": 1.5}})
    conf = tmp_path / "s.toml"
    conf.write_text("[inspect]\nrate = 1\n")
    cli("--settings", conf, "inspect", "plan", d, "--tiers", tiers, "--period", PERIOD, "--seed", "s", "--out",
        tmp_path / "o", code=2, err="unknown key 'rate'")


def test_simulate_reports_lift_against_uniform_plan(tmp_path, cli):
    t = city(n=800, capacity=100)
    d, tiers = write(tmp_path, t)
    r = cli("inspect", "simulate", d, "--tiers", tiers, "--runs", "3", "--period", PERIOD, "--json")
    m = json.loads(r.stdout.strip().splitlines()[-1])
    vp = t["truth"].set_index("enterprise_id").violation_prob
    roster_mean = vp.reindex(t["roster"].enterprise_id.unique()).mean()
    assert m["uniform_violations_per_visit"]["mean"] == pytest.approx(roster_mean)
    assert m["lift"]["mean"] > 1.5 and m["visits_saved"]["mean"] > 0 and 0 < m["a_disturbed"]["mean"] < 0.05
    cli("inspect", "simulate", d, "--tiers", tiers, "--runs", "2", "--period", PERIOD, out="spread")
    cli("inspect", "simulate", d, "--tiers", tiers, "--runs", "2", code=2, err="no as_of column")


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


def test_plan_period_defaults_to_the_month_after_the_tiers_as_of(tmp_path):
    t = city(n=150)
    t["tiers"]["as_of"] = "2026-11-30"
    d, tiers = write(tmp_path, t)
    _, m = make_plan(d, tiers, None, "x", tmp_path / "p")
    assert m["period"] == "2026-12" and m["summary"]["window"] == "2026-12-01/2026-12-31"


def test_triggers_file_is_hashed_and_forces_visits(tmp_path, cli):
    t = city(n=200)
    d, tiers = write(tmp_path, t)
    trig = tmp_path / "triggers.csv"
    pd.DataFrame({"enterprise_id": ["E00011", "E00012"], "department": ["env", ""],
                  "reason": ["complaint 12345", "collusion flag"]}).to_csv(trig, index=False)
    cli("inspect", "plan", d, "--tiers", tiers, "--triggers", trig, "--period", PERIOD, "--seed", "s", "--out", tmp_path / "p")
    plan = pd.read_csv(tmp_path / "p" / "plan.csv", dtype=str, keep_default_na=False).set_index("enterprise_id")
    assert "env" in plan.loc["E00011", "departments"] and plan.loc["E00011", "triggered"] == "1"
    assert plan.loc["E00012", "triggered"] == "1" and "trigger" not in plan.columns
    for f in ("plan.csv", "notice.csv", "notice.md", "manifest.json"):  # trigger reasons stay in the internal workbook
        assert "complaint" not in (tmp_path / "p" / f).read_text(encoding="utf-8"), f
    from openpyxl import load_workbook
    ws = load_workbook(tmp_path / "p" / "plan.xlsx")["plan"]
    head = [c.value for c in ws[1]]
    col = head.index("Trigger reason (internal only)")
    reasons = {r[1]: r[col] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert reasons["E00011"] == "complaint 12345" and reasons["E00012"] == "collusion flag"
    cli("inspect", "verify", tmp_path / "p", out="OK")
    trig.write_text("enterprise_id\nE00013\n")
    cli("inspect", "verify", tmp_path / "p", code=1, out="input changed")


def test_inputs_read_once_give_the_same_plan_and_lift_and_must_be_the_same_files(tmp_path):
    from features.core.settings import Settings
    from riskmodels.inspection.evaluate import simulate_plans
    from riskmodels.inspection.planner import load_inputs, locate_inputs

    t = city(n=400, capacity=100)
    d, tiers = write(tmp_path, t)
    loaded = load_inputs(locate_inputs(d, tiers), Settings())
    make_plan(d, tiers, PERIOD, "x", tmp_path / "read" / "p")
    make_plan(d, tiers, PERIOD, "x", tmp_path / "given" / "p", loaded=loaded)
    for name in ("plan.csv", "strata.csv", "inclusion.csv", "unassigned.csv", "notice.csv", "manifest.json", "notice.md"):
        assert (tmp_path / "read" / "p" / name).read_bytes() == (tmp_path / "given" / "p" / name).read_bytes(), name
    verify_plan(tmp_path / "given" / "p")
    assert simulate_plans(d, tiers, PERIOD, "x", runs=2) == simulate_plans(d, tiers, PERIOD, "x", runs=2, loaded=loaded)
    other = tmp_path / "other-tiers.csv"
    shutil.copyfile(tiers, other)
    with pytest.raises(ValueError, match="other files or with other settings"):
        make_plan(d, other, PERIOD, "x", tmp_path / "wrong" / "p", loaded=loaded)
    assert not (tmp_path / "wrong").exists()
    s = Settings()
    s.validate.reject_duplicates = False
    with pytest.raises(ValueError, match="other files or with other settings"):
        simulate_plans(d, tiers, PERIOD, "x", runs=1, settings=s, loaded=loaded)
