"""The co-bidding graph: bidders as nodes, an edge for every pair that bid in the same tenders.

Edge attributes say how often the two met (`co_bids`) and who won when both bid (`a_won`/`b_won`: wins of the endpoint whose id sorts first,
and of the other), so cover relations (one firm keeps losing to the same winner) and
rotation (wins shared out inside a closed group) can be read off. The projection of the pair evidence (co-bids, wins
when both bid, price-ratio constancy, shared metadata) comes from `features.evidence.pairs.bidder_pairs`; the per-bidder
counts here use the sparse bidder x tender incidence matrix (wins over a bidder = W'B).

All functions take prepared bids (canonical columns, ids as text, `is_winner` 0/1/NaN) and never modify them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp


def _incidence(bids: pd.DataFrame):
    """(tender codes, bidder ids, B tenders x bidders 0/1, W tenders x bidders winners 0/1)."""
    b = bids[["tender_id", "bidder_id"]].astype(str)
    t_codes, t_uniques = pd.factorize(b["tender_id"], sort=True)
    f_codes, f_uniques = pd.factorize(b["bidder_id"], sort=True)
    shape = (len(t_uniques), len(f_uniques))
    ones = np.ones(len(b), dtype=np.float64)
    B = sp.csr_matrix((ones, (t_codes, f_codes)), shape=shape)
    B.data[:] = 1.0  # a firm that bid twice in one tender still met its rivals once
    win = _winner_mask(bids)
    W = sp.csr_matrix((ones[win], (t_codes[win], f_codes[win])), shape=shape)
    W.data[:] = 1.0
    return t_uniques, np.asarray(f_uniques, dtype=object), B, W


def _winner_mask(bids: pd.DataFrame) -> np.ndarray:
    if "is_winner" not in bids.columns:
        return np.zeros(len(bids), dtype=bool)
    return (pd.to_numeric(bids["is_winner"], errors="coerce").fillna(0).to_numpy() > 0)


def bidder_stats(bids: pd.DataFrame) -> pd.DataFrame:
    """One row per bidder: `bidder_id`, `n_bids` (tenders entered), `n_wins`, `n_losses` (entered a tender that
    someone else won)."""
    _, firms, B, W = _incidence(bids)
    n_bids = np.asarray(B.sum(axis=0)).ravel()
    n_wins = np.asarray(W.sum(axis=0)).ravel()
    decided = np.asarray(W.sum(axis=1)).ravel() > 0
    n_decided = np.asarray(B[decided].sum(axis=0)).ravel()
    return pd.DataFrame({"bidder_id": firms, "n_bids": n_bids.astype(np.int64), "n_wins": n_wins.astype(np.int64),
                         "n_losses": (n_decided - n_wins).clip(min=0).astype(np.int64)})


PAIR_EXTRA = ("ratio_sd", "gap_mean", "shared_meta_tenders")
EVIDENCE_READ = ("co_bids", "wins_a", "wins_b", "co_bid_rate", *PAIR_EXTRA)  # the pair evidence columns read here


def one_bid_per_firm(bids: pd.DataFrame) -> pd.DataFrame:
    """One bid per (tender, bidder): a firm that submitted twice (a withdrawn and a valid bid, say) met its rivals once.
    The winning bid is kept first, then a valid one, then the first in the file."""
    key = ["tender_id", "bidder_id"]
    if not bids.duplicated(key).any():
        return bids
    win = _winner_mask(bids).astype(np.int64)
    invalid = ((bids["status"].astype(str) != "valid").to_numpy(np.int64) if "status" in bids.columns
               else np.zeros(len(bids), dtype=np.int64))
    order = np.lexsort((np.arange(len(bids)), invalid, -win))  # best bid of each firm first
    first = ~bids.iloc[order].duplicated(key).to_numpy()
    return bids.iloc[np.sort(order[first])]  # the kept rows, in file order


def cobid_pairs(bids: pd.DataFrame, min_cobids: int = 1, evidence: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per unordered bidder pair that met in at least `min_cobids` tenders, from the pair evidence of
    `features.evidence.pairs.bidder_pairs` (pass it as `evidence` when already computed).

    Columns: `bidder_a` < `bidder_b` (as text), `co_bids` (tenders both entered), `a_won` / `b_won` (of those, tenders
    won by a / by b), `cover` (the share of the shared decided tenders won by the more frequent winner of the two,
    0.5 = even, 1 = one always wins), `overlap` (co_bids / the smaller of the two firms' tender counts), and from the
    pair evidence `ratio_sd` (sd of the log price ratio: small = a fixed price coefficient), `gap_mean`,
    `shared_meta_tenders` (tenders where their bids shared a metadata value).

    Without `evidence` the pair evidence is computed on the current engine (`features.evidence.pairs.PAIR_STEPS`): per tender
    partition, the bid pairs never leaving the workers, the bidder pairs combined after a shuffle on the pair."""
    if evidence is None:
        from features.evidence.pairs import bidder_pairs

        evidence = bidder_pairs(one_bid_per_firm(bids), min_co_bids=max(1, int(min_cobids)), columns=EVIDENCE_READ)
    e = evidence[evidence["co_bids"] >= min_cobids]
    a_won = e["wins_a"].fillna(0).to_numpy(float)
    b_won = e["wins_b"].fillna(0).to_numpy(float)
    decided = a_won + b_won
    with np.errstate(invalid="ignore", divide="ignore"):
        cover = np.where(decided > 0, np.maximum(a_won, b_won) / np.maximum(decided, 1), np.nan)
    out = pd.DataFrame({"bidder_a": e["bidder_a"].astype(str).to_numpy(), "bidder_b": e["bidder_b"].astype(str).to_numpy(),
                        "co_bids": e["co_bids"].to_numpy(np.int64), "a_won": a_won.astype(np.int64),
                        "b_won": b_won.astype(np.int64), "cover": cover,
                        "overlap": e["co_bid_rate"].to_numpy(float)})
    for c in PAIR_EXTRA:
        out[c] = e[c].to_numpy() if c in e.columns else np.nan
    return out


def loss_to_one_winner(bids: pd.DataFrame) -> pd.DataFrame:
    """Per bidder: `top_winner` (the firm it lost to most often), `losses_to_top` and `loss_share_top` (that count over
    all its losses in decided tenders; a cover bidder keeps losing to the same winner)."""
    _, firms, B, W = _incidence(bids)
    L = (W.T @ B).tocsc()  # column j: who beat j, and how often
    L.setdiag(0)
    L.eliminate_zeros()
    stats = bidder_stats(bids)
    top = np.full(len(firms), None, dtype=object)
    cnt = np.zeros(len(firms), dtype=np.int64)
    for j in range(len(firms)):
        s, e = L.indptr[j], L.indptr[j + 1]
        if e > s:
            k = s + int(np.argmax(L.data[s:e]))
            top[j] = firms[L.indices[k]]
            cnt[j] = int(L.data[k])
    losses = stats["n_losses"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(losses > 0, cnt / np.maximum(losses, 1), np.nan)
    return pd.DataFrame({"bidder_id": firms, "top_winner": top, "losses_to_top": cnt, "loss_share_top": share})
