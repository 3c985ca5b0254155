"""Shared test helpers (split from tests/test_graphs.py)."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from graphs import groups


# ---------------------------------------------------------------------------------------------------------------- data
def planted(seed: int = 0):
    """Three markets of 16 honest firms; two rotating cartels of 4 (markets 0 and 1) that bid together with covers a few
    percent above the designated winner; a false lead: 6 honest firms of different markets in one office building that
    share its public IP. Cartel 0 shares a legal representative, cartel 1 a holder up a chain of holdings."""
    rng = np.random.default_rng(seed)
    firms = [f"F{m}{i:02d}" for m in range(3) for i in range(16)]
    cartels = [[f"F{m}{i:02d}" for i in range(4)] for m in range(2)]
    lead = [f"F{m}{i:02d}" for m in range(3) for i in (10, 11)]
    rows, tenders, t = [], [], 0
    for m in range(3):
        pool = [f for f in firms if f[1] == str(m)]
        for _ in range(40):
            who = rng.choice(pool, size=int(rng.integers(4, 7)), replace=False)
            price = rng.uniform(90, 110, size=len(who))
            for j, f in enumerate(who):
                ip = "10.0.0.1" if f in lead else f"ip-{f}"
                rows.append((f"T{t:04d}", f, price[j], float(j == np.argmin(price)), ip))
            tenders.append((f"T{t:04d}", f"2022-01-{1 + t % 28:02d}"))
            t += 1
    for c, mem in enumerate(cartels):
        outsiders = [f for f in firms if f[1] == str(c) and f not in mem]
        for r in range(14):
            base = rng.uniform(95, 105)
            for f in mem:
                win = f == mem[r % 4]
                rows.append((f"T{t:04d}", f, base if win else base * rng.uniform(1.02, 1.04), float(win), f"ip-{f}"))
            for f in rng.choice(outsiders, size=2, replace=False):
                rows.append((f"T{t:04d}", f, base * rng.uniform(1.06, 1.2), 0.0, f"ip-{f}"))
            tenders.append((f"T{t:04d}", f"2022-02-{1 + r:02d}"))
            t += 1
    bids = pd.DataFrame(rows, columns=["tender_id", "bidder_id", "price", "is_winner", "ip"])
    tenders = pd.DataFrame(tenders, columns=["tender_id", "published_at"])
    ent = pd.DataFrame({"enterprise_id": firms, "legal_rep_id": [f"P{f}" for f in firms],
                        "address": [("Tower 1 Room 5" if f in lead else f"Road {i}") for i, f in enumerate(firms)],
                        "name": [f"Firm {f}" for f in firms]})
    ent.loc[ent["enterprise_id"] == cartels[0][1], "legal_rep_id"] = "P" + cartels[0][0]
    sh = pd.DataFrame({"enterprise_id": [cartels[1][0], cartels[1][1], "HOLD1"],
                       "holder_id": ["HOLD1", "BOSS", "BOSS"], "holder_type": ["enterprise", "person", "person"],
                       "share": [0.6, 0.3, 1.0]})
    return {"bids": bids, "tenders": tenders, "enterprises": ent, "shareholders": sh, "cartels": cartels, "lead": lead}


@pytest.fixture(scope="module")
def world():
    return planted()


@pytest.fixture(scope="module")
def found(world):
    g, bg = groups.find_groups(world["bids"], world["enterprises"], world["shareholders"], world["tenders"])
    return g, bg


def write_dataset(world, path):
    path.mkdir(parents=True, exist_ok=True)
    for name in ("bids", "tenders", "enterprises", "shareholders"):
        world[name].to_csv(path / f"{name}.csv", index=False)
    return path


def jaccard(a, b):
    a, b = set(a), set(b)
    return len(a & b) / len(a | b)


# ---------------------------------------------------------------------------------------------------- co-bidding graph
def random_bids(seed=3, n_tenders=40, n_firms=15):
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_tenders):
        who = rng.choice(n_firms, size=int(rng.integers(1, 6)), replace=False)
        winner = rng.integers(-1, len(who))  # -1: undecided tender
        for j, f in enumerate(who):
            rows.append((f"T{t}", f"B{f:02d}", 100.0 + j, float(j == winner)))
    rows.append(rows[0])  # the same firm twice in one tender still meets its rivals once
    return pd.DataFrame(rows, columns=["tender_id", "bidder_id", "price", "is_winner"])


# ----------------------------------------------------------------------------------------------------------- community
def weighted_planted_graph():
    G = nx.planted_partition_graph(8, 12, 0.7, 0.04, seed=7)
    rng = np.random.default_rng(7)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.uniform(0.5, 1.5))
    return G


def two_markets_a_pair_and_loners():
    """Two disjoint planted-partition graphs (blocks of 12), one pair of firms, three firms alone: as edge arrays over ids
    that sort as text in node order."""
    G = nx.disjoint_union(weighted_planted_graph(), weighted_planted_graph())
    n = G.number_of_nodes()
    G.add_edge(n, n + 1, weight=0.3)
    G.add_nodes_from([n + 2, n + 3, n + 4])
    ids = np.array([f"N{i:04d}" for i in range(n + 5)], dtype=object)
    a, b, w = (np.array(x) for x in zip(*((u, v, d["weight"]) for u, v, d in G.edges(data=True))))
    return ids, a, b, w


def _trim_reference(G, part, frac):
    """The trim of a community on a networkx graph (the definition `components.trim` implements on arrays)."""
    core, out = sorted(part), []  # members in id order (here numbers; in a piece, local numbers follow the id text)
    while len(core) > 2:
        k = len(core)
        w = np.array([[G[u][v]["weight"] if G.has_edge(u, v) else 0.0 for v in core] for u in core])
        tie = w.sum(axis=1) / (k - 1)
        i = int(np.argmin(tie))
        if tie[i] >= frac * float(np.median(tie)):
            break
        out.append({core.pop(i)})
    return out + [set(core)]
