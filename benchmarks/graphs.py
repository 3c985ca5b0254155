"""Time to build the bidder graphs and find suspicious groups at city scale; igraph against networkx Louvain.

    python benchmarks/graphs.py                        # simulate a city (--scale city --seed 5) into a temp dir, then time
    python benchmarks/graphs.py --data DIR             # an existing dataset (with DIR/truth/cartels.csv: recovery too)
    python benchmarks/graphs.py --scale tiny --seed 5  # quick
    python benchmarks/graphs.py --synthetic 50000      # also a planted-partition graph of 50k nodes, 500k edges

Prints wall and CPU seconds per stage (the machine is shared: CPU seconds are the steadier figure), the modularity
every engine reaches on the same combined graph, and, when the ground truth is there, how many planted cartels the
ranked groups recover (best Jaccard >= 0.5 among the top 3 x #cartels groups) and where honest groups tied only by
an office building, phone, IP or agent first rank.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from features.io.dataset import load_dataset  # noqa: E402
from features.core.settings import GraphsSettings  # noqa: E402
from graphs import community, groups, pipeline  # noqa: E402

LEAD_RELATIONS = {"building", "address", "phone", "ip", "agent_id"}


class Clock:
    def __init__(self, label: str, rows: list):
        self.label, self.rows = label, rows

    def __enter__(self):
        self.w, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.w, time.process_time() - self.c
        self.rows.append((self.label, self.wall, self.cpu))
        print(f"  {self.label:<44} {self.wall:8.2f} s wall {self.cpu:8.2f} s cpu", flush=True)


def engines(G: nx.Graph, rows: list, skip_networkx: bool, label: str = "") -> None:
    """Community detection on the whole graph with every engine: time, modularity, number of communities."""
    runs = [("igraph", "leiden"), ("igraph", "multilevel")]
    if not skip_networkx:
        runs.append(("networkx", "louvain"))
    for engine, method in runs:
        with Clock(f"{label}{engine} {method}", rows) as c:
            parts = community.communities(G, engine=engine, method="louvain" if method == "multilevel" else method,
                                          seed=0)
        q = community.modularity(G, parts)
        print(f"  {'':<44} modularity {q:.4f}, {sum(len(p) > 1 for p in parts):,} communities of 2+ "
              f"({c.wall:.2f} s)")


def recovery(d: Path, g: pd.DataFrame) -> None:
    truth = d / "truth" / "cartels.csv"
    if not truth.exists():
        return
    cart = pd.read_csv(truth, dtype=str)
    planted = [set(m.split(";")) for m in cart["members"]]
    members = set().union(*planted)
    sets = [set(m.split(";")) for m in g["members"]]
    top = sets[: 3 * len(planted)]
    best = [max((len(c & x) / len(c | x) for x in top), default=0.0) for c in planted]
    hit = sum(b >= 0.5 for b in best)
    leads = [i + 1 for i, (x, r, rd) in enumerate(zip(sets, g["relations"].fillna(""), g["relation_density"]))
             if not (x & members) and rd > 0.05 and set(r.split(";")) & LEAD_RELATIONS]
    cartel_ranks = [i + 1 for i, x in enumerate(sets)
                    if max(len(c & x) / len(c | x) for c in planted) >= 0.5]
    print(f"recovery: {hit}/{len(planted)} planted cartels ({hit / max(1, len(planted)):.0%}) among the top "
          f"{len(top)} groups; mean best Jaccard {np.mean(best):.2f}")
    print(f"  cartel groups rank {cartel_ranks[:5]} ... last {cartel_ranks[-1] if cartel_ranks else '-'}; honest groups "
          f"tied (relation density > 0.05) by building/address/phone/ip/agent first rank at {leads[:5]} ({len(leads)} such groups of {len(g)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, help="existing dataset directory (default: simulate one)")
    ap.add_argument("--scale", default="city", choices=["tiny", "city"])
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--skip-networkx", action="store_true", help="leave out networkx Louvain (slow on big graphs)")
    ap.add_argument("--synthetic", type=int, default=0, help="also time a planted-partition graph of this many nodes")
    a = ap.parse_args()
    rows: list = []
    tmp = None
    d = a.data
    if d is None:
        from riskmodels.simulation import simulate

        tmp = tempfile.TemporaryDirectory()
        d = Path(tmp.name) / "city"
        with Clock(f"simulate --scale {a.scale} --seed {a.seed}", rows):
            simulate(d, scale=a.scale, seed=a.seed)
    print(f"dataset {d}")
    with Clock("load bids, tenders, enterprises, shareholders", rows):
        ds = load_dataset(d, tables=list(pipeline.TABLES))
    bids = ds.get("bids")
    print(f"  {len(bids):,} bids, {bids['tender_id'].nunique():,} tenders, {bids['bidder_id'].nunique():,} bidders, "
          f"{len(ds.get('enterprises')) if ds.get('enterprises') is not None else 0:,} enterprises")
    s = GraphsSettings()
    with Clock("build graphs (pairs, relations, combined edges)", rows):
        bg = groups.build_graphs(bids, ds.get("enterprises"), ds.get("shareholders"), s)
    with Clock("networkx graph (exports; the engine comparison)", rows):
        G = bg.graph
    print(f"  combined graph: {G.number_of_nodes():,} nodes, {G.number_of_edges():,} edges; "
          f"{len(bg.relation_pairs):,} relation pairs")
    engines(G, rows, a.skip_networkx, label="whole graph: ")
    with Clock(f"find groups ({community.resolve_engine(s.engine)} {s.method}, split > {s.max_group_size}, trim)",
               rows):
        parts = groups.detect(bg, s)  # per component, from the edge arrays
    with Clock("score and rank groups (incl. tender screens)", rows):
        g = groups.score_groups(bg, parts, tenders=ds.get("tenders"), settings=s)
    if not a.skip_networkx:
        ns = GraphsSettings(engine="networkx")
        with Clock("find groups with networkx Louvain (reference)", rows):
            groups.detect(bg, ns)
    total = sum(r[1] for r in rows if r[0].startswith(("load", "build", "find groups (", "score")))
    print(f"load + build + find + score: {total:.1f} s wall; {len(g):,} groups")
    recovery(d, g)
    if a.synthetic:
        n = a.synthetic
        sizes = [50] * (n // 50)
        p_in, p_out = 16 / 49, 4 / (n - 50)  # 16 neighbours inside its block of 50, 4 outside: 10 edges per node
        with Clock(f"synthetic planted partition {n:,} nodes", rows):
            S = nx.random_partition_graph(sizes, p_in, p_out, seed=1)
        print(f"  {S.number_of_nodes():,} nodes, {S.number_of_edges():,} edges")
        engines(S, rows, a.skip_networkx, label="synthetic: ")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
