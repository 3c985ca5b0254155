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

Which market a scored dataset is (`scored_market`): the training market most of its tenders come from; else, for a
model trained on one market, that market (new tenders of the market the model knows: its kept market statistics rank
them, `riskmodels.collusion.batch`); else, or when the user says `new`, a market the model was not trained on.

There the model must not rank worse than no model (`transfer_guard`): `train` holds each training market out in turn
(`pipeline.transfer_check`) and records, per held-out market, the ROC-AUC of the model, of the no-model score
(`collusion score` without a model: the evidence-aware composite, -cv on price-only data) and of their blend (the mean
of the model's rank and the no-model score within the market). `guarded_score` then uses on a new market the one of
the three that was never worse than the no-model score on a held-out market, by `GUARD_TOLERANCE`, with the best mean
(the no-model score itself when neither the model nor the blend qualifies, and when there was no held-out market: a
model from one market has shown nothing about transfer).
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
    hashes = _hash_tenders(table)
    return {"tender_hashes": np.unique(hashes), "markets": per, "scores": scores_are,
            "market_hashes": {str(m): np.unique(hashes[markets == m]) for m in dict.fromkeys(markets)}}


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


GUARD_TOLERANCE = 0.0  # on a held-out training market, the model (or blend) may not rank below the no-model score
USES = ("model", "blend", "no-model")


def transfer_guard(check: dict, method: str, tolerance: float = GUARD_TOLERANCE) -> dict:
    """What a model may do on a new market, from `pipeline.transfer_check`'s held-out figures for `method` (with its
    `no_model` and `blend_<method>` entries): {"markets": {held-out market: {"model", "no_model", "blend"} ROC-AUC},
    "use": one of USES, "why": a sentence}."""
    res, base, blend = check.get(method, {}), check.get("no_model", {}), check.get(f"blend_{method}", {})
    rows = {m: {"model": float(res[m]), "no_model": float(base[m]), "blend": float(blend[m])}
            for m in res if m != "mean" and m in base and m in blend}
    if not rows:
        return {"markets": {}, "use": "no-model",
                "why": "no training market could be held out, so nothing shows that the model transfers"}
    mean = {u: float(np.mean([r[k] for r in rows.values()])) for u, k in (("model", "model"), ("blend", "blend"),
                                                                            ("no-model", "no_model"))}
    ok = [u for u, k in (("model", "model"), ("blend", "blend"))
          if all(r[k] >= r["no_model"] - tolerance for r in rows.values())]
    use = max(ok, key=mean.get) if ok else "no-model"
    if mean[use] <= mean["no-model"]:
        use = "no-model"
    figures = "; ".join(f"{m}: model {r['model']:.3f}, blend {r['blend']:.3f}, no model {r['no_model']:.3f}"
                        for m, r in rows.items())
    why = {"model": "the model ranked every held-out training market at least as well as the no-model score",
           "blend": "the blend of the model and the no-model score ranked every held-out training market at least as "
                    "well as the no-model score, and better on average than the model alone",
           "no-model": "neither the model nor its blend ranked every held-out training market at least as well as the "
                       "no-model score"}[use]
    return {"markets": rows, "use": use, "why": f"{why} ({figures})"}


def within_rank(v: np.ndarray) -> np.ndarray:
    """Percentile rank in (0, 1] within the scored rows (ties averaged; NaN stays NaN)."""
    return pd.Series(np.asarray(v, dtype=float)).rank(pct=True).to_numpy()


def blend(model_score: np.ndarray, no_model: np.ndarray) -> np.ndarray:
    """The blend of `transfer_guard`: the mean of the model's rank within the market and the no-model score (itself a
    mean of positions within the market, 0.5 where it has no evidence)."""
    nm = np.asarray(no_model, dtype=float)
    return 0.5 * within_rank(model_score) + 0.5 * np.where(np.isnan(nm), 0.5, nm)


def guarded_use(model) -> tuple[str, str]:
    """(use, why) on a market `model` was not trained on (`transfer_guard`, stored by `train` as `transfer_guard_`)."""
    guard = getattr(model, "transfer_guard_", None)
    if not guard:
        n = len((getattr(model, "training_profile_", None) or {}).get("markets", {}))
        return "no-model", ("the model was trained on one market, so nothing shows that it transfers" if n == 1 else
                            "the model records no transfer check (trained before it was kept)")
    return guard["use"], guard["why"]


def scored_market(model, table: pd.DataFrame, market: str | None = None) -> tuple[str | None, str]:
    """(training market the scored `table` belongs to, or None for a new market; the sentence saying why) (module doc).
    `market`: None (decide), 'new', or the name of a training market (its full name or its last path part)."""
    from pathlib import PurePath

    from features.core.errors import InputError

    profile = getattr(model, "training_profile_", None) or {}
    names = list((getattr(model, "market_stats_", None) or {}) or profile.get("markets", {}))
    if market is not None:
        if str(market).lower() == "new":
            return None, "a market the model was not trained on (as --market new says)"
        hit = [m for m in names if m == str(market) or PurePath(m).name == str(market)]
        if not hit:
            raise InputError(f"--market {market}: not a training market of the model (its markets: "
                             f"{', '.join(names) or 'none recorded'}; or 'new')")
        return hit[0], f"the training market {hit[0]} (as --market says)"
    if profile and seen_share(profile, table) >= NEW_MARKET_OVERLAP:
        per = profile.get("market_hashes") or {}
        keys = _hash_tenders(table)
        best = max(per, key=lambda m: np.isin(keys, per[m]).mean()) if per else (names[0] if names else None)
        return best, f"the training market {best} (most of its tenders were training tenders)"
    if len(names) == 1:
        return names[0], (f"new tenders of the model's one training market {names[0]} (its kept market statistics rank "
                          "them; --market new if they come from another market)")
    return None, "a market the model was not trained on (few of its tenders were training tenders)"
