"""Generation time and peak memory of the synthetic city, per scale.

    /tmp/venv/bin/python benchmarks/simulate.py                     # tiny and city, CSV
    /tmp/venv/bin/python benchmarks/simulate.py --scales tiny city province --format parquet

Each scale runs in its own subprocess (so peak memory is that run's own ru_maxrss) writing into a temporary folder that is
removed afterwards; nothing in the repository changes. Prints seconds, peak resident memory, rows per table and size on disk.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from riskmodels.simulation import simulate
t = time.perf_counter()
s = simulate(sys.argv[1], scale=sys.argv[2], seed=int(sys.argv[3]), fmt=sys.argv[4])
s["wall"] = time.perf_counter() - t
s["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(s))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", nargs="+", default=["tiny", "city"], choices=["tiny", "city", "province"])
    ap.add_argument("--format", default="csv", choices=["csv", "parquet"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    root = Path(__file__).resolve().parents[1]
    for scale in args.scales:
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([sys.executable, "-c", CHILD, f"{d}/city", scale, str(args.seed), args.format],
                               capture_output=True, text=True, cwd=root)
            if r.returncode:
                print(f"{scale}: failed: {(r.stderr.strip().splitlines() or ['?'])[-1]}")
                return 1
            s = json.loads(r.stdout.strip().splitlines()[-1])
            disk = sum(p.stat().st_size for p in Path(d).rglob("*") if p.is_file()) / 1024 ** 2
        rows = ", ".join(f"{k} {v:,}" for k, v in s["tables"].items())
        print(f"{scale:9s} {args.format}: {s['wall']:6.1f} s, peak {s['peak_mb']:7.0f} MB, {disk:7.0f} MB on disk; "
              f"{s['cartels']} cartels in {s['collusive_tenders']:,} tenders; {rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
