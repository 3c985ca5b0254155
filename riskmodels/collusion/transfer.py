"""What a trained model can and cannot say about a market it was not trained on.

`training_profile` is stored on the model by `train`: the training tenders (as hashes), each training market's
distribution of the textbook screens (quantiles over tenders with 3+ bids), its share of collusive tenders, and the
share of collusive tenders among the top 1/2/5/10/20% of its tenders by the model's score.

At `score` time (`transfer_flags`), a dataset whose tenders are mostly not training tenders is a new market. There the
model's probabilities carry the training markets' collusion rates (11% to 77% on the research markets), so a threshold
on them flags whatever share the training rates imply (39-62% of a new market as measured on the kept-aside markets). A new
market is flagged instead by a share the user sets (`flag_share`, default 5%): the top of its ranking, with the
precision the same share reached in the training markets stated beside it. `outside_training` says which screens of the
new market lie outside every training market's interquartile range (its median below the 25th or above the 75th
percentile of each), the sign that the model is extrapolating.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

PROFILE_SCREENS = ("n_bids", "cv", "spd", "diffp", "rd", "kurt", "skew", "ks")
SHARES = (0.01, 0.02, 0.05, 0.1, 0.2)
NEW_MARKET_OVERLAP = 0.5  # below this share of scored tenders seen in training, the scored data is a new market


def _hash_tenders(table: pd.DataFrame) -> np.ndarray:
    """One hash per tender of its id, bid count and coefficient of variation (ids alone repeat between datasets)."""
    key = table["tender_id"].astype(str)
    for c in ("n_bids", "cv"):
        if c in table.columns:
            key = key + "|" + pd.Series(np.round(table[c].to_numpy(dtype=float), 9), index=table.index).astype(str)
    return pd.util.hash_array(key.to_numpy(dtype=object))


def training_profile(table: pd.DataFrame, y: np.ndarray, scores: np.ndarray, scores_are: str) -> dict:
    """The profile `train` stores on its model (module doc); `scores` are the model's scores of the training tenders
    (`scores_are` says which: 'out-of-fold' or 'in-sample')."""
    markets = table["market"].astype(str).to_numpy() if "market" in table.columns else np.zeros(len(table), dtype=str)
    y = np.asarray(y).astype(int)
    per = {}
    for m in dict.fromkeys(markets):
        sel = markets == m
        t = table[sel]
        enough = t["n_bids"] >= 3 if "n_bids" in t.columns else np.ones(len(t), dtype=bool)
        q = {c: [float(v) for v in np.nanquantile(t.loc[enough, c].to_numpy(dtype=float), (0.25, 0.5, 0.75))]
             for c in PROFILE_SCREENS if c in t.columns and t.loc[enough, c].notna().sum() >= 10}
        s, ym = np.asarray(scores)[sel], y[sel]
        order = np.argsort(-s, kind="stable")
        prec = {f"{a:g}": float(ym[order[:max(1, int(round(a * len(ym))))]].mean()) for a in SHARES}
        per[str(m)] = {"tenders": int(sel.sum()), "collusive_share": float(ym.mean()), "quartiles": q,
                       "precision_at_share": prec}
    return {"tender_hashes": np.unique(_hash_tenders(table)), "markets": per, "scores": scores_are}


def seen_share(profile: dict, table: pd.DataFrame) -> float:
    """Share of the tenders of `table` (a tender feature table) that were training tenders of the model."""
    return float(np.isin(_hash_tenders(table), profile["tender_hashes"]).mean()) if len(table) else 0.0


def outside_training(profile: dict, table: pd.DataFrame) -> list[str]:
    """Screens whose median in `table` (tenders with 3+ bids) lies outside every training market's interquartile range."""
    enough = table["n_bids"] >= 3 if "n_bids" in table.columns else np.ones(len(table), dtype=bool)
    out = []
    for c in PROFILE_SCREENS:
        ranges = [m["quartiles"][c] for m in profile["markets"].values() if c in m["quartiles"]]
        if not ranges or c not in table.columns or table.loc[enough, c].notna().sum() < 10:
            continue
        med = float(np.nanmedian(table.loc[enough, c].to_numpy(dtype=float)))
        if not any(lo <= med <= hi for lo, _, hi in ranges):
            out.append(f"{c} median {med:.3g} (training markets' quartiles: "
                       + ", ".join(f"{lo:.3g}-{hi:.3g}" for lo, _, hi in ranges) + ")")
    return out


def transfer_flags(profile: dict, score: np.ndarray, share: float) -> tuple[np.ndarray, str]:
    """(0/1 flags on the top `share` of `score`, the sentence saying so with the precision the training markets saw)."""
    if not 0.0 < float(share) < 1.0:
        raise ValueError(f"flag share must lie strictly between 0 and 1; got {share!r}.")
    score = np.asarray(score, dtype=float)
    k = max(1, int(round(share * len(score)))) if len(score) else 0
    order = np.argsort(-score, kind="stable")
    flag = np.zeros(len(score), dtype=int)
    flag[order[:k]] = 1
    near = min(SHARES, key=lambda a: abs(a - share))
    seen = "; ".join(f"{m} {v['precision_at_share'][f'{near:g}']:.0%} (base rate {v['collusive_share']:.0%})"
                     for m, v in profile["markets"].items())
    words = (f"a market the model was not trained on: flagged the top {share:.0%} of its tenders ({k}), not a "
             f"probability threshold (that would carry the training markets' collusion rates); in the training markets "
             f"the top {near:.0%} by this model held {seen} collusive tenders ({profile['scores']} scores); expect less "
             f"here, by how much depends on this market's unknown collusion rate")
    return flag, words
