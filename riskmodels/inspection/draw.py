"""The draw: tier-stratified random targets per department, triggers, joint visits and random inspectors.

Every function here works on plain DataFrames and takes the seed key (`randomness.seed_key`); reading files, hashing them and
writing the exports live in `planner.py`. The steps, in order (docs/inspection.md):

1. **Population**: the roster (`enterprise_id`, `department`; absent = every tiered firm for every department that has
   inspectors), each firm with its credit tier.
2. **Eligibility**: a firm visited fewer than `min_days_between_visits` days before the period starts is not drawn at random;
   with `a_only_if_triggered`, neither is a tier A firm.
3. **Targets**: each (department, tier) stratum of N eligible firms at rate r expects x = r*N draws. Per tier, with
   u = uniform(key, "round", tier) and C the sum of x over the tier's departments before this one (departments in code-point
   order), the stratum draws n = floor(C + x + u) - floor(C + u) firms: randomised, controlled rounding. Each stratum's
   expected draw is exactly x (a small stratum keeps a non-zero chance) and a tier's total over departments is within one
   of its expectation. The n firms first in the keyed order ("target", firm) are drawn (coordinated: all departments share
   one order, so their draws overlap and merge into joint visits), else ("target", department, firm).
4. **Triggers** force a visit: by the department they name, else by the departments that drew the firm, else by the first of
   the firm's roster departments in the keyed order ("trigger-department", firm).
5. **Joint visits**: all draws of one firm merge into one visit with all its departments.
6. **Inspectors**: visits are served triggered first, then in the keyed order ("visit", firm). Each department of a visit
   sends `inspectors_per_department` inspectors, first in the keyed order ("inspector", firm, department, inspector) among its
   eligible inspectors (below capacity, no declared conflict with the firm, not an inspector of the firm's last visit, not
   already on the visit); if the visit has fewer than `min_inspectors`, the next eligible inspectors of its departments in
   the same order join. A department without an eligible inspector is left out of the visit and reported; a visit that still
   lacks `min_inspectors` is not planned and every department of it is reported with the reason.
"""
from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from features.errors import InputError
from riskmodels.inspection.policy import TIERS, Policy
from riskmodels.inspection.randomness import digest, keyed_order, uniform

FALSE_WORDS = {"", "0", "0.0", "false", "f", "no", "n", "none", "nan", "否", "无"}
PLAN_COLUMNS = ["visit_id", "enterprise_id", "tier", "departments", "inspectors", "window", "trigger"]
UNASSIGNED_COLUMNS = ["enterprise_id", "tier", "department", "reason"]
STRATA_COLUMNS = ["department", "tier", "roster", "recently_visited", "a_only_if_triggered", "eligible", "rate",
                  "expected", "drawn"]


@dataclass
class PlanResult:
    """A plan: `visits` (one row per visit, PLAN_COLUMNS), `unassigned` (draws that could not be staffed, with the reason),
    `strata` (the stratified draw, one row per department and tier) and `summary` (counts)."""

    visits: pd.DataFrame
    unassigned: pd.DataFrame
    strata: pd.DataFrame
    summary: dict = field(default_factory=dict)
    notice: pd.DataFrame | None = None
    population: list = field(default_factory=list)
    sheets: dict = field(default_factory=dict)  # the internal workbook's sheets (exports.workbook_sheets)


def parse_period(period: str) -> tuple[date, date]:
    """First and last day of a `YYYY-MM` period, or InputError."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", str(period).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError(f"--period: expected a month as YYYY-MM; got {period!r}")
    y, mo = int(m.group(1)), int(m.group(2))
    return date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])


def _text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    return str(v).strip()


def _ids(v) -> list[str]:
    return [x for x in re.split(r"\s*[;,，、；]\s*", _text(v)) if x]


def _truthy(v) -> bool:
    return _text(v).lower() not in FALSE_WORDS


def _need(df: pd.DataFrame, cols, label: str) -> None:
    for c in cols:
        if c not in df.columns:
            raise InputError(f"{label}: column '{c}' is missing")


def prepare_tiers(tiers: pd.DataFrame, label: str = "tiers") -> dict:
    """enterprise_id -> tier (A-D). InputError on a missing column, a duplicate firm or an unknown tier."""
    _need(tiers, ["enterprise_id", "tier"], label)
    ids = tiers["enterprise_id"].map(_text)
    tier = tiers["tier"].map(_text).str.upper()
    dup = ids[ids.duplicated()]
    if len(dup):
        raise InputError(f"{label}: column 'enterprise_id' lists {dup.iloc[0]!r} twice")
    bad = tier[~tier.isin(TIERS)]
    if len(bad):
        raise InputError(f"{label}: column 'tier' has {bad.iloc[0]!r} (expected A, B, C or D)")
    return dict(zip(ids, tier))


def collect_triggers(tiers: pd.DataFrame, triggers: pd.DataFrame | None, column: str,
                     labels: dict | None = None) -> dict:
    """enterprise_id -> {"departments": set, "reasons": list} from the tiers file's trigger column and the triggers table
    (`enterprise_id`, optional `department`, `reason` and trigger column; without the trigger column every row triggers)."""
    labels = labels or {}
    out: dict = {}

    def add(e, dept, reason):
        t = out.setdefault(e, {"departments": set(), "reasons": []})
        if dept:
            t["departments"].add(dept)
        if reason and reason not in t["reasons"]:
            t["reasons"].append(reason)

    if column and column in tiers.columns:
        for e, v in zip(tiers["enterprise_id"].map(_text), tiers[column]):
            if _truthy(v):
                add(e, "", _text(v) if _text(v).lower() not in {"1", "true", "yes", "y", "t"} else "trigger")
    if triggers is not None:
        _need(triggers, ["enterprise_id"], labels.get("triggers", "triggers"))
        n = len(triggers)
        flag = triggers[column] if column and column in triggers.columns else pd.Series(["1"] * n, index=triggers.index)
        dept = triggers["department"] if "department" in triggers.columns else pd.Series([""] * n, index=triggers.index)
        reason = triggers["reason"] if "reason" in triggers.columns else pd.Series([""] * n, index=triggers.index)
        for e, f, d, r in zip(triggers["enterprise_id"].map(_text), flag, dept, reason):
            if e and _truthy(f):
                add(e, _text(d), _text(r) or "trigger")
    return out


def last_visits(inspections: pd.DataFrame | None) -> dict:
    """enterprise_id -> (date of the last visit, set of its inspector ids); several rows on the last date are one visit."""
    if inspections is None or not len(inspections):
        return {}
    dates = pd.to_datetime(inspections["inspected_on"], errors="coerce")
    df = pd.DataFrame({"e": inspections["enterprise_id"].map(_text), "d": dates,
                       "i": inspections["inspector_ids"] if "inspector_ids" in inspections.columns else ""})
    df = df[df["d"].notna()]
    if not len(df):
        return {}
    last = df.groupby("e")["d"].transform("max")
    df = df[df["d"] == last]
    out = {}
    for e, d, ins in zip(df["e"], df["d"], df["i"]):
        prev = out.get(e)
        people = set(_ids(ins))
        out[e] = (d.date(), people if prev is None else prev[1] | people)
    return out


def prepare_inspectors(inspectors: pd.DataFrame, policy: Policy, label: str = "inspectors") -> pd.DataFrame:
    """inspector_id, department, capacity (float, inf = unlimited), conflicts (frozenset of enterprise ids)."""
    _need(inspectors, ["inspector_id", "department"], label)
    ids = inspectors["inspector_id"].map(_text)
    dup = ids[ids.duplicated()]
    if len(dup):
        raise InputError(f"{label}: column 'inspector_id' lists {dup.iloc[0]!r} twice")
    if "capacity" in inspectors.columns:
        cap = pd.to_numeric(inspectors["capacity"].map(lambda v: _text(v) or None), errors="coerce")
    else:
        cap = pd.Series(float("nan"), index=inspectors.index)
    default = float(policy.default_capacity) if policy.default_capacity > 0 else math.inf
    cap = cap.fillna(default).clip(lower=0).map(lambda c: c if math.isinf(c) else float(math.floor(c)))
    conflicts = (inspectors["conflicts"].map(lambda v: frozenset(_ids(v))) if "conflicts" in inspectors.columns
                 else pd.Series([frozenset()] * len(inspectors), index=inspectors.index))
    out = pd.DataFrame({"inspector_id": ids, "department": inspectors["department"].map(_text),
                        "capacity": cap.astype(float), "conflicts": conflicts})
    return out[out["inspector_id"] != ""].reset_index(drop=True)


def draw_plan(tiers: pd.DataFrame, inspectors: pd.DataFrame, *, key: str, period: str, policy: Policy | None = None,
              roster: pd.DataFrame | None = None, inspections: pd.DataFrame | None = None,
              triggers: pd.DataFrame | None = None, labels: dict | None = None) -> PlanResult:
    """The inspection plan for one period (steps 1-6 of the module doc). Deterministic in its inputs and `key`."""
    policy = policy or Policy.from_settings()
    labels = labels or {}
    start, end = parse_period(period)
    window = f"{start.isoformat()}/{end.isoformat()}"
    tier_of = prepare_tiers(tiers, labels.get("tiers", "tiers"))
    staff = prepare_inspectors(inspectors, policy, labels.get("inspectors", "inspectors"))
    trig = collect_triggers(tiers, triggers, policy.trigger_column, labels)
    last = last_visits(inspections)

    # 1. population
    if roster is None:
        depts = sorted(set(staff["department"]) - {""})
        firms = sorted(tier_of)
        pop = pd.DataFrame([(e, d) for d in depts for e in firms], columns=["enterprise_id", "department"])
    else:
        _need(roster, ["enterprise_id", "department"], labels.get("roster", "roster"))
        pop = pd.DataFrame({"enterprise_id": roster["enterprise_id"].map(_text),
                            "department": roster["department"].map(_text)})
        pop = pop[(pop["enterprise_id"] != "") & (pop["department"] != "")].drop_duplicates()
    pop["tier"] = pop["enterprise_id"].map(tier_of)
    untiered = int(pop.loc[pop["tier"].isna(), "enterprise_id"].nunique())
    if policy.missing_tier:
        pop["tier"] = pop["tier"].fillna(policy.missing_tier)
    else:
        pop = pop[pop["tier"].notna()]

    # 2. eligibility
    def recent(e: str) -> bool:
        lv = last.get(e)
        return policy.min_days_between_visits > 0 and lv is not None and (start - lv[0]).days < policy.min_days_between_visits

    pop["recent"] = pop["enterprise_id"].map(recent).astype(bool)
    pop["a_rule"] = (pop["tier"] == "A") & policy.a_only_if_triggered

    # 3. targets
    draws: dict = {}  # enterprise_id -> set of departments that drew it
    strata = []
    order_cache: dict = {}
    groups = {k: g for k, g in pop.groupby(["department", "tier"], sort=False)}
    cumulative = {t: 0.0 for t in TIERS}  # controlled rounding: running expected count per tier over departments
    for dept, tier in sorted(groups):  # departments in code-point order within each tier
        g = groups[(dept, tier)]
        eligible = g.loc[~g["recent"] & ~g["a_rule"], "enterprise_id"].tolist()
        rate = policy.rate(dept, tier)
        x = rate * len(eligible)
        u = uniform(key, "round", tier)
        c = cumulative[tier]
        n = math.floor(c + x + u) - math.floor(c + u)
        cumulative[tier] = c + x
        if policy.coordinate_departments:
            for e in eligible:
                if e not in order_cache:
                    order_cache[e] = digest(key, "target", e)
            chosen = sorted(eligible, key=lambda e: (order_cache[e], e))[:n]
        else:
            chosen = keyed_order(key, eligible, "target", dept)[:n]
        for e in chosen:
            draws.setdefault(e, set()).add(dept)
        strata.append({"department": dept, "tier": tier, "roster": len(g), "recently_visited": int(g["recent"].sum()),
                       "a_only_if_triggered": int((g["a_rule"] & ~g["recent"]).sum()), "eligible": len(eligible),
                       "rate": rate, "expected": round(x, 6), "drawn": n})
    random_draws = sum(len(v) for v in draws.values())

    # 4. triggers
    roster_depts: dict = {}
    for e, d in zip(pop["enterprise_id"].tolist(), pop["department"].tolist()):
        roster_depts.setdefault(e, set()).add(d)
    roster_depts = {e: sorted(v) for e, v in roster_depts.items()}
    all_depts = sorted((set(pop["department"]) | set(staff["department"])) - {""})
    for e in sorted(trig):
        t = trig[e]
        if t["departments"]:
            draws.setdefault(e, set()).update(t["departments"])
        elif e not in draws:
            cands = roster_depts.get(e) or all_depts
            if cands:
                draws[e] = {keyed_order(key, cands, "trigger-department", e)[0]}

    # 5 + 6. joint visits and inspectors
    by_dept: dict = {}
    for i, d in zip(staff["inspector_id"].tolist(), staff["department"].tolist()):
        by_dept.setdefault(d, []).append(i)
    load = {i: 0 for i in staff["inspector_id"].tolist()}
    cap = dict(zip(staff["inspector_id"].tolist(), staff["capacity"].tolist()))
    conflicts = dict(zip(staff["inspector_id"].tolist(), staff["conflicts"].tolist()))
    order = keyed_order(key, [e for e in draws if e in trig], "visit") + \
        keyed_order(key, [e for e in draws if e not in trig], "visit")
    visits, unassigned = [], []
    served_draws = 0
    for e in order:
        depts = sorted(draws[e])
        tier = tier_of.get(e, policy.missing_tier or "")
        last_people = last.get(e, (None, set()))[1]
        ranked, reasons = {}, {}
        for d in depts:
            g = by_dept.get(d)
            if g is None:
                ranked[d], reasons[d] = [], f"department {d} has no inspectors"
                continue
            ok, why = [], {"conflict": 0, "last visit": 0, "capacity": 0}
            for i in g:
                if e in conflicts[i]:
                    why["conflict"] += 1
                elif i in last_people:
                    why["last visit"] += 1
                elif load[i] >= cap[i]:
                    why["capacity"] += 1
                else:
                    ok.append(i)
            ranked[d] = sorted(ok, key=lambda i: (digest(key, "inspector", e, d, i), i))
            reasons[d] = (f"department {d}: none of its {len(g)} inspectors is eligible ("
                          f"{why['conflict']} declared a conflict, {why['last visit']} inspected the last visit, "
                          f"{why['capacity']} at capacity)")
        chosen: list = []
        going = [d for d in depts if ranked[d]]
        for d in going:
            chosen += ranked[d][:policy.inspectors_per_department]
        if len(chosen) < policy.min_inspectors:
            rest = [(digest(key, "inspector", e, d, i), i) for d in going for i in ranked[d][policy.inspectors_per_department:]]
            chosen += [i for _, i in sorted(rest)][:policy.min_inspectors - len(chosen)]
        if len(chosen) < policy.min_inspectors or not going:
            have = sum(len(ranked[d]) for d in depts)
            for d in depts:
                unassigned.append({"enterprise_id": e, "tier": tier, "department": d,
                                   "reason": f"visit not planned: {have} eligible inspector(s) across {';'.join(depts)}, "
                                             f"{policy.min_inspectors} needed" + (f"; {reasons[d]}" if not ranked[d] else "")})
            continue
        for d in depts:
            if not ranked[d]:
                unassigned.append({"enterprise_id": e, "tier": tier, "department": d,
                                   "reason": f"visit goes ahead without this department; {reasons[d]}"})
        for i in chosen:
            load[i] += 1
        served_draws += len(going)
        visits.append({"enterprise_id": e, "tier": tier, "departments": ";".join(going),
                       "inspectors": ";".join(sorted(chosen)), "window": window,
                       "trigger": "; ".join(trig[e]["reasons"]) if e in trig else ""})

    vdf = pd.DataFrame(visits, columns=PLAN_COLUMNS[1:]).sort_values("enterprise_id", kind="stable").reset_index(drop=True)
    vdf.insert(0, "visit_id", [f"{period}-{k + 1:05d}" for k in range(len(vdf))])
    udf = pd.DataFrame(unassigned, columns=UNASSIGNED_COLUMNS).sort_values(["enterprise_id", "department"],
                                                                           kind="stable").reset_index(drop=True)
    sdf = pd.DataFrame(strata, columns=STRATA_COLUMNS)
    firms_by_tier = pd.Series(tier_of).value_counts()
    visited_by_tier = vdf["tier"].value_counts()
    summary = {
        "period": period, "window": window,
        "roster_rows": int(len(pop)), "roster_firms": int(pop["enterprise_id"].nunique()),
        "untiered_roster_firms": untiered,
        "recently_visited_firms": int(pop.loc[pop["recent"], "enterprise_id"].nunique()),
        "random_draws": int(random_draws), "triggered_firms": int(sum(1 for e in draws if e in trig)),
        "department_draws": int(sum(len(v) for v in draws.values())),
        "visits": int(len(vdf)), "department_draws_served": int(served_draws),
        "visits_saved_by_joint_inspection": int(served_draws - len(vdf)),
        "unassigned_rows": int(len(udf)), "firms_not_visited": int(len(set(draws) - set(vdf["enterprise_id"]))),
        "inspectors_used": int(sum(1 for v in load.values() if v)),
        "max_inspector_load": int(max(load.values(), default=0)),
        "tiers": {t: {"firms": int(firms_by_tier.get(t, 0)), "visited": int(visited_by_tier.get(t, 0)),
                      "share_visited": (float(visited_by_tier.get(t, 0)) / float(firms_by_tier[t])
                                        if firms_by_tier.get(t, 0) else None)} for t in TIERS},
    }
    return PlanResult(vdf, udf, sdf, summary, population=sorted(set(pop["enterprise_id"])))
