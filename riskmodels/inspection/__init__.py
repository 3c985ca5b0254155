"""Tier-driven, double-random, joint and verifiable inspection plans (docs/inspection.md).

- `policy.Policy`: the `[inspect]` settings checked (rates per tier and department, spacing, triggers, staffing).
- `draw.draw_plan`: the draw over DataFrames: stratified targets, triggers, joint visits, random inspectors.
- `randomness`: the documented SHA-256 procedure every random choice derives from.
- `planner.make_plan` / `planner.verify_plan`: inputs hashed, exports and manifest written; a published plan re-derived.
- `evaluate.simulate_plans`: lift against a uniform double-random plan, visits saved, tier A firms disturbed.
"""
from riskmodels.inspection.draw import PlanResult, draw_plan
from riskmodels.inspection.policy import Policy
from riskmodels.inspection.planner import VerifyFailed, make_plan, verify_plan

__all__ = ["PlanResult", "Policy", "VerifyFailed", "draw_plan", "make_plan", "verify_plan"]
