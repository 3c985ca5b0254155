"""How well the pair evidence separates planted cartel pairs from honest co-bidders on the synthetic city.

Simulates a city (`riskmodels.simulation`, or reads an existing dataset with `truth/cartels.csv`), computes
`features.evidence.pairs.bidder_pairs` with the itemised bills, labels each bidder pair that met in at least `--min-co-bids` tenders
1 when both firms are members of the same planted cartel, and prints the ROC AUC of each evidence column (its direction
fixed in advance: a higher value is more suspicious, except `ratio_sd`, `gap_min`, `gap_mean`, `time_gap_min` where lower
is) and of an unsupervised combination (the mean of the per-column percentile ranks of `COMBINED`; no training), also
without `co_bid_rate` (the evidence apart from how often the two firms meet).

Run: `/tmp/venv/bin/python benchmarks/pair_evidence_auc.py --scale tiny` (or `--scale city`, or `--data DIR`).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LOWER_IS_SUSPICIOUS = {"ratio_sd", "gap_min", "gap_mean", "time_gap_min", "time_gap_mean"}
COMBINED = ("shared_meta_rate", "ratio_sd", "co_bid_rate", "item_identical_mean", "same_odd_items", "same_wrong_totals",
            "gap_min", "time_gap_min")


def labelled_pairs(data: Path, min_co_bids: int) -> pd.DataFrame:
    from features.io.dataset import load_dataset
    from features.evidence.pairs import bidder_pairs

    ds = load_dataset(data, tables=["bids", "bid_items"], require=["bids"])
    t = time.perf_counter()
    pairs = bidder_pairs(ds.require("bids"), ds.get("bid_items"), min_co_bids=min_co_bids)
    seconds = time.perf_counter() - t
    cartels = pd.read_csv(data / "truth" / "cartels.csv", dtype=str)
    member = {}
    for c in cartels.itertuples():
        for m in str(c.members).split(";"):
            member.setdefault(m, set()).add(c.cartel_id)
    a, b = pairs["bidder_a"].astype(str), pairs["bidder_b"].astype(str)
    pairs["cartel_pair"] = [bool(member.get(x, set()) & member.get(y, set())) for x, y in zip(a, b)]
    pairs["shared_meta_rate"] = pairs["shared_meta_tenders"] / pairs["co_bids"]
    pairs.attrs["seconds"] = seconds
    return pairs


def auc(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    ok = np.isfinite(score)
    if ok.sum() < 2 or len(np.unique(y[ok])) < 2:
        return float("nan")
    return roc_auc_score(y[ok], score[ok])


def report(pairs: pd.DataFrame) -> dict:
    y = pairs["cartel_pair"].to_numpy()
    cols = [c for c in pairs.columns if pairs[c].dtype.kind in "fiu" and c not in ("cartel_pair",)]
    res = {}
    for c in cols:
        s = pairs[c].to_numpy(dtype=float)
        res[c] = auc(y, -s if c in LOWER_IS_SUSPICIOUS else s)
    def combined(columns):
        ranks = []
        for c in columns:
            if c in pairs.columns:
                s = pairs[c].astype(float)
                r = (-s if c in LOWER_IS_SUSPICIOUS else s).rank(pct=True)
                ranks.append(r.fillna(0.5))  # missing evidence: neutral
        return auc(y, np.mean(ranks, axis=0))

    res["combined"] = combined(COMBINED)
    # the same without how often the two meet: what the price, time, metadata and bill evidence says on its own
    res["combined_without_co_bidding"] = combined([c for c in COMBINED if c != "co_bid_rate"])
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="tiny")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, help="an existing dataset with truth/cartels.csv (skips the simulation)")
    ap.add_argument("--min-co-bids", type=int, default=1)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        data = a.data
        if data is None:
            from riskmodels.simulation import simulate

            data = Path(d) / "city"
            simulate(data, scale=a.scale, seed=a.seed)
        pairs = labelled_pairs(data, a.min_co_bids)
    res = report(pairs)
    n_pos = int(pairs["cartel_pair"].sum())
    print(f"{len(pairs):,} bidder pairs that met in >= {a.min_co_bids} tender(s), {n_pos:,} of them planted cartel pairs "
          f"(bidder_pairs {pairs.attrs['seconds']:.1f} s)")
    for c, v in sorted(res.items(), key=lambda kv: -np.nan_to_num(kv[1])):
        print(f"  AUC {v:.3f}  {c}{' (lower is suspicious)' if c in LOWER_IS_SUSPICIOUS else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
