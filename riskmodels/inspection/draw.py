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
   of its expectation. Within the stratum, x is shared among the firms as target inclusion probabilities p_i
   (`stratum_probabilities`): a share `risk_floor` evenly, the rest in proportion to risk_i ** `risk_exponent` (risk = the
   tiers file's `risk_column`, the credit model's probability), each capped at 1; so every eligible roster firm has a
   known chance above zero and riskier firms of a tier are likelier to be drawn. The n firms with the smallest Pareto
   rank (u_i / (1 - u_i)) / (p_i / (1 - p_i)) are drawn, u_i = uniform(key, "target", firm) (coordinated: every department
   uses the firm's same number, so their draws overlap and merge into joint visits), else uniform(key, "target",
   department, firm). Pareto order sampling (Rosen 1997, used with such permanent random numbers by statistical offices to
   coordinate samples) draws firm i with probability p_i up to a small error of order 1/n; p_i is written to
   inclusion.csv for every roster row (verified like the plan), and estimates from the draw weigh by 1 / p_i.
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

import numpy as np
import pandas as pd

from features import engine
from features.engine import steps
from features.core.errors import InputError
from features.io.side_tables import cell_text
from riskmodels.inspection.policy import TIERS, Policy
from riskmodels.inspection.randomness import digest, keyed_order, uniform

FALSE_WORDS = {"", "0", "0.0", "false", "f", "no", "n", "none", "nan", "否", "无"}
PLAN_COLUMNS = ["visit_id", "enterprise_id", "tier", "departments", "inspectors", "window", "trigger"]
UNASSIGNED_COLUMNS = ["enterprise_id", "tier", "department", "reason"]
INCLUSION_COLUMNS = ["department", "enterprise_id", "tier", "risk", "eligible", "inclusion_probability", "drawn"]
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
    inclusion: pd.DataFrame | None = None  # every roster (department, firm) with its inclusion probability


def parse_period(period: str) -> tuple[date, date]:
    """First and last day of a `YYYY-MM` period, or InputError."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", str(period).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError(f"--period: expected a month as YYYY-MM; got {period!r}")
    y, mo = int(m.group(1)), int(m.group(2))
    return date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])


def _ids(v) -> list[str]:
    return [x for x in re.split(r"\s*[;,，、；]\s*", cell_text(v)) if x]


def _truthy(v) -> bool:
    return cell_text(v).lower() not in FALSE_WORDS


def _need(df: pd.DataFrame, cols, label: str) -> None:
    for c in cols:
        if c not in df.columns:
            raise InputError(f"{label}: column '{c}' is missing")


def prepare_tiers(tiers: pd.DataFrame, label: str = "tiers") -> dict:
    """enterprise_id -> tier (A-D). InputError on a missing column, a duplicate firm or an unknown tier."""
    _need(tiers, ["enterprise_id", "tier"], label)
    ids = tiers["enterprise_id"].map(cell_text)
    tier = tiers["tier"].map(cell_text).str.upper()
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
        for e, v in zip(tiers["enterprise_id"].map(cell_text), tiers[column]):
            if _truthy(v):
                add(e, "", cell_text(v) if cell_text(v).lower() not in {"1", "true", "yes", "y", "t"} else "trigger")
    if triggers is not None:
        _need(triggers, ["enterprise_id"], labels.get("triggers", "triggers"))
        n = len(triggers)
        flag = triggers[column] if column and column in triggers.columns else pd.Series(["1"] * n, index=triggers.index)
        dept = triggers["department"] if "department" in triggers.columns else pd.Series([""] * n, index=triggers.index)
        reason = triggers["reason"] if "reason" in triggers.columns else pd.Series([""] * n, index=triggers.index)
        for e, f, d, r in zip(triggers["enterprise_id"].map(cell_text), flag, dept, reason):
            if e and _truthy(f):
                add(e, cell_text(d), cell_text(r) or "trigger")
    return out


def last_visits(inspections: pd.DataFrame | None) -> dict:
    """enterprise_id -> (date of the last visit, set of its inspector ids); several rows on the last date are one visit."""
    return visits_of(last_visit_rows(inspections))


def last_visit_rows(inspections: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of each firm's last visit date: `e` (the firm's id as text), `d` (the date), `i` (its inspector ids as
    given). A firm's result reads only its own rows, so the rows of a table split by firm are those of its parts
    concatenated (one small frame per part crosses the network, not a dictionary of sets, which Dask serialises item
    by item). Each distinct id text is cleaned once (a history repeats its firms many times)."""
    if inspections is None or not len(inspections):
        return pd.DataFrame({"e": pd.Series([], dtype=object), "d": pd.Series([], dtype="datetime64[ns]"),
                             "i": pd.Series([], dtype=object)})
    dates = pd.to_datetime(inspections["inspected_on"], errors="coerce")
    codes, firms = pd.factorize(inspections["enterprise_id"])  # each distinct id read once; missing -> code -1 -> ""
    ids = np.array([cell_text(v) for v in firms] + [""], dtype=object)[codes]
    df = pd.DataFrame({"e": pd.Series(ids, index=inspections.index), "d": dates,
                       "i": inspections["inspector_ids"] if "inspector_ids" in inspections.columns else ""})
    df = df[df["d"].notna()]
    last = df.groupby("e")["d"].transform("max")
    return df[df["d"] == last].reset_index(drop=True)


def visits_of(rows: pd.DataFrame) -> dict:
    """`last_visits` from `last_visit_rows` (of one table, or of its parts concatenated)."""
    out = {}
    who: dict = {}
    for e, d, ins in zip(rows["e"].to_numpy(), rows["d"].dt.date.to_numpy(), rows["i"].to_numpy(dtype=object)):
        k = ins if isinstance(ins, str) else cell_text(ins)
        p = who.get(k)
        if p is None:
            p = who[k] = frozenset(_ids(ins))
        prev = out.get(e)
        out[e] = (d, set(p) if prev is None else prev[1] | p)
    return out


def prepare_inspectors(inspectors: pd.DataFrame, policy: Policy, label: str = "inspectors") -> pd.DataFrame:
    """inspector_id, department, capacity (float, inf = unlimited), conflicts (frozenset of enterprise ids)."""
    _need(inspectors, ["inspector_id", "department"], label)
    ids = inspectors["inspector_id"].map(cell_text)
    dup = ids[ids.duplicated()]
    if len(dup):
        raise InputError(f"{label}: column 'inspector_id' lists {dup.iloc[0]!r} twice")
    if "capacity" in inspectors.columns:
        cap = pd.to_numeric(inspectors["capacity"].map(lambda v: cell_text(v) or None), errors="coerce")
    else:
        cap = pd.Series(float("nan"), index=inspectors.index)
    default = float(policy.default_capacity) if policy.default_capacity > 0 else math.inf
    cap = cap.fillna(default).clip(lower=0).map(lambda c: c if math.isinf(c) else float(math.floor(c)))
    conflicts = (inspectors["conflicts"].map(lambda v: frozenset(_ids(v))) if "conflicts" in inspectors.columns
                 else pd.Series([frozenset()] * len(inspectors), index=inspectors.index))
    out = pd.DataFrame({"inspector_id": ids, "department": inspectors["department"].map(cell_text),
                        "capacity": cap.astype(float), "conflicts": conflicts})
    return out[out["inspector_id"] != ""].reset_index(drop=True)


@dataclass
class PlanInputs:
    """What every plan drawn from the same input tables shares, prepared once (none of it depends on the seed key or the
    period): firm -> tier, firm -> risk, the inspectors, the triggers, the last visits and the population (step 1) with
    the number of roster firms without a tier. A plan and its simulated lift draw several plans from one of these."""

    tier_of: dict
    risk: dict
    staff: pd.DataFrame
    trig: dict
    last: dict
    pop: pd.DataFrame
    untiered: int


def plan_inputs(tiers: pd.DataFrame, inspectors: pd.DataFrame, *, policy: Policy | None = None,
                roster: pd.DataFrame | None = None, inspections: pd.DataFrame | None = None,
                triggers: pd.DataFrame | None = None, labels: dict | None = None, last: dict | None = None) -> PlanInputs:
    """The `PlanInputs` of these tables (InputError naming the table when one lacks a column). `last`: the
    `last_visits` of the inspections when already known (read part by part where the inspections are kept on the
    workers); then `inspections` is not read."""
    policy = policy or Policy.from_settings()
    labels = labels or {}
    tier_of = prepare_tiers(tiers, labels.get("tiers", "tiers"))
    risk = prepare_risk(tiers, policy.risk_column)
    staff = prepare_inspectors(inspectors, policy, labels.get("inspectors", "inspectors"))
    trig = collect_triggers(tiers, triggers, policy.trigger_column, labels)
    last = last_visits(inspections) if last is None else last
    pop, untiered = population(tier_of, staff, roster, policy, labels)  # 1
    return PlanInputs(tier_of, risk, staff, trig, last, pop, untiered)


def draw_plan(tiers: pd.DataFrame | None, inspectors: pd.DataFrame | None, *, key: str, period: str,
              policy: Policy | None = None, roster: pd.DataFrame | None = None,
              inspections: pd.DataFrame | None = None, triggers: pd.DataFrame | None = None, labels: dict | None = None,
              prepared: PlanInputs | None = None) -> PlanResult:
    """The inspection plan for one period (steps 1-6 of the module doc). Deterministic in its inputs and `key`.
    `prepared`: the `plan_inputs` of these tables, prepared once for several plans (then the tables are not read)."""
    policy = policy or Policy.from_settings()
    start, end = parse_period(period)
    window = f"{start.isoformat()}/{end.isoformat()}"
    p = prepared or plan_inputs(tiers, inspectors, policy=policy, roster=roster, inspections=inspections,
                                triggers=triggers, labels=labels)
    tier_of, risk, staff, trig, last = p.tier_of, p.risk, p.staff, p.trig, p.last

    pop, untiered = p.pop.copy(), p.untiered  # 1
    mark_eligibility(pop, last, start, policy)  # 2
    draws, strata, inclusion = draw_targets(pop, risk, key, policy)  # 3
    random_draws = sum(len(v) for v in draws.values())
    add_triggers(draws, trig, pop, staff, key)  # 4
    visits, unassigned, load, served = staff_visits(draws, trig, staff, last, tier_of, key, policy, window)  # 5 + 6

    vdf = pd.DataFrame(visits, columns=PLAN_COLUMNS[1:]).sort_values("enterprise_id", kind="stable").reset_index(drop=True)
    vdf.insert(0, "visit_id", [f"{period}-{k + 1:05d}" for k in range(len(vdf))])
    udf = pd.DataFrame(unassigned, columns=UNASSIGNED_COLUMNS).sort_values(["enterprise_id", "department"],
                                                                           kind="stable").reset_index(drop=True)
    sdf = pd.DataFrame(strata, columns=STRATA_COLUMNS)
    summary = plan_summary(period, window, pop, untiered, tier_of, trig, draws, random_draws, vdf, udf, load, served)
    summary["inclusion"] = inclusion_summary(inclusion)
    return PlanResult(vdf, udf, sdf, summary, population=sorted(set(pop["enterprise_id"])), inclusion=inclusion)


def prepare_risk(tiers: pd.DataFrame, column: str) -> dict:
    """enterprise_id -> risk score in [0, 1] from the tiers file's `column` (the credit model's probability); empty
    when the column is absent or the setting is "" (then every firm of a stratum weighs the same)."""
    if not column or column not in tiers.columns:
        return {}
    p = pd.to_numeric(tiers[column], errors="coerce")
    return {e: float(v) for e, v in zip(tiers["enterprise_id"].map(cell_text), p) if pd.notna(v) and v >= 0}


def population(tier_of: dict, staff: pd.DataFrame, roster: pd.DataFrame | None, policy: Policy,
               labels: dict) -> tuple[pd.DataFrame, int]:
    """Step 1: (enterprise_id, department, tier) rows of the roster, and the number of roster firms without a tier."""
    if roster is None:
        depts = sorted(set(staff["department"]) - {""})
        firms = sorted(tier_of)
        pop = pd.DataFrame([(e, d) for d in depts for e in firms], columns=["enterprise_id", "department"])
    else:
        _need(roster, ["enterprise_id", "department"], labels.get("roster", "roster"))
        pop = pd.DataFrame({"enterprise_id": roster["enterprise_id"].map(cell_text),
                            "department": roster["department"].map(cell_text)})
        pop = pop[(pop["enterprise_id"] != "") & (pop["department"] != "")].drop_duplicates()
    pop["tier"] = pop["enterprise_id"].map(tier_of)
    untiered = int(pop.loc[pop["tier"].isna(), "enterprise_id"].nunique())
    if policy.missing_tier:
        pop["tier"] = pop["tier"].fillna(policy.missing_tier)
    else:
        pop = pop[pop["tier"].notna()]
    return pop.reset_index(drop=True), untiered


def mark_eligibility(pop: pd.DataFrame, last: dict, start: date, policy: Policy) -> None:
    """Step 2: columns `recent` (visited fewer than min_days_between_visits days before the period) and `a_rule`
    (tier A under a_only_if_triggered) on the population; neither is drawn at random."""
    def recent(e: str) -> bool:
        lv = last.get(e)
        return policy.min_days_between_visits > 0 and lv is not None and (start - lv[0]).days < policy.min_days_between_visits

    pop["recent"] = pop["enterprise_id"].map(recent).astype(bool)
    pop["a_rule"] = (pop["tier"] == "A") & policy.a_only_if_triggered


def stratum_probabilities(expected: float, risk: list, exponent: float, floor: float) -> list[float]:
    """Inclusion probabilities of a stratum's eligible firms that sum to `expected` (the stratum's rate times its size):
    a share `floor` of it spread evenly, the rest in proportion to risk**exponent, each capped at 1 (the excess spread
    over the others in the same proportions). Every firm gets at least floor * expected / size > 0 when floor > 0."""
    n = len(risk)
    if n == 0 or expected <= 0:
        return [0.0] * n
    known = [r for r in risk if r is not None and math.isfinite(r)]
    fill = sorted(known)[len(known) // 2] if known else 1.0
    w = [max(0.0, r if r is not None and math.isfinite(r) else fill) ** exponent for r in risk]
    total = sum(w)
    if total <= 0:
        w, total = [1.0] * n, float(n)
    share = [floor / n + (1 - floor) * x / total for x in w]
    p = [expected * s for s in share]
    fixed = [False] * n
    for _ in range(n):
        over = [i for i in range(n) if not fixed[i] and p[i] > 1]
        if not over:
            break
        for i in over:
            fixed[i] = True
        left = expected - sum(1 for i in range(n) if fixed[i])
        free = sum(share[i] for i in range(n) if not fixed[i])
        p = [1.0 if fixed[i] else (left * share[i] / free if free > 0 else 0.0) for i in range(n)]
    return [min(1.0, max(0.0, x)) for x in p]


def pareto_rank(u: float, p: float) -> float:
    """Pareto order sampling's ranking variable (Rosen 1997): (u / (1 - u)) / (p / (1 - p)); the n smallest are drawn.
    p = 1 ranks first, p = 0 never."""
    if p >= 1:
        return -1.0
    if p <= 0:
        return math.inf
    return (u / (1 - u)) / (p / (1 - p))


@dataclass
class Stratum:
    """One (department, tier) stratum as its draw needs it: its roster firms in population order, which of them are
    eligible, the quota `n` and expected count `x` from the controlled rounding, and the risk of its firms."""

    department: str
    tier: str
    firms: list
    eligible: list  # bool per firm: neither recently visited nor held back by a_only_if_triggered
    n: int
    x: float
    risk: dict  # enterprise_id -> risk, only the stratum's firms that have one


def stratum_quotas(pop: pd.DataFrame, risk: dict, key: str, policy: Policy) -> tuple[list, list]:
    """Step 3, first half (needs every stratum of a tier): the strata in the documented order (departments in code-point
    order within each tier) with the controlled-rounding quota of each, and their rows of strata.csv without `drawn`."""
    groups = {k: g for k, g in pop.groupby(["department", "tier"], sort=False)}
    cumulative = {t: 0.0 for t in TIERS}  # controlled rounding: running expected count per tier over departments
    out, rows = [], []
    for dept, tier in sorted(groups):
        g = groups[(dept, tier)]
        recent, a_rule = g["recent"].to_numpy(bool), g["a_rule"].to_numpy(bool)
        eligible = ~recent & ~a_rule
        rate = policy.rate(dept, tier)
        x = rate * int(eligible.sum())
        u = uniform(key, "round", tier)
        c = cumulative[tier]
        n = math.floor(c + x + u) - math.floor(c + u)
        cumulative[tier] = c + x
        firms = g["enterprise_id"].tolist()
        out.append(Stratum(dept, tier, firms, eligible.tolist(), n, x, {e: risk[e] for e in firms if e in risk}))
        rows.append({"department": dept, "tier": tier, "roster": len(g), "recently_visited": int(recent.sum()),
                     "a_only_if_triggered": int((a_rule & ~recent).sum()), "eligible": int(eligible.sum()),
                     "rate": rate, "expected": round(x, 6)})
    return out, rows


def draw_stratum(s: Stratum, key: str, policy: Policy) -> tuple[list, list]:
    """Step 3, second half (one stratum on its own): the eligible firms' inclusion probabilities, their permanent random
    numbers from the seed key, and the `s.n` smallest Pareto ranks drawn. Returns (the drawn firms in ascending order,
    the stratum's inclusion rows in population order)."""
    ordered = sorted(e for e, ok in zip(s.firms, s.eligible) if ok)
    probs = stratum_probabilities(s.x, [s.risk.get(e) for e in ordered], policy.risk_exponent, policy.risk_floor)
    if policy.coordinate_departments:
        prn = [uniform(key, "target", e) for e in ordered]
    else:
        prn = [uniform(key, "target", s.department, e) for e in ordered]
    rank = {e: pareto_rank(u, p) for e, u, p in zip(ordered, prn, probs)}
    chosen = set(sorted(ordered, key=lambda e: (rank[e], e))[:s.n])
    prob_of = dict(zip(ordered, probs))
    rows = [(s.department, e, s.tier, s.risk.get(e), int(ok), round(prob_of.get(e, 0.0), 9), int(e in chosen))
            for e, ok in zip(s.firms, s.eligible)]
    return sorted(chosen), rows


def draw_strata(strata: list, key: str, policy: Policy) -> list:
    """The map step of the draw: `draw_stratum` of each stratum of a batch, in order."""
    return [draw_stratum(s, key, policy) for s in strata]


def _in_stratum_order(batches: list) -> list:
    """The finalize step of the draw: the batches' draws in stratum order."""
    return [d for b in batches for d in b]


DRAW_STEPS = steps.Steps(map=draw_strata, finalize=_in_stratum_order, label="inspection draw per stratum")


def draw_targets(pop: pd.DataFrame, risk: dict, key: str, policy: Policy) -> tuple[dict, list, pd.DataFrame]:
    """Step 3: the random draw. Returns (enterprise_id -> departments that drew it, strata rows, inclusion table with
    one row per roster (department, firm): tier, risk, eligible, inclusion_probability, drawn).

    The quotas (controlled rounding runs over the departments of a tier) are set here; the strata's draws are then the
    map step of `DRAW_STEPS` over batches of strata on the current engine (`features.engine`), one batch per block of
    `block_rows` roster rows (`engine.blocks`; a city's strata are one batch, drawn in this process: 0.1 s of work that
    moving to workers costs more than); a stratum needs only its own firms, their risk and the public seed key, so the
    plan is the same wherever it runs."""
    strata, rows = stratum_quotas(pop, risk, key, policy)
    eng = engine.current()
    n = max(1, min(len(strata), eng.blocks(len(pop))))
    bounds = np.linspace(0, len(strata), n + 1).astype(int)
    batches = [strata[bounds[i]:bounds[i + 1]] for i in range(n)]
    done = steps.run(DRAW_STEPS, batches, key, policy, eng=eng)
    draws: dict = {}
    inclusion_rows: list = []
    for s, row, (chosen, inc) in zip(strata, rows, done):
        for e in chosen:
            draws.setdefault(e, set()).add(s.department)
        inclusion_rows += inc
        row["drawn"] = len(chosen)
    inclusion = pd.DataFrame(inclusion_rows, columns=INCLUSION_COLUMNS).sort_values(["department", "enterprise_id"],
                                                                                    kind="stable")
    return draws, rows, inclusion.reset_index(drop=True)


def inclusion_summary(inclusion: pd.DataFrame) -> dict:
    """What the manifest says about the inclusion probabilities: smallest and largest among eligible roster rows."""
    el = inclusion[inclusion["eligible"] == 1]
    p = el["inclusion_probability"]
    return {"file": "inclusion.csv", "design": "systematic probability-proportional sampling per (department, tier)",
            "eligible_rows": int(len(el)), "min": float(p.min()) if len(p) else None,
            "max": float(p.max()) if len(p) else None, "expected_draws": round(float(p.sum()), 6)}


def add_triggers(draws: dict, trig: dict, pop: pd.DataFrame, staff: pd.DataFrame, key: str) -> None:
    """Step 4: triggers force a visit by the departments they name, else those that drew the firm, else the first of
    the firm's roster departments in the keyed order ("trigger-department", firm)."""
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


def _rank_inspectors(e, d, group, conflicts, last_people, load, cap, key) -> tuple[list, str]:
    """The eligible inspectors of department `d` for firm `e` in the keyed order, and why none is, if none is."""
    if group is None:
        return [], f"department {d} has no inspectors"
    ok, why = [], {"conflict": 0, "last visit": 0, "capacity": 0}
    for i in group:
        if e in conflicts[i]:
            why["conflict"] += 1
        elif i in last_people:
            why["last visit"] += 1
        elif load[i] >= cap[i]:
            why["capacity"] += 1
        else:
            ok.append(i)
    ranked = sorted(ok, key=lambda i: (digest(key, "inspector", e, d, i), i))
    return ranked, (f"department {d}: none of its {len(group)} inspectors is eligible ("
                    f"{why['conflict']} declared a conflict, {why['last visit']} inspected the last visit, "
                    f"{why['capacity']} at capacity)")


def staff_visits(draws: dict, trig: dict, staff: pd.DataFrame, last: dict, tier_of: dict, key: str, policy: Policy,
                 window: str) -> tuple[list, list, dict, int]:
    """Steps 5 and 6: one joint visit per firm with all its departments, staffed with random eligible inspectors.
    Returns (visit rows, unassigned rows, inspector -> visits, department draws served)."""
    by_dept: dict = {}
    for i, d in zip(staff["inspector_id"].tolist(), staff["department"].tolist()):
        by_dept.setdefault(d, []).append(i)
    load = {i: 0 for i in staff["inspector_id"].tolist()}
    cap = dict(zip(staff["inspector_id"].tolist(), staff["capacity"].tolist()))
    conflicts = dict(zip(staff["inspector_id"].tolist(), staff["conflicts"].tolist()))
    order = keyed_order(key, [e for e in draws if e in trig], "visit") + \
        keyed_order(key, [e for e in draws if e not in trig], "visit")
    visits, unassigned = [], []
    served = 0
    for e in order:
        depts = sorted(draws[e])
        tier = tier_of.get(e, policy.missing_tier or "")
        last_people = last.get(e, (None, set()))[1]
        ranked, reasons = {}, {}
        for d in depts:
            ranked[d], reasons[d] = _rank_inspectors(e, d, by_dept.get(d), conflicts, last_people, load, cap, key)
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
        served += len(going)
        visits.append({"enterprise_id": e, "tier": tier, "departments": ";".join(going),
                       "inspectors": ";".join(sorted(chosen)), "window": window,
                       "trigger": "; ".join(trig[e]["reasons"]) if e in trig else ""})
    return visits, unassigned, load, served


def plan_summary(period, window, pop, untiered, tier_of, trig, draws, random_draws, vdf, udf, load, served) -> dict:
    """The counts manifest.json records (and verify compares)."""
    firms_by_tier = pd.Series(tier_of).value_counts()
    visited_by_tier = vdf["tier"].value_counts()
    return {
        "period": period, "window": window,
        "roster_rows": int(len(pop)), "roster_firms": int(pop["enterprise_id"].nunique()),
        "untiered_roster_firms": untiered,
        "recently_visited_firms": int(pop.loc[pop["recent"], "enterprise_id"].nunique()),
        "random_draws": int(random_draws), "triggered_firms": int(sum(1 for e in draws if e in trig)),
        "department_draws": int(sum(len(v) for v in draws.values())),
        "visits": int(len(vdf)), "department_draws_served": int(served),
        "visits_saved_by_joint_inspection": int(served - len(vdf)),
        "unassigned_rows": int(len(udf)), "firms_not_visited": int(len(set(draws) - set(vdf["enterprise_id"]))),
        "inspectors_used": int(sum(1 for v in load.values() if v)),
        "max_inspector_load": int(max(load.values(), default=0)),
        "tiers": {t: {"firms": int(firms_by_tier.get(t, 0)), "visited": int(visited_by_tier.get(t, 0)),
                      "share_visited": (float(visited_by_tier.get(t, 0)) / float(firms_by_tier[t])
                                        if firms_by_tier.get(t, 0) else None)} for t in TIERS},
    }
