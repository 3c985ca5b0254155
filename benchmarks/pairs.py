"""Pair evidence on one million bids against the pandas self-merge on `tender_id`, time and peak memory, in one run.

Both sides compute the same per-pair columns for every unordered pair of bids from different bidders in a tender: relative
price gap, log price ratio, submission-time gap, the two winner flags and equal-metadata flags for four metadata columns (a
missing value never equal). The baseline is what a pandas user writes: `bids.merge(bids, on="tender_id")`, keep
`bidder_id_a < bidder_id_b`, compute the columns. Goals: the project is >= 20x faster and needs <= 1/5 of the peak
memory.

Each side runs in its own fresh process on the same Parquet file: the process loads the bids, warms up on a slice of 2,000
bids (the project's kernels are loaded from the Numba cache, pandas does its first-call set-up), then resets its peak-RSS
mark (`/proc/self/clear_refs`), runs once, and reports wall time, CPU time (all threads; on a shared, loaded machine the
fairer figure) and the peak RSS above the resident size just before the run. The two sides alternate `--repeat` times
(default 3, fresh processes each time) and the medians are compared: the first pair of processes is often slower on both
sides (the machine finding memory), and a loaded machine moves single runs by 2x. Then `bidder_pairs` (aggregation per bidder pair) is timed
on top, for information.

Run: `/tmp/venv/bin/python benchmarks/pairs.py [--bids N] [--repeat R]`.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FIELDS = ["ip", "device_id", "file_hash", "agent_id"]


def make_bids(n_bids: int, seed: int = 0) -> pd.DataFrame:
    """Tenders of 2-12 bids (mean 7) from 30,000 bidders, with submission times, winners and four metadata columns."""
    rng = np.random.default_rng(seed)
    n_t = n_bids // 7
    sizes = rng.integers(2, 13, n_t)
    tid = np.repeat(np.arange(n_t), sizes)
    n = len(tid)
    first = np.r_[True, tid[1:] != tid[:-1]]
    frame = pd.DataFrame({
        "tender_id": np.char.add("T", tid.astype(str)),
        "bidder_id": np.char.add("B", rng.integers(0, 30_000, n).astype(str)),
        "price": rng.lognormal(13, 1, n_t)[tid] * rng.uniform(0.9, 1.1, n),
        "submitted_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s"),
        "is_winner": first.astype(float),
    })
    for f in FIELDS:
        v = np.char.add(f + "-", rng.integers(0, 200_000, n).astype(str)).astype(object)
        v[rng.random(n) < 0.2] = None
        frame[f] = v
    return frame


def _rss_kb(key: str) -> int:
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1])
    raise RuntimeError(key)


def child(which: str, path: str) -> None:
    sys.path.insert(0, str(ROOT))
    import gc

    bids = pd.read_parquet(path)
    if which == "project":
        from features.evidence.pairs import bid_pairs, bidder_pairs

        bid_pairs(bids.head(2000))  # load the kernels from the Numba cache (or compile)

        def run():
            return bid_pairs(bids, fields=FIELDS)
    else:
        def merge_pairs(bids):
            m = bids.merge(bids, on="tender_id", suffixes=("_a", "_b"))
            m = m[m["bidder_id_a"] < m["bidder_id_b"]]
            out = pd.DataFrame({"tender_id": m["tender_id"], "bidder_a": m["bidder_id_a"], "bidder_b": m["bidder_id_b"],
                                "price_gap": (m["price_a"] - m["price_b"]).abs() / np.minimum(m["price_a"], m["price_b"]),
                                "log_ratio": np.log(m["price_a"] / m["price_b"]),
                                "time_gap_s": (m["submitted_at_a"] - m["submitted_at_b"]).abs().dt.total_seconds(),
                                "win_a": m["is_winner_a"], "win_b": m["is_winner_b"]})
            for f in FIELDS:
                out[f"same_{f}"] = ((m[f + "_a"] == m[f + "_b"]) & m[f + "_a"].notna()).astype("int8")
            return out

        merge_pairs(bids.head(2000))  # warm up the same way as the project's side (pandas' first-call set-up)

        def run():
            return merge_pairs(bids)
    gc.collect()
    before = _rss_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak-RSS mark (VmHWM) to the current RSS
    t, c = time.perf_counter(), time.process_time()
    res = run()
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    peak = _rss_kb("VmHWM") - before
    extra = {}
    if which == "project":
        t = time.perf_counter()
        agg = bidder_pairs(bids, pairs=res)
        extra = {"bidder_pairs_s": time.perf_counter() - t, "bidder_pairs": len(agg)}
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak / 1024, "rows": len(res), **extra}))


def measure(which: str, path: str) -> dict:
    r = subprocess.run([sys.executable, __file__, "--child", which, path], capture_output=True, text=True,
                       env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    if r.returncode:
        raise SystemExit(f"{which} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bids", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="alternate the two sides R times and compare medians")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        child(*a.child)
        return 0
    bids = make_bids(a.bids)
    with tempfile.TemporaryDirectory() as d:
        path = str(Path(d) / "bids.parquet")
        bids.to_parquet(path)
        runs = {"project": [], "merge": []}
        for _ in range(max(1, a.repeat)):
            for which in runs:
                runs[which].append(measure(which, path))
    proj, base = ({k: (float(np.median([r[k] for r in rs])) if k != "rows" else rs[0][k]) for k in rs[0]}
                  for rs in (runs["project"], runs["merge"]))
    if a.repeat > 1:
        for which, rs in runs.items():
            print(f"{which}: wall s " + " ".join(f"{r['seconds']:.2f}" for r in rs) + "; CPU s "
                  + " ".join(f"{r['cpu']:.2f}" for r in rs) + "; peak MB " + " ".join(f"{r['peak_mb']:.0f}" for r in rs))
    if proj["rows"] != base["rows"]:
        print(f"warning: the two sides produced {proj['rows']:,} and {base['rows']:,} pairs")
    print(f"{len(bids):,} bids in {bids['tender_id'].nunique():,} tenders -> {proj['rows']:,} pairs of bids")
    what = f"median of {a.repeat} runs each" if a.repeat > 1 else "one run each"
    print(f"({what}, sides alternating in fresh processes)")
    print(f"project bid_pairs: {proj['seconds']:.2f} s wall, {proj['cpu']:.2f} s CPU (all threads), peak +{proj['peak_mb']:.0f} MB")
    print(f"pandas self-merge: {base['seconds']:.2f} s wall, {base['cpu']:.2f} s CPU, peak +{base['peak_mb']:.0f} MB")
    speed, mem = base["seconds"] / proj["seconds"], proj["peak_mb"] / base["peak_mb"]
    print(f"-> project is {speed:.1f}x faster in wall time (goal >= 20x; {base['cpu'] / proj['cpu']:.1f}x in CPU time) "
          f"with {mem:.2f} of the merge's peak memory (goal <= 0.20); machine load average {os.getloadavg()[0]:.1f}")
    print(f"bidder_pairs on top (aggregation to {int(proj['bidder_pairs']):,} bidder pairs): {proj['bidder_pairs_s']:.2f} s")
    return 0 if speed >= 20 and mem <= 0.2 else 1


if __name__ == "__main__":
    sys.exit(main())
