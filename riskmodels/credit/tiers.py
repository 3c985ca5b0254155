"""Tiering policy: probabilities -> A/B/C/D, hard overrides with their reasons, and damping against the previous tiers.

Following the 2022 national market-regulation guidance on credit-risk classification (A low, B general, C higher, D high).
The policy lives in the settings (`[tiers]`, `features.core.settings.TiersSettings`):
- `method = "shares"`: cut-offs at the quantiles of the tiered population's probabilities so that A, B, C, D hold the target
  `shares` of it (before overrides); `method = "probability"`: fixed probability cut-offs `cutoffs = [a_max, b_max, c_max]`;
- damping: a firm with a previous tier keeps it when its probability lies within `damping` (probability units) of the
  cut-off it would have crossed, so it does not flip tiers on noise;
- overrides last, each with its reason in the `override` column: serious illegal and dishonest list -> D; abnormal operation
  list -> at least C; no credit or inspection history -> B.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

TIERS = ("A", "B", "C", "D")
OVERRIDE_SERIOUS = "serious illegal and dishonest list -> D"
OVERRIDE_ABNORMAL = "abnormal operation list -> at least C"
OVERRIDE_NO_HISTORY = "no credit or inspection history -> B"


def check_policy(policy) -> None:
    """SettingsError naming the settings key when the tier policy is unusable (the checks of `TiersSettings`, which
    loading the settings runs already; here for a policy built in code)."""
    from features.core.settings import validate_section

    validate_section(policy)


def cutoffs(prob: np.ndarray, policy) -> np.ndarray:
    """The three probability cut-offs (upper bounds of A, B, C) the policy gives for this population."""
    check_policy(policy)
    if policy.method == "probability":
        return np.asarray(policy.cutoffs, dtype=float)
    p = np.asarray(prob, dtype=float)
    p = p[np.isfinite(p)]
    if len(p) == 0:
        return np.asarray(policy.cutoffs, dtype=float)
    q = np.cumsum(policy.shares)[:3]
    return np.quantile(p, np.clip(q, 0, 1), method="inverted_cdf") if len(p) else np.zeros(3)


def _tier_index(prob: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """0..3 for A..D: A holds p <= cut[0], B p <= cut[1], C p <= cut[2], D the rest."""
    return np.searchsorted(cuts, prob, side="left").clip(0, 3)


def assign_tiers(prob, policy, *, serious=None, abnormal=None, no_history=None, previous=None) -> pd.DataFrame:
    """Tiers for probabilities `prob` under `policy`.

    `serious`, `abnormal`, `no_history`: boolean arrays for the overrides (None: not known). `previous`: the previous
    tier of each row (A-D, or missing for firms new to the list) for damping. Returns `tier`, `model_tier` (before damping
    and overrides) and `override` (the reason, empty when none)."""
    p = np.asarray(prob, dtype=float)
    cuts = cutoffs(p, policy)
    idx = _tier_index(np.nan_to_num(p, nan=float(np.nanmedian(p)) if np.isfinite(p).any() else 0.0), cuts)
    model_idx = idx.copy()
    if previous is not None and policy.damping > 0:
        prev = pd.Series(np.asarray(previous, dtype=object)).map({t: i for i, t in enumerate(TIERS)}).to_numpy(float)
        has = np.isfinite(prev)
        pi = np.where(has, prev, 0).astype(int)
        # moving up crosses cut[prev]; moving down crosses cut[prev-1]: stay when within the damping band of it
        up = has & (idx > pi) & (p <= cuts[np.clip(pi, 0, 2)] + policy.damping)
        down = has & (idx < pi) & (p > cuts[np.clip(pi - 1, 0, 2)] - policy.damping)
        keep = up | down
        idx = np.where(keep, pi, idx)
    override = np.full(len(p), "", dtype=object)
    if no_history is not None and policy.no_history_b:
        m = np.asarray(no_history, dtype=bool)
        idx = np.where(m, 1, idx)
        override[m] = OVERRIDE_NO_HISTORY
    if abnormal is not None and policy.abnormal_at_least_c:
        m = np.asarray(abnormal, dtype=bool) & (idx < 2)
        idx = np.where(m, 2, idx)
        override[m] = OVERRIDE_ABNORMAL
    if serious is not None and policy.serious_to_d:
        m = np.asarray(serious, dtype=bool)
        idx = np.where(m, 3, idx)
        override[m] = OVERRIDE_SERIOUS
    return pd.DataFrame({"tier": np.asarray(TIERS)[idx], "model_tier": np.asarray(TIERS)[model_idx],
                         "override": override})


def tier_table(y, prob, tiers) -> dict:
    """{tier: {"n": rows, "bad_rate": share of y == 1}} for A-D (bad_rate None for an empty tier)."""
    df = pd.DataFrame({"y": np.asarray(y, dtype=float), "t": np.asarray(tiers)})
    out = {}
    for t in TIERS:
        g = df.loc[df["t"] == t, "y"]
        out[t] = {"n": int(len(g)), "bad_rate": round(float(g.mean()), 6) if len(g) else None}
    return out
