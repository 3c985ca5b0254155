"""Per-enterprise tables, written block by block: the registry (enterprises, shareholders), credit events, inspection
history, credit labels and the ground truth; plus the inspection roster and the inspectors.

Credit events are Poisson counts per firm, type and year with rate `event_rates[type] * exp(event_slopes[type] * z)`
(z the firm's latent risk) over the years the firm existed; tax grades are one per firm and tax year, worse with z.
Inspections happen at `inspections_per_year * exp(0.3 z)` and find a violation with the firm's `violation_prob`.
`credit_labels` say whether the firm had a serious violation or default (`features.io.codes.SERIOUS_EVENT_TYPES`, or a serious
administrative penalty) in the year after each `as_of` date: drawn from latent risk through the same events.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from features.io import codes as cc
from riskmodels.simulation import names as nm
from riskmodels.simulation.population import Population

_RATE_TYPES = (cc.ADMINISTRATIVE_PENALTY, cc.ABNORMAL_OPERATION_LIST, cc.SERIOUS_DISHONEST_LIST, cc.DISHONEST_JUDGMENT_DEBTOR,
               cc.COMMENDATION, cc.COURT_JUDGMENT, cc.LOAN_DEFAULT)
_SOURCE = {cc.ADMINISTRATIVE_PENALTY: None, cc.ABNORMAL_OPERATION_LIST: "market_regulation",
           cc.SERIOUS_DISHONEST_LIST: "market_regulation", cc.DISHONEST_JUDGMENT_DEBTOR: "court", cc.COMMENDATION: "government",
           cc.COURT_JUDGMENT: "court", cc.LOAN_DEFAULT: "bank", cc.TAX_CREDIT_GRADE: "tax"}
# median amount (CNY) per event type; NaN = no amount
_AMOUNT = {cc.ADMINISTRATIVE_PENALTY: 5_000, cc.DISHONEST_JUDGMENT_DEBTOR: 200_000, cc.COURT_JUDGMENT: 80_000,
           cc.LOAN_DEFAULT: 500_000}
# industry (names.INDUSTRIES) x department (codes.DEPARTMENTS): which departments supervise and inspect which firms
DEPT_BY_INDUSTRY = np.array([
    # market ecology emergency housing tax fire
    [0.20, 0.10, 0.25, 0.40, 0.05, 0.10],   # construction
    [0.40, 0.05, 0.05, 0.35, 0.10, 0.05],   # engineering_design
    [0.60, 0.02, 0.05, 0.00, 0.18, 0.15],   # wholesale_retail
    [0.60, 0.00, 0.02, 0.00, 0.28, 0.10],   # information_technology
    [0.35, 0.05, 0.10, 0.25, 0.05, 0.20],   # property_management
    [0.60, 0.00, 0.00, 0.00, 0.35, 0.05],   # business_consulting
    [0.25, 0.30, 0.25, 0.00, 0.05, 0.15],   # manufacturing
    [0.55, 0.10, 0.05, 0.00, 0.05, 0.25],   # catering
    [0.35, 0.10, 0.35, 0.00, 0.05, 0.15],   # transport_logistics
    [0.60, 0.05, 0.05, 0.00, 0.15, 0.15],   # other_services
])
DEPT_BY_INDUSTRY = DEPT_BY_INDUSTRY / DEPT_BY_INDUSTRY.sum(axis=1, keepdims=True)
# each department's share of the inspectors
DEPT_STAFF = np.array([0.34, 0.14, 0.15, 0.15, 0.12, 0.10])
# how much an industry is a regulated inspection object (roster weight)
ROSTER_WEIGHT = np.array([1.5, 0.6, 1.0, 0.5, 1.2, 0.5, 1.6, 1.5, 1.2, 0.8])



def _event_days(rng, counts, begin, firsts):
    """One row per event from per-firm, per-year event counts: the firm index, the year index and a day drawn uniformly
    between the firm's exposure start in that year (`begin`) and the start of the next year (`firsts`)."""
    f, y = np.nonzero(counts)
    reps = counts[f, y]
    f, y = np.repeat(f, reps), np.repeat(y, reps)
    b = begin[f, y]
    span = (firsts[y + 1] - b).astype(np.int64)
    day = b + (rng.random(len(f)) * span).astype(np.int64).astype("timedelta64[D]")
    return f, y, day

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def enterprises_frame(rng, pop: Population, lo: int, hi: int, province: bool) -> pd.DataFrame:
    s = slice(lo, hi)
    reg = pop.region_names[pop.region[s]].astype(str)
    return pd.DataFrame({
        "enterprise_id": pop.ids[s],
        "name": nm.company_names(rng, pop.industry[s], reg),
        "legal_rep_id": nm.person_ids(pop.legal_rep[s]),
        "established_on": pop.established[s],
        "registered_capital": pop.capital[s],
        "industry": np.array(nm.INDUSTRIES, dtype=object)[pop.industry[s]],
        "region": reg.astype(object),
        "address": nm.addresses(pop.building[s], pop.room[s], reg, province),
        "phone": nm.phones(pop.phone[s]),
        "status": np.array(["active", "revoked", "cancelled"], dtype=object)[pop.status[s]],
    })


def shareholders_frame(rng, pop: Population, lo: int, hi: int, extra: dict) -> pd.DataFrame:
    """Each firm: its legal representative (usually) and one or two other people; a parent company holds its
    subsidiaries; cartel bosses hold stakes in the firms they tie (`extra`: enterprise -> [(person, share)])."""
    n = hi - lo
    k = 1 + rng.binomial(2, 0.4, n)
    ent = np.repeat(np.arange(lo, hi), k)
    first = np.r_[True, ent[1:] != ent[:-1]]
    rep_first = rng.random(n) < 0.75
    person = np.where(first & np.repeat(rep_first, k), pop.legal_rep[ent], -1)
    new = person < 0
    person[new] = pop.next_person + 10_000_000 + np.arange(lo * 3, lo * 3 + new.sum())  # distinct per block
    w = rng.gamma(1.0, 1.0, len(ent))
    holder = nm.person_ids(person)
    htype = np.full(len(ent), "person", dtype=object)
    parent = pop.parent[ent]
    sub = first & (parent >= 0)  # the first holder of a subsidiary is its parent company
    holder[sub] = pop.ids[parent[sub]]
    htype[sub] = "enterprise"
    w[sub] = 0.0
    tot = np.bincount(ent - lo, weights=w, minlength=n)
    parent_share = np.where(pop.parent[lo:hi] >= 0, np.round(rng.uniform(0.51, 1.0, n), 4), 0.0)
    share = w / np.where(tot[ent - lo] > 0, tot[ent - lo], 1.0) * (1 - parent_share[ent - lo])
    share[sub] = parent_share[ent[sub] - lo]
    rows = pd.DataFrame({"enterprise_id": pop.ids[ent], "holder_id": holder, "holder_type": htype,
                         "share": np.round(share, 4)})
    add = [(e, p, s) for e in range(lo, hi) for p, s in extra.get(e, [])]
    if add:
        e, p, s = map(np.array, zip(*add))
        rows = pd.concat([rows, pd.DataFrame({"enterprise_id": pop.ids[e], "holder_id": nm.person_ids(p),
                                              "holder_type": "person", "share": s})], ignore_index=True)
        rows = rows.drop_duplicates(["enterprise_id", "holder_id"]).sort_values("enterprise_id", kind="stable")
    return rows[rows["share"] > 0].reset_index(drop=True)


def _year_exposure(pop, lo, hi, start, years):
    """(n, years) fraction of each year the firm existed, and each year's first day."""
    y0 = start.astype("datetime64[Y]")
    firsts = np.array([(y0 + i).astype("datetime64[D]") for i in range(years + 1)])
    est = pop.established[lo:hi]
    a = np.maximum(est[:, None], firsts[None, :-1])
    b = firsts[None, 1:]
    days = (b - a).astype(np.int64).clip(0)
    length = (firsts[1:] - firsts[:-1]).astype(np.int64)
    return days / length, firsts, a


def events_frame(rng, pop: Population, lo: int, hi: int, start, years: int, cfg) -> pd.DataFrame:
    z = pop.z[lo:hi]
    expo, firsts, begin = _year_exposure(pop, lo, hi, start, years)
    parts = []
    for t in _RATE_TYPES:
        lam = cfg.event_rates.get(t, 0.0) * np.exp(cfg.event_slopes.get(t, 0.0) * z)
        counts = rng.poisson(lam[:, None] * expo)
        if counts.sum() == 0:
            continue
        f, y, day = _event_days(rng, counts, begin, firsts)
        m = len(f)
        zf = z[f]
        if t == cc.ADMINISTRATIVE_PENALTY:
            serious = rng.random(m) < _sigmoid(-5.2 + 0.9 * zf)
            sev = np.where(serious, 3, np.where(rng.random(m) < 0.35, 2, 1))
            amount = np.round(np.exp(rng.normal(np.log(_AMOUNT[t]), 1.0, m)) * np.where(serious, 20, 1), -2)
            ind = pop.industry[lo + f]
            dep = (rng.random(m)[:, None] < np.cumsum(DEPT_BY_INDUSTRY[ind], axis=1)).argmax(axis=1)
            source = np.array(cc.DEPARTMENTS, dtype=object)[dep]
        else:
            sev = {cc.ABNORMAL_OPERATION_LIST: 2, cc.SERIOUS_DISHONEST_LIST: 3, cc.DISHONEST_JUDGMENT_DEBTOR: 3,
                   cc.COMMENDATION: 0, cc.COURT_JUDGMENT: 1, cc.LOAN_DEFAULT: 3}[t] * np.ones(m, dtype=np.int64)
            if t in _AMOUNT:
                amount = np.round(np.exp(rng.normal(np.log(_AMOUNT[t]), 1.1, m)), -2)
            else:
                amount = np.full(m, np.nan)
            source = np.full(m, _SOURCE[t], dtype=object)
        parts.append(pd.DataFrame({"f": f, "occurred_on": day, "event_type": t, "severity": sev.astype(np.int64),
                                   "amount": amount, "source": source}))
    # tax credit grade for each full tax year the firm existed, published in April of the next year
    est = pop.established[lo:hi]
    for i in range(1, years + 1):
        tax_year_start = firsts[i - 1]
        alive = est < tax_year_start
        f = np.flatnonzero(alive)
        if not len(f):
            continue
        score = z[f] + rng.normal(0, 0.8, len(f))
        new = (tax_year_start - est[f]) < np.timedelta64(365, "D")
        grade = np.digitize(score, [-0.9, 0.7, 1.6, 2.3])  # A, B, (M), C, D
        grade = np.array([0, 1, 3, 4, 4])[grade]
        grade = np.where(new & (grade <= 1), 2, grade)
        sev = np.array([cc.TAX_GRADE_SEVERITY[g] for g in cc.TAX_GRADES])[grade]
        day = firsts[i] + np.timedelta64(90, "D") + rng.integers(0, 30, len(f)).astype("timedelta64[D]")
        keep = day < firsts[-1]
        parts.append(pd.DataFrame({"f": f[keep], "occurred_on": day[keep], "event_type": cc.TAX_CREDIT_GRADE,
                                   "severity": sev[keep].astype(np.int64), "amount": np.nan, "source": "tax"}))
    ev = pd.concat(parts, ignore_index=True)
    ev = ev.sort_values(["f", "occurred_on", "event_type"], kind="stable")
    ev = ev.drop_duplicates(["f", "occurred_on", "event_type", "severity", "amount", "source"])
    ev.insert(0, "enterprise_id", pop.ids[lo + ev["f"].to_numpy()])
    return ev.drop(columns="f").reset_index(drop=True)


def labels_frame(pop: Population, lo: int, hi: int, events: pd.DataFrame, start, years: int) -> pd.DataFrame:
    """A row per firm and as_of (1 January of every year after the first) for firms established before as_of."""
    y0 = start.astype("datetime64[Y]")
    serious = events["event_type"].isin(cc.SERIOUS_EVENT_TYPES) | (
        (events["event_type"] == cc.ADMINISTRATIVE_PENALTY) & (events["severity"] >= cc.SERIOUS_PENALTY_SEVERITY))
    sev = events.loc[serious, ["enterprise_id", "occurred_on"]]
    out = []
    for i in range(1, years):
        as_of = (y0 + i).astype("datetime64[D]")
        nxt = (y0 + i + 1).astype("datetime64[D]")
        alive = np.flatnonzero(pop.established[lo:hi] < as_of) + lo
        hit = set(sev.loc[(sev["occurred_on"] >= as_of) & (sev["occurred_on"] < nxt), "enterprise_id"])
        ids = pop.ids[alive]
        out.append(pd.DataFrame({"enterprise_id": ids, "as_of": np.full(len(ids), as_of),
                                 "label": np.fromiter((x in hit for x in ids), dtype=np.int64, count=len(ids))}))
    return pd.concat(out, ignore_index=True).sort_values(["enterprise_id", "as_of"], kind="stable").reset_index(drop=True)


def make_roster(rng, pop: Population, size) -> pd.DataFrame:
    """The inspection-object roster: `size.roster` firms (regulated industries first), each with 1-3 departments."""
    w = ROSTER_WEIGHT[pop.industry] * np.where(pop.status == 0, 1.0, 0.3) * np.exp(0.15 * pop.z)
    key = np.log(w) - np.log(-np.log(rng.random(pop.n)))  # Gumbel top-k: weighted sampling without replacement
    k = min(size.roster, pop.n)
    chosen = np.sort(np.argpartition(-key, k - 1)[:k])
    probs = DEPT_BY_INDUSTRY[pop.industry[chosen]]
    n_dep = 1 + rng.binomial(2, 0.35, k)
    rows_e, rows_d = [], []
    for j in range(3):
        pick = (rng.random(k)[:, None] < np.cumsum(probs, axis=1)).argmax(axis=1)
        on = n_dep > j
        rows_e.append(chosen[on])
        rows_d.append(pick[on])
    e, d = np.concatenate(rows_e), np.concatenate(rows_d)
    r = pd.DataFrame({"e": e, "d": d}).drop_duplicates().sort_values(["e", "d"], kind="stable")
    return pd.DataFrame({"enterprise_id": pop.ids[r["e"].to_numpy()],
                         "department": np.array(cc.DEPARTMENTS, dtype=object)[r["d"].to_numpy()]}), r


def make_inspectors(rng, pop: Population, size, roster_idx: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """Inspectors by department with a capacity per period and declared conflicts (relatives' firms, firms they
    recently inspected or advised): a few roster firms of their own department each, riskier firms more often."""
    k = size.inspectors
    # every department keeps enough staff that two conflict-free inspectors can usually be found for a visit
    counts = np.maximum(6 if k >= 48 else 2, np.floor(DEPT_STAFF * k).astype(int))
    counts[0] += k - counts.sum()
    dept = np.repeat(np.arange(len(cc.DEPARTMENTS)), counts)
    ids = np.char.add("INSP", np.char.zfill((np.arange(k) + 1).astype(str), 5)).astype(object)
    region = pop.region_names[rng.integers(0, len(pop.region_names), k)].astype(object)
    capacity = rng.integers(8, 21, k)
    conflicts = []
    members = {d: g["e"].to_numpy() for d, g in roster_idx.groupby("d")}
    for i in range(k):
        cand = members.get(int(dept[i]), np.array([], dtype=np.int64))
        c = min(len(cand), int(rng.poisson(size.conflicts)))
        if c:
            w = np.exp(0.8 * pop.z[cand])
            key = np.log(w) - np.log(-np.log(rng.random(len(cand))))
            pick = np.sort(cand[np.argpartition(-key, c - 1)[:c]])
            conflicts.append(";".join(pop.ids[pick]))
        else:
            conflicts.append(None)
    frame = pd.DataFrame({"inspector_id": ids, "department": np.array(cc.DEPARTMENTS, dtype=object)[dept],
                          "name": nm.person_names(rng, k), "region": region, "capacity": capacity,
                          "conflicts": np.array(conflicts, dtype=object)})
    return frame, [np.flatnonzero(dept == d) for d in range(len(cc.DEPARTMENTS))]


def inspections_frame(rng, pop: Population, lo: int, hi: int, start, years: int, cfg, staff: list, inspector_ids,
                      id_offset: int) -> pd.DataFrame:
    z = pop.z[lo:hi]
    expo, firsts, begin = _year_exposure(pop, lo, hi, start, years)
    lam = cfg.inspections_per_year * np.exp(0.3 * z)
    counts = rng.poisson(lam[:, None] * expo)
    f, y, day = _event_days(rng, counts, begin, firsts)
    m = len(f)
    ind = pop.industry[lo + f]
    dep = (rng.random(m)[:, None] < np.cumsum(DEPT_BY_INDUSTRY[ind], axis=1)).argmax(axis=1)
    sizes = np.array([len(s) for s in staff])
    a = (rng.random(m) * sizes[dep]).astype(np.int64)
    b2 = (a + 1 + (rng.random(m) * (sizes[dep] - 1)).astype(np.int64)) % sizes[dep]
    offs = np.cumsum(np.r_[0, sizes[:-1]])
    flat = np.concatenate(staff)
    i1, i2 = inspector_ids[flat[offs[dep] + a]], inspector_ids[flat[offs[dep] + b2]]
    who = np.char.add(np.char.add(i1.astype(str), ";"), i2.astype(str)).astype(object)
    vp = pop.violation_prob[lo + f]
    fail = rng.random(m) < vp
    not_found = (pop.status[lo + f] == 1) & (rng.random(m) < 0.3)
    result = np.where(not_found, cc.INSPECTION_NOT_FOUND, np.where(fail, cc.INSPECTION_FAIL, cc.INSPECTION_PASS)).astype(object)
    penalised = fail & ~not_found & (rng.random(m) < 0.4)
    penalty = np.where(penalised, np.round(np.exp(rng.normal(np.log(3000), 1.0, m)), -2), np.nan)
    order = np.lexsort((day, f))
    out = pd.DataFrame({
        "inspection_id": None,
        "enterprise_id": pop.ids[lo + f[order]],
        "inspected_on": day[order],
        "department": np.array(cc.DEPARTMENTS, dtype=object)[dep[order]],
        "inspector_ids": who[order],
        "result": result[order],
        "penalty": penalty[order],
    })
    out["inspection_id"] = np.char.add("I", np.char.zfill((id_offset + np.arange(m) + 1).astype(str), 9)).astype(object)
    return out


def truth_enterprises_frame(pop: Population, lo: int, hi: int) -> pd.DataFrame:
    cid = np.array([c.cartel_id for c in pop.cartels] + [None], dtype=object)
    return pd.DataFrame({"enterprise_id": pop.ids[lo:hi], "latent_risk": np.round(pop.z[lo:hi], 4),
                         "violation_prob": np.round(pop.violation_prob[lo:hi], 4), "cartel_id": cid[pop.cartel[lo:hi]]})
