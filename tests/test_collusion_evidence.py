"""The no-model score uses the evidence a dataset has: the variance screen on prices, ties between bidders where they
exist, and cross-tender patterns only where ties corroborate them; absent or constant evidence never dilutes it."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from features.dataset import load_dataset
from riskmodels import collusion as C
from riskmodels.collusion_model import evidence_families, evidence_weights


def _price_only(path, seed=0, n=120, meta=True):
    """Anonymous bids (one id per bid), a metadata column that is the same everywhere, no bid items."""
    rng = np.random.default_rng(seed)
    tenders, bids = [], []
    for t in range(n):
        tid = f"T{t:03d}"
        k = int(rng.integers(2, 7))
        coll = t % 4 == 0
        spread = rng.uniform(0.005, 0.03) if coll else rng.uniform(0.02, 0.25)
        p = 1e5 * (1 + spread * rng.standard_normal(k))
        tenders.append({"tender_id": tid, "collusive": int(coll)})
        for j, x in enumerate(p):
            row = {"tender_id": tid, "bidder_id": f"{tid}-{j}", "anonymous": 1, "price": round(float(x), 2),
                   "is_winner": int(j == int(np.argmin(p)))}
            if meta:
                row["ip"] = "10.0.0.1"
            bids.append(row)
    path.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(tenders).to_csv(path / "tenders.csv", index=False)
    pd.DataFrame(bids).to_csv(path / "bids.csv", index=False)
    return path


def test_price_only_market_is_scored_by_the_variance_screen_alone(tmp_path):
    ds = load_dataset(_price_only(tmp_path / "m"))
    out = C.score_dataset(ds)
    t, s = out["table"], out["scores"]
    assert C.composite_columns(t) == ["cv"]  # constant metadata, no graph, no flags: nothing else enters
    three = (t["n_bids"] >= 3).to_numpy()
    y = t["collusive"].to_numpy()[three]
    assert roc_auc_score(y, s["score"].to_numpy()[three]) == roc_auc_score(y, -t["cv"].to_numpy()[three])
    # tenders with two bids get no screen, and no screen statistic among their reasons
    two = s[(t["n_bids"] == 2).to_numpy()]
    assert len(two) and not two["reasons"].str.contains("coefficient of variation").any()
    assert two["reasons"].str.contains("too few for bid screens").all()


def test_patterns_enter_only_with_ties_and_constant_evidence_never():
    rng = np.random.default_rng(0)
    n = 50
    t = pd.DataFrame({"n_bids": rng.integers(2, 6, n), "cv": rng.uniform(0, 0.2, n),
                      "group_share": rng.uniform(0, 1, n), "pattern_flags": rng.integers(0, 2, n).astype(float),
                      "tied_pairs": np.zeros(n), "pair_share_meta": np.full(n, np.nan)})
    fam = evidence_families(t)
    assert fam == {"cv": "prices"}  # no ties: groups and pattern flags stay out; constant / empty ties too
    t["tied_pairs"] = rng.integers(0, 3, n).astype(float)
    fam = evidence_families(t)
    assert fam == {"cv": "prices", "tied_pairs": "ties", "group_share": "patterns", "pattern_flags": "patterns"}
    w = evidence_weights(fam)
    assert w == {"cv": 1.0, "tied_pairs": 1.0, "group_share": 0.5, "pattern_flags": 0.5}  # each family weighs 1


def test_ties_raise_the_score_of_tied_tenders(tmp_path):
    d = _price_only(tmp_path / "m", meta=False)
    b = pd.read_csv(d / "bids.csv")
    b["ip"] = [f"10.0.{i}.1" for i in range(len(b))]
    tied = b["tender_id"].isin(["T001", "T005"])  # two competitive tenders whose bids came from one address
    b.loc[tied, "ip"] = "10.9.9.9"
    b.to_csv(d / "bids.csv", index=False)
    out = C.score_dataset(load_dataset(d), graph=False, flags=False)
    fam = evidence_families(C.composite_frame(out["table"])[0])
    assert fam["cv"] == "prices" and "ties" in fam.values()
    s = out["scores"].set_index("tender_id")["score"]
    assert s.loc[["T001", "T005"]].min() > s.drop(index=["T001", "T005"]).median()
