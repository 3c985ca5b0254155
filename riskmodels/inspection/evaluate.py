"""Evaluation of a plan policy: violations found per visit against a uniform double-random plan of the same size.

The tier-driven plan is drawn `runs` times with seeds `<seed>#1`, `<seed>#2`, ... For each draw the expected violations found
per visit is the mean `violation_prob` of the visited firms (ground truth of the synthetic city, `truth/enterprises.csv`;
without it the tiers file's `probability` stands in, and the result says so). A uniform double-random plan of the same size
draws every roster firm with the same chance, so its expected violations per visit is the roster mean of the same quantity:
the lift is the ratio. Also reported: visits saved by joint inspection, the share of tier A firms visited ("disturbed"), and
each tier's visited share (its chance of a visit), which must stay above zero for every tier.
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
    per_run = []
    for r in range(1, max(1, runs) + 1):
        result, _, _, _ = derive(loaded, f"{seed}#{r}", period, settings, policy)
        per_run.append(plan_metrics(result, value, result.population, tier_of))
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
    return out


def _every_tier_has_a_chance(policy: Policy) -> bool:
    """True when every tier has a positive rate in the default rates (A only if A is not restricted to triggers)."""
    ok = all(policy.rates[t] > 0 for t in TIERS)
    return ok and not policy.a_only_if_triggered
