"""The no-model score as the loop uses it: computed on a whole dataset (the prior of the review queue), and kept as market
statistics from a history so that new tenders can be ranked against that history without recomputing it.

The no-model score is `riskmodels.collusion.model.CompositeCollusionScore`: each piece of evidence's position in the
market (its empirical distribution), oriented so that higher is more suspicious, averaged over evidence families. Its
fitted state is exactly the market statistics: the columns used, their weights and directions, and each column's
distribution. `market_statistics` keeps them compressed to at most `QUANTILES` points per column (JSON, in the store);
`score_against` rebuilds the score from them and scores new tenders.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from features.core.errors import InputError

QUANTILES = 1001  # points kept per column of a history's distribution (positions then err by at most 0.05 percent)


def no_model_scores(ds, settings=None, graph: bool = True, flags: bool = True) -> dict:
    """`collusion score` without a model on dataset `ds` (`riskmodels.collusion.pipeline.score_dataset`): its `scores`
    (tender_id, score, flag, reasons), the tender feature `table` and the evidence."""
    from riskmodels.collusion.pipeline import score_dataset

    return score_dataset(ds, None, graph=graph, flags=flags, settings=settings)


def _compress(values: np.ndarray) -> list[float]:
    v = np.sort(values[np.isfinite(values)])
    if v.size <= QUANTILES:
        return v.tolist()
    return np.quantile(v, np.linspace(0, 1, QUANTILES)).tolist()


def evidence_table(ds, settings=None) -> pd.DataFrame:
    """The tender table the no-model score reads, without bidder graphs (too costly for a morning run on new tenders):
    screens, pair evidence and red-flag counts (`riskmodels.collusion.tables`)."""
    from riskmodels.collusion.tables import flag_findings, flag_table, tender_feature_table

    bids = ds.get("bids")
    if bids is None or len(bids) == 0:
        raise InputError(f"{getattr(ds, 'path', 'dataset')}: no accepted bids to score")
    return tender_feature_table(bids, ds.get("tenders"), flags=flag_table(flag_findings(ds, settings)))


def market_statistics(ds, settings=None, table: pd.DataFrame | None = None) -> dict:
    """The no-model score's fitted state on dataset `ds` (its tender `table` when already built; by default
    `evidence_table`): per evidence column its weight, direction and distribution, plus the distribution of the score
    itself over the dataset's tenders."""
    from riskmodels.collusion.composite import composite_frame, composite_score, default_direction, market_positions

    if table is None:
        table = evidence_table(ds, settings)
    X, weights = composite_frame(table)
    cols = list(X.columns)
    if not cols:
        return {"columns": [], "tenders": int(len(table))}
    Xa = X.to_numpy(dtype=float)
    ref = [np.sort(c[np.isfinite(c)]) for c in Xa.T]
    dirs = np.array([default_direction(c) for c in cols], dtype=float)
    w = np.array([float(weights.get(c, 1.0)) for c in cols])
    score = composite_score(market_positions(Xa, ref, dirs), w)
    return {"columns": cols, "weights": dict(zip(cols, w.tolist())), "directions": dict(zip(cols, dirs.astype(int).tolist())),
            "reference": {c: _compress(r) for c, r in zip(cols, ref)}, "score": _compress(score),
            "tenders": int(len(table))}


def score_against(stats: dict, table: pd.DataFrame) -> np.ndarray:
    """The no-model score of the tenders in `table`, each evidence column placed in the history's distribution kept in
    `stats` (`market_statistics`). Columns the history had but `table` lacks count as unknown for every tender."""
    from riskmodels.collusion.composite import composite_frame, composite_score, market_positions

    cols = stats.get("columns") or []
    if not cols:
        raise InputError("the case store's market statistics hold no evidence column; record verdicts on a history "
                         "with bid screens first")
    X, _ = composite_frame(table)
    Xa = X.reindex(columns=cols).to_numpy(dtype=float)
    ref = [np.asarray(stats["reference"][c], dtype=float) for c in cols]
    dirs = np.array([stats["directions"][c] for c in cols], dtype=float)
    w = np.array([stats["weights"][c] for c in cols], dtype=float)
    return composite_score(market_positions(Xa, ref, dirs), w)


def history_share(stats: dict, scores: np.ndarray) -> np.ndarray:
    """Per score, the share of the history's tenders that scored at least as high (0.01 = the top 1% of the history)."""
    ref = np.asarray(stats.get("score") or [], dtype=float)
    if ref.size == 0:
        return np.full(len(scores), np.nan)
    return 1.0 - np.searchsorted(ref, np.asarray(scores, dtype=float), side="left") / ref.size
