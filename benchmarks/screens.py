"""Tender screens on one million bids (100k tenders, string ids), measured in one run against two pandas baselines:

- the `groupby().apply()` with a Python function per tender that a pandas user writes first (timed on a 10% subset of the
  tenders and extrapolated linearly; goal: the project is >= 100x faster), and
- one grouped aggregation pass `groupby("tender_id")["price"].agg(["mean", "std", "min", "max", "skew"])` (goal: the project
  takes <= 5x its time) -- a floor: it computes fewer and simpler statistics.

Run: `/tmp/venv/bin/python benchmarks/screens.py [--bids N] [--repeat R]` (best of R timings for the project and the agg pass).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from features.evidence.screens import tender_screens  # noqa: E402


def naive_screens(prices) -> pd.Series:
    """The per-tender Python function of the baseline (textbook screens with numpy/scipy/pandas)."""
    from scipy import stats

    b = np.sort(np.asarray(prices, dtype=float))
    n = len(b)
    out = {"n_bids": n}
    out["cv"] = b.std(ddof=1) / b.mean() if n >= 2 else np.nan
    out["spd"] = (b[-1] - b[0]) / b[0] if n >= 2 else np.nan
    out["diffp"] = (b[1] - b[0]) / b[0] if n >= 2 else np.nan
    out["rd"] = (b[1] - b[0]) / b[1:].std(ddof=1) if n >= 3 and b[1:].std(ddof=1) > 0 else np.nan
    out["rdnor"] = (b[1] - b[0]) / np.diff(b).mean() if n >= 3 and b[-1] > b[0] else np.nan
    out["rdalt"] = (b[1] - b[0]) / np.diff(b[1:]).mean() if n >= 3 and b[-1] > b[1] else np.nan
    s = pd.Series(b)
    out["kurt"] = s.kurt() if n >= 4 else np.nan
    out["skew"] = s.skew() if n >= 3 else np.nan
    out["ks"] = stats.kstest(b, "uniform", args=(b[0], b[-1] - b[0])).statistic if n >= 2 and b[-1] > b[0] else np.nan
    return pd.Series(out)


def make_bids(n_bids: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_t = n_bids // 10
    sizes = rng.integers(2, 19, n_t)
    tid = np.repeat(np.arange(n_t), sizes)
    price = rng.lognormal(13, 1, n_t)[tid] * rng.uniform(0.9, 1.1, len(tid))
    return pd.DataFrame({"tender_id": tid.astype(str), "bidder_id": "x", "price": price}).sample(frac=1, random_state=seed)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bids", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    bids = make_bids(a.bids)
    tender_screens(bids.head(1000))  # compile or load the cached kernels
    t_proj = best(lambda: tender_screens(bids), a.repeat)
    t_agg = best(lambda: bids.groupby("tender_id")["price"].agg(["mean", "std", "min", "max", "skew"]), a.repeat)
    tenders = bids["tender_id"].unique()
    small = bids[bids["tender_id"].isin(tenders[: len(tenders) // 10])]
    t = time.perf_counter()
    small.groupby("tender_id")["price"].apply(naive_screens)
    t_naive = (time.perf_counter() - t) * len(bids) / len(small)
    print(f"{len(bids):,} bids in {len(tenders):,} tenders")
    print(f"project tender_screens: {t_proj:.2f} s (best of {a.repeat})")
    print(f"naive groupby-apply: {t_naive:.1f} s (extrapolated from {len(small):,} bids) -> project is {t_naive / t_proj:.0f}x faster (goal >= 100x)")
    print(f"one grouped agg pass (mean, std, min, max, skew): {t_agg:.2f} s -> project / agg = {t_proj / t_agg:.2f} (goal <= 5)")
    return 0 if t_naive / t_proj >= 100 and t_proj / t_agg <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
