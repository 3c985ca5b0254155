"""The review queue: which tenders an investigator should look at next, learning from every verdict so far.

Before any verdict the queue is the no-model score (`riskmodels.cases.scoring.no_model_scores`; on price-only data it is
the screen -cv, the best ranking known without labels). After verdicts it blends two rankings by their rank positions:

    score = (1 - w) * rank(no-model score) + w * rank(learned model),   w = n / (n + PRIOR_VERDICTS)

where the learned model is a small LightGBM on the market-ranked screens and the other market-free evidence of the
tender table, fitted on the n tenders judged collusive or clean. Measured offline on six labelled markets, this found
about 1.17 times what the static -cv list found in five rounds of 2% of a market (docs/cases.md gives this project's own
figures). When the verdicts contradict the no-model score (once both classes have `CONTRADICTION_MIN` verdicts, the collusive
tenders' no-model scores are lower than the clean ones' beyond chance: one-sided Mann-Whitney p < `CONTRADICTION_P`, as on
a market where -cv points the wrong way), the queue stops following it and ranks by
the learned model alone; the `why` column says so. Tenders with any verdict (unsure included) never enter the queue.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from features.core.errors import InputError

PRIOR_VERDICTS = 50  # the verdicts at which the learned model and the no-model score weigh the same
MIN_CLASS = 2  # verdicts of each class (collusive, clean) before a model is learned
MIN_RARER = 10  # verdicts of the rarer kind at which the learned model gets its full weight n / (n + PRIOR_VERDICTS)
CONTRADICTION_MIN = 5  # verdicts of each class before the no-model score can be judged contradicted
CONTRADICTION_P = 0.05  # one-sided Mann-Whitney p-value below which the verdicts contradict it


def _rank01(x: np.ndarray) -> np.ndarray:
    """Positions in [0, 1] (mid-ranks), 1 = highest; unknowns in the middle."""
    s = pd.Series(np.asarray(x, dtype=float))
    r = s.rank(method="average", pct=True)
    return r.fillna(0.5).to_numpy()


def learned_model(seed: int = 0):
    """The small tree model the queue learns from verdicts: shallow, strongly regularised, deterministic."""
    from lightgbm import LGBMClassifier

    return LGBMClassifier(n_estimators=120, learning_rate=0.05, num_leaves=7, min_child_samples=3, subsample=0.9,
                          subsample_freq=1, colsample_bytree=0.8, reg_lambda=1.0, random_state=seed, n_jobs=1,
                          verbose=-1, deterministic=True, force_row_wise=True)


def feature_columns(table: pd.DataFrame) -> list[str]:
    """The learned model's inputs: the market-free columns of the tender table (`model_columns(..., 'transfer')`)."""
    from riskmodels.collusion.tables import model_columns

    return model_columns(table, "transfer")


def verdict_labels(current: pd.DataFrame) -> pd.Series:
    """tender_id -> 1 (collusive) / 0 (clean) from the current verdicts; unsure verdicts carry no label."""
    c = current[current["verdict"].isin(["collusive", "clean"])]
    return pd.Series((c["verdict"] == "collusive").astype(int).to_numpy(), index=c["tender_id"].astype(str))


def blend(table: pd.DataFrame, prior: np.ndarray, labels: pd.Series, seed: int = 0) -> tuple[np.ndarray, dict]:
    """(queue score per row of `table`, what was done) from the no-model `prior` and the verdict `labels`."""
    from sklearn.metrics import roc_auc_score

    ids = table["tender_id"].astype(str)
    y = ids.map(labels)
    known = y.notna().to_numpy()
    n_pos, n_neg = int((y == 1).sum()), int((y == 0).sum())
    info = {"verdicts": n_pos + n_neg, "collusive": n_pos, "clean": n_neg, "model_weight": 0.0, "prior_auc": None,
            "prior_followed": True}
    prior_rank = _rank01(prior)
    if n_pos < MIN_CLASS or n_neg < MIN_CLASS:
        return prior_rank, info
    cols = feature_columns(table)
    X = table[cols].astype(float)
    yk = y[known].astype(int).to_numpy()
    model = learned_model(seed).fit(X[known], yk)
    learned = model.predict_proba(X)[:, 1]
    n = n_pos + n_neg
    # the model's weight grows with the verdicts, and only as fast as the rarer kind allows: a model learned from two
    # collusive tenders is mostly noise, which must not pull a good prior down on a small market
    w = n / (n + PRIOR_VERDICTS) * min(1.0, min(n_pos, n_neg) / MIN_RARER)
    pk = prior[known]
    auc = float(roc_auc_score(yk, pk))
    info["prior_auc"] = auc
    if n_pos >= CONTRADICTION_MIN and n_neg >= CONTRADICTION_MIN and auc < 0.5:
        from scipy.stats import mannwhitneyu

        # contradicted = the collusive tenders' prior scores are lower than the clean ones' beyond chance
        p = float(mannwhitneyu(pk[yk == 1], pk[yk == 0], alternative="less").pvalue)
        info["prior_p"] = p
        if p < CONTRADICTION_P:
            w, info["prior_followed"] = 1.0, False
    info["model_weight"] = float(w)
    info["features"] = len(cols)
    return (1 - w) * prior_rank + w * _rank01(learned), info


def why_text(info: dict) -> str:
    """The `why` of every row of one queue: how it was ranked."""
    if info["verdicts"] == 0 or info["model_weight"] == 0:
        have = (f"{info['verdicts']} verdict(s) ({info['collusive']} collusive, {info['clean']} clean)"
                if info["verdicts"] else "no verdicts yet")
        return (f"no-model score ({have}; a model is learned once each kind has {MIN_CLASS})")
    base = (f"learned from {info['verdicts']} verdicts ({info['collusive']} collusive, {info['clean']} clean)")
    if not info["prior_followed"]:
        return (base + f"; the verdicts contradict the no-model score (its AUC on the judged tenders "
                f"{info['prior_auc']:.2f} < 0.5, p = {info['prior_p']:.3f}), so it is no longer followed: ranked by the learned model alone")
    return base + (f", blended with the no-model score (model weight {info['model_weight']:.2f} = n/(n+{PRIOR_VERDICTS}); "
                   f"no-model AUC on the judged tenders {info['prior_auc']:.2f})")


def review_queue(ds, store, budget: int, settings=None, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """The next `budget` tenders of dataset `ds` to review, none already judged in `store`: columns tender_id, rank,
    score (the queue's blended rank score, 0-1), no_model_score, why, reasons. Returns (queue, info)."""
    if budget < 1:
        raise InputError(f"--budget must be at least 1; got {budget}")
    from riskmodels.cases.scoring import no_model_scores

    r = no_model_scores(ds, settings)
    table, scores = r["table"], r["scores"]
    current = store.current_verdicts()
    judged = set(current["tender_id"].astype(str))
    prior = scores["score"].to_numpy(dtype=float)
    score, info = blend(table, prior, verdict_labels(current), seed=seed)
    q = pd.DataFrame({"tender_id": scores["tender_id"].astype(str), "score": score, "no_model_score": prior,
                      "reasons": scores["reasons"]})
    q = q[~q["tender_id"].isin(judged)]
    q = q.sort_values(["score", "no_model_score", "tender_id"], ascending=[False, False, True], kind="stable").head(budget)
    q.insert(1, "rank", np.arange(1, len(q) + 1))
    q.insert(4, "why", why_text(info))
    info.update(available=int((~scores["tender_id"].astype(str).isin(judged)).sum()), judged=len(judged),
                queued=int(len(q)))
    return q.reset_index(drop=True), info


def queue_to_file(ds, store, budget: int, out, settings=None) -> dict:
    """`cases queue`: write the next `budget` tenders to review to `out`; returns what `review_queue` reports."""
    from features.io.export import write_table

    q, info = review_queue(ds, store, budget, settings)
    write_table(q, out)
    info["why"] = why_text(info)
    return info
