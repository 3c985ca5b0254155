"""Evaluation of a plan policy: violations found per visit against a uniform double-random plan of the same size.

The tier-driven plan is drawn `runs` times with seeds `<seed>#1`, `<seed>#2`, ... For each draw the expected violations found
per visit is the mean `violation_prob` of the visited firms (ground truth of the synthetic city, `truth/enterprises.csv`;
without it the tiers file's `probability` stands in, and the result says so). A uniform double-random plan of the same size
draws every roster firm with the same chance, so its expected violations per visit is the roster mean of the same quantity:
the lift is the ratio. Also reported: visits saved by joint inspection, the share of tier A firms visited ("disturbed"), and
each tier's visited share (its chance of a visit), which must stay above zero for every tier.

With the ground truth, each run also checks the leaders' page's interval (`interval_check`): every eligible roster
(department, firm) row of the simulated world gets a result (violation with the firm's `violation_prob`, seeded by the run),
the true rate is the share of violations over all of them, and the estimate is made as `inspect report` makes it, from the
drawn rows that became visits. `interval_coverage` is the share of runs whose 95% interval covers that true rate
(`interval_coverage_expected`: covers the roster's mean `violation_prob`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from features.core.settings import Settings
from riskmodels.inspection.draw import PlanResult, prepare_tiers
from riskmodels.inspection.planner import Loaded, default_period, derive, load_inputs, locate_inputs
from riskmodels.inspection.policy import TIERS, Policy


def truth_values(data_dir: Path, tiers: pd.DataFrame) -> tuple[pd.Series, str]:
    """enterprise_id -> violation probability and where it came from."""
    truth = Path(data_dir) / "truth" / "enterprises.csv"
    if truth.is_file():
        t = pd.read_csv(truth, dtype={"enterprise_id": str})
        if "violation_prob" in t.columns:
            return t.set_index("enterprise_id")["violation_prob"].astype(float), f"{truth} violation_prob"
    if "probability" in tiers.columns:
        p = pd.to_numeric(tiers["probability"], errors="coerce")
        return pd.Series(p.to_numpy(), index=tiers["enterprise_id"].astype(str).str.strip()), "tiers probability (no ground truth)"
    return pd.Series(dtype=float), "none"


def plan_metrics(result: PlanResult, value: pd.Series, roster_firms, tier_of: dict) -> dict:
    visited = result.visits["enterprise_id"]
    v_plan = float(value.reindex(visited).mean()) if len(visited) else float("nan")
    v_roster = float(value.reindex(list(roster_firms)).mean())
    v_pop = float(value.mean())
    tiers = pd.Series(tier_of)
    share = {t: (float(result.visits["tier"].eq(t).sum()) / int((tiers == t).sum())) if (tiers == t).any() else None
             for t in TIERS}
    return {"visits": int(len(result.visits)), "violations_per_visit": v_plan,
            "uniform_violations_per_visit": v_roster, "population_violations": v_pop,
            "lift": v_plan / v_roster if v_roster else float("nan"),
            "lift_vs_population": v_plan / v_pop if v_pop else float("nan"),
            "visits_saved": int(result.summary["visits_saved_by_joint_inspection"]),
            "department_draws": int(result.summary["department_draws_served"]),
            "unassigned_rows": int(result.summary["unassigned_rows"]),
            "a_disturbed": share["A"], "tier_share": share}


def interval_check(result: PlanResult, value: pd.Series, seed: str) -> dict | None:
    """One run's check of the violation-rate interval against the simulated world (see the module doc); None without
    inclusion probabilities or with fewer than two drawn visits."""
    from riskmodels.inspection.estimate import violation_rate
    from riskmodels.inspection.randomness import digest

    inc = result.inclusion
    if inc is None or not len(inc):
        return None
    el = inc[inc["eligible"] == 1].reset_index(drop=True)
    vp = value.reindex(el["enterprise_id"].astype(str)).to_numpy(float)
    ok = np.isfinite(vp)
    el, vp = el[ok].reset_index(drop=True), vp[ok]
    rng = np.random.default_rng(int(digest(seed, "world")[:16], 16))
    y = (rng.random(len(el)) < vp).astype(int)
    visited = {(d, e) for e, ds in zip(result.visits["enterprise_id"].astype(str), result.visits["departments"].astype(str))
               for d in ds.split(";") if d}
    seen = np.array([(str(d), str(e)) in visited for d, e in zip(el["department"], el["enterprise_id"])], dtype=bool)
    s = el[(el["drawn"] == 1).to_numpy() & seen]
    if len(s) < 2:
        return None
    ys = y[s.index.to_numpy()]
    r = violation_rate(s.assign(y=ys), el)
    true, expected = float(y.mean()), float(vp.mean())
    return {"true": true, "expected": expected, "estimate": r["estimate"], "low": r["low"], "high": r["high"],
            "covers": r["low"] <= true <= r["high"], "covers_expected": r["low"] <= expected <= r["high"],
            "naive": float(ys.mean())}


def simulate_plans(data_dir, tiers, period: str | None, seed: str, runs: int = 10, settings: Settings | None = None,
                   triggers=None, loaded: Loaded | None = None) -> dict:
    """Draw the plan `runs` times with derived seeds and summarise the metrics (mean, min, max over the runs and their
    standard deviation). `period` None: the month after the tiers' as-of date. `loaded`: these inputs already read by
    `planner.load_inputs` (as for `make_plan`; ValueError when read from other files or with other settings)."""
    settings = settings or Settings()
    policy = Policy.from_settings(settings.inspect)
    inputs = locate_inputs(data_dir, tiers, triggers)
    if loaded is None:
        loaded = load_inputs(inputs, settings)  # read once, draw `runs` times
    else:
        loaded.check_same(inputs, settings)
    tiers_df = loaded.tiers
    if period is None:
        period = default_period(tiers_df, str(inputs.tiers))
    tier_of = prepare_tiers(tiers_df, str(inputs.tiers))
    value, source = truth_values(inputs.data_dir, tiers_df)
    per_run, checks = [], []
    truth = source.endswith("violation_prob")
    for r in range(1, max(1, runs) + 1):
        result, _, _, _ = derive(loaded, f"{seed}#{r}", period, settings, policy)
        per_run.append(plan_metrics(result, value, result.population, tier_of))
        if truth:
            checks.append(interval_check(result, value, f"{seed}#{r}"))
    keys = ["visits", "violations_per_visit", "uniform_violations_per_visit", "population_violations", "lift",
            "lift_vs_population", "visits_saved", "department_draws", "unassigned_rows", "a_disturbed"]
    out = {"runs": len(per_run), "value_source": source, "period": period, "seed": seed}
    for k in keys:
        vals = np.array([np.nan if m[k] is None else m[k] for m in per_run], dtype=float)
        out[k] = {"mean": float(np.nanmean(vals)), "min": float(np.nanmin(vals)), "max": float(np.nanmax(vals)),
                  "sd": float(np.nanstd(vals, ddof=1)) if np.isfinite(vals).sum() > 1 else 0.0}
    out["tier_share"] = {t: float(np.mean([m["tier_share"][t] or 0.0 for m in per_run])) for t in TIERS}
    out["policy_rates"] = policy.rates
    out["every_tier_has_a_chance"] = _every_tier_has_a_chance(policy)
    done = [c for c in checks if c is not None]
    out["interval_runs"] = len(done)
    out["interval_coverage"] = float(np.mean([c["covers"] for c in done])) if done else None
    out["interval_coverage_expected"] = float(np.mean([c["covers_expected"] for c in done])) if done else None
    if done:
        out["interval_width"] = float(np.mean([c["high"] - c["low"] for c in done]))
        out["estimate_bias"] = float(np.mean([c["estimate"] - c["true"] for c in done]))
        out["naive_bias"] = float(np.mean([c["naive"] - c["true"] for c in done]))
    return out


def _every_tier_has_a_chance(policy: Policy) -> bool:
    """True when every tier has a positive rate in the default rates (A only if A is not restricted to triggers)."""
    ok = all(policy.rates[t] > 0 for t in TIERS)
    return ok and not policy.a_only_if_triggered
