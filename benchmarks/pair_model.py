"""The bidder-pair model: do these two firms belong to the same cartel? Only `benchmarks/collusion_eval.py` uses it (the
"pair model" figure of docs/evaluation.md); no command does, so it lives here rather than in `riskmodels.collusion`.

- `pair_feature_table`: one row per bidder pair that met at least once (`features.evidence.pairs.bidder_pairs`) with the
  numeric pair evidence as features, plus the registry relation strength when given;
- `pair_table`: the same for one loaded dataset, relations built by `graphs.relations` when the dataset has a registry;
- `pair_labels`: 1 where both firms of a pair belong to the same planted cartel;
- `PairCollusionClassifier`: the calibrated LightGBM body of the tender model over those pair features.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from features.core.errors import InputError
from riskmodels.collusion.model import _LGBMCollusionClassifier


class PairCollusionClassifier(_LGBMCollusionClassifier):
    """Do these two bidders collude? The calibrated LightGBM body of `TenderCollusionClassifier` over pair evidence (co-bids,
    who wins when both bid, price-ratio stability, shared metadata, registry relations), with reasons."""

    def __init__(self, n_estimators=200, learning_rate=0.05, num_leaves=15, min_child_samples=20, subsample=0.8,
                 colsample_bytree=0.8, reg_lambda=1.0, class_weight="balanced", calibration="sigmoid", calibration_cv=3,
                 threshold=0.5, monotone=None, n_jobs=1, random_state=0):
        super().__init__(n_estimators=n_estimators, learning_rate=learning_rate, num_leaves=num_leaves,
                         min_child_samples=min_child_samples, subsample=subsample, colsample_bytree=colsample_bytree,
                         reg_lambda=reg_lambda, class_weight=class_weight, calibration=calibration,
                         calibration_cv=calibration_cv, threshold=threshold, monotone=monotone, n_jobs=n_jobs,
                         random_state=random_state)


def pair_feature_table(bids: pd.DataFrame, bid_items: pd.DataFrame | None = None, *,
                       relations: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per bidder pair that met at least once (`features.evidence.pairs.bidder_pairs`), with the numeric pair evidence
    as features; `relations` (firm_a, firm_b, strength) adds the registry relation strength (`relation`, 0 where none)."""
    from features.evidence.pairs import bidder_pairs

    p = bidder_pairs(bids, bid_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        wins = p[["wins_a", "wins_b"]].to_numpy(dtype=float)
        p["win_share_max"] = np.nanmax(wins, axis=1) / p["co_bids"].where(p["co_bids"] > 0)
        p["win_balance"] = np.abs(wins[:, 0] - wins[:, 1]) / p["co_bids"].where(p["co_bids"] > 0)
    if relations is not None and len(relations):
        r = relations[["firm_a", "firm_b", "strength"]].copy()
        a, b = r["firm_a"].astype(str), r["firm_b"].astype(str)
        r["bidder_a"], r["bidder_b"] = np.where(a < b, a, b), np.where(a < b, b, a)
        r = r.groupby(["bidder_a", "bidder_b"], as_index=False)["strength"].max().rename(columns={"strength": "relation"})
        p = p.merge(r, on=["bidder_a", "bidder_b"], how="left")
        p["relation"] = p["relation"].fillna(0.0)
    return p


def pair_model_columns(table: pd.DataFrame) -> list[str]:
    """Numeric pair evidence columns (ids and raw tender counts of each firm left out)."""
    skip = {"bidder_a", "bidder_b", "n_tenders_a", "n_tenders_b", "wins_a", "wins_b", "label"}
    return [c for c in table.columns if c not in skip and pd.api.types.is_numeric_dtype(table[c]) and table[c].notna().any()]


def pair_labels(pairs: pd.DataFrame, cartels: pd.DataFrame) -> np.ndarray:
    """1 where both bidders of a pair belong to the same cartel (`cartels`: cartel_id, members ';'-separated)."""
    member = {}
    for cid, members in zip(cartels["cartel_id"].astype(str), cartels["members"].astype(str)):
        for m in members.split(";"):
            member.setdefault(m, set()).add(cid)
    a = pairs["bidder_a"].astype(str).map(lambda x: member.get(x, set()))
    b = pairs["bidder_b"].astype(str).map(lambda x: member.get(x, set()))
    return np.array([int(bool(x & y)) for x, y in zip(a, b)], dtype=int)


def pair_table(ds) -> pd.DataFrame:
    """Pair evidence per bidder pair of one loaded dataset, with registry relations when it has enterprises or shareholders."""
    bids = ds.get("bids")
    if bids is None or len(bids) == 0:
        raise InputError(f"{getattr(ds, 'path', 'dataset')}: no accepted bids")
    rel = None
    if ds.get("enterprises") is not None or ds.get("shareholders") is not None:
        from graphs.relations import relation_pairs, relation_strength

        found, _ = relation_pairs(ds.get("enterprises"), ds.get("shareholders"), bids, firms=set(bids["bidder_id"].astype(str)))
        rel = relation_strength(found)
    return pair_feature_table(bids, ds.get("bid_items"), relations=rel)
