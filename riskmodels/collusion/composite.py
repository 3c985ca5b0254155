"""The no-model score's evidence (docs/evaluation.md "The score without labels"): which columns of a tender table it uses,
in which direction, in which family and with which weight, and the arithmetic of the score itself (each column's
position in a market's distribution, oriented, averaged by weight). Only numpy and pandas: the early warnings score new
tenders with it without loading the modelling libraries (`riskmodels.cases.scoring`). The fitted estimator around it is
`riskmodels.collusion.model.CompositeCollusionScore`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodels.collusion import reasons as _reasons
from riskmodels.collusion.tables import SCREEN_BIDS

# Literature directions of the screens under collusion (Imhof 2017; Huber & Imhof 2019): +1 higher is more suspicious.
# Auction facts: a cartel's winning bid sits close to the reserve; two bids almost equal suggest copied or coordinated prices.
SCREEN_DIRECTIONS: dict[str, int] = {
    "cv": -1, "spd": -1, "kurt": +1, "diffp": +1, "rd": +1, "rdnor": +1, "rdalt": +1, "ks": +1,
    "win_to_reserve": +1, "pair_min_gap": -1, "pair_share_close": +1,
}
# Ambiguous in sign (or a size, not evidence): left out of the composite score.
NEUTRAL = ("skew", "n_bids", "min_to_reserve", "mean_to_reserve", "winner_rank", "win_to_min", "market_n")


# The score without labels (`evidence_weights`, docs/evaluation.md "The score without labels"): three families of
# evidence, each weighing the same when the dataset has it.
# - bid prices: the variance screen alone (low coefficient of variation; Imhof, Karagok & Rutz 2018; Huber & Imhof 2019
#   find it the most robust single screen). Averaging all nine published screens with their published directions ranked
#   collusive tenders worse than -cv alone on all three research markets and on the simulated city (docs/evaluation.md).
# - ties between the bidders of a tender that are not prices: shared bid metadata, registry relations, and the red flags
#   that name a shared person, document, agent or account.
# - patterns across tenders (bidder groups, rotation, recurrent winners, fixed price gaps, regular price progressions):
#   only where the dataset also has ties. Without ties a group is only firms that keep meeting in one region, and on the
#   research markets these patterns point away from the labelled cartels (docs/evaluation.md).
PRICE_EVIDENCE = ("cv",)
# red flags that name a tie (a shared legal representative or owner, document author or device, agent, project manager,
# deposit account); every other flag is a pattern. Each family's flags enter as one count of distinct codes raised.
TIE_FLAGS = ("A34", "A40.1", "A40.2", "A40.3", "A40.6")
TIE_EVIDENCE = ("pair_max_same_meta", "pair_share_meta", "max_relation", "tied_pairs", "tie_flags")
PATTERN_EVIDENCE = ("group_share", "group_score", "pattern_flags")


def evidence_families(table: pd.DataFrame, min_bids: int = 3) -> dict[str, str]:
    """Column -> evidence family ('prices', 'ties', 'patterns') of the no-model score, for the columns this dataset
    actually has: present and not constant over its tenders (the price screen over tenders with at least `min_bids`
    bids). Absent metadata, anonymous bidders (no graph), constant columns and missing bid items add nothing."""
    def varies(col, rows=None):
        if col not in table.columns or not pd.api.types.is_numeric_dtype(table[col]):
            return False
        v = table[col] if rows is None else table.loc[rows, col]
        v = pd.to_numeric(v, errors="coerce").dropna()
        return v.nunique() > 1

    enough = table["n_bids"] >= min_bids if "n_bids" in table.columns else None
    out = {c: "prices" for c in PRICE_EVIDENCE if varies(c, enough)}
    ties = [c for c in TIE_EVIDENCE if varies(c)]
    out.update({c: "ties" for c in ties})
    if ties:
        out.update({c: "patterns" for c in PATTERN_EVIDENCE if varies(c)})
    return out


def evidence_weights(families: dict[str, str]) -> dict[str, float]:
    """Each family present weighs 1 in the mean, split evenly over its columns."""
    n = pd.Series(families).value_counts()
    return {c: 1.0 / float(n[f]) for c, f in families.items()}


def default_direction(feature: str) -> int:
    """Direction of a feature in the composite score: screens by the literature, everything else (flags, graph
    features, counts of shared metadata) higher = more suspicious; 0 = not used (e.g. skewness, whose sign is ambiguous)."""
    b = _reasons.base_name(feature)
    if b in SCREEN_DIRECTIONS:
        return SCREEN_DIRECTIONS[b]
    if b in NEUTRAL:
        return 0
    return +1


def market_positions(Xa: np.ndarray, reference: list, directions: np.ndarray) -> np.ndarray:
    """Each value's mid-rank position in its column's `reference` distribution (sorted, finite), oriented so that 1 is
    the most suspicious end (`directions` +1 / -1; 0 and empty references give unknown, NaN)."""
    P = np.full(Xa.shape, np.nan)
    for j, ref in enumerate(reference):
        if directions[j] == 0 or ref.size == 0:
            continue
        v = Xa[:, j]
        ok = ~np.isnan(v)
        lo = np.searchsorted(ref, v[ok], side="left")
        hi = np.searchsorted(ref, v[ok], side="right")
        q = (lo + hi) / (2.0 * ref.size)
        P[ok, j] = q if directions[j] > 0 else 1.0 - q
    return P


def composite_score(P: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted mean of the known positions per row; 0.5 (typical for the market) where none is known."""
    W = np.where(np.isnan(P), 0.0, weights[None, :])
    tot = W.sum(axis=1)
    return np.where(tot > 0, np.nansum(np.nan_to_num(P) * W, axis=1) / np.where(tot > 0, tot, 1.0), 0.5)


def composite_frame(table: pd.DataFrame, min_bids: int = SCREEN_BIDS) -> tuple[pd.DataFrame, dict[str, float]]:
    """(evidence columns of the no-model score, their weights) for one market's tender table (`evidence_families`):
    only what the dataset has and what varies in it. A tender without a finding of a flag that ran has 0 findings of
    it (not unknown); the price screen is left out (unknown) for tenders with fewer than `min_bids` bids."""
    t = evidence_columns(table, min_bids)
    fam = evidence_families(t, min_bids)
    return t[list(fam)].astype(float), evidence_weights(fam)


def evidence_columns(table: pd.DataFrame, min_bids: int = SCREEN_BIDS) -> pd.DataFrame:
    """`table` with the derived evidence columns of the no-model score (`tie_flags`, `pattern_flags`: red-flag codes
    raised per family) and the price evidence unknown for tenders with fewer than `min_bids` bids."""
    t = table.copy()
    flag_cols = [c for c in t.columns if c.startswith("flag_")]
    if flag_cols:
        raised = t[flag_cols].fillna(0.0) > 0
        tie = [f"flag_{c}" for c in TIE_FLAGS if f"flag_{c}" in flag_cols]
        t["tie_flags"] = raised[tie].sum(axis=1).astype(float)
        t["pattern_flags"] = raised[[c for c in flag_cols if c not in tie]].sum(axis=1).astype(float)
    if "n_bids" in t.columns:
        few = t["n_bids"] < min_bids
        for c in PRICE_EVIDENCE:
            if c in t.columns:
                t.loc[few, c] = np.nan
    return t
