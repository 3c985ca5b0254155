"""Community detection on networkx graphs, routed through the fastest correct engine.

The graph model and the API are networkx: callers pass an `nx.Graph` and get back a list of node sets, largest first.
The heavy step runs in python-igraph when it is installed (multilevel = Louvain, or Leiden with the modularity objective),
which is about ten times faster than `networkx.community.louvain_communities` at city scale (`benchmarks/graphs.py`);
networkx Louvain is the reference the tests compare against (same modularity within a small tolerance).

Engines: "auto" (igraph if importable, else networkx), "igraph", "networkx". Methods: "louvain", "leiden" (Leiden needs
igraph; with the networkx engine it falls back to Louvain, the algorithm Leiden refines).

`membership` is the same detection over a graph given as integer edge arrays (node i, edge k = (a[k], b[k]) with
weight w[k]): the bidder graph's path (`graphs.components`), where igraph is built from the arrays with no networkx graph.
"""
from __future__ import annotations

import random
from contextlib import contextmanager

import networkx as nx
import numpy as np

ENGINES = ("auto", "igraph", "networkx")
METHODS = ("louvain", "leiden")


def igraph_available() -> bool:
    try:
        import igraph  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_engine(engine: str) -> str:
    """The engine that will actually run for `engine` ("auto" picks igraph when it is installed)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}.")
    if engine == "auto":
        return "igraph" if igraph_available() else "networkx"
    if engine == "igraph" and not igraph_available():
        raise ValueError("engine 'igraph' needs python-igraph, which is not installed; got 'igraph'.")
    return engine


@contextmanager
def _igraph_seed(seed: int):
    """Seed igraph's random generator for one call and restore the default afterwards (igraph keeps it globally)."""
    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


def ordered(G: nx.Graph, weight: str | None = "weight") -> nx.Graph:
    """A copy of `G` (or of a subgraph view) with nodes and edges in sorted order and only the weight kept: the result
    of a seeded run then does not depend on set iteration order, which varies between Python processes."""
    H = nx.Graph()
    H.add_nodes_from(sorted(G.nodes, key=str))
    edges = []
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        a, b = (u, v) if str(u) <= str(v) else (v, u)
        edges.append((str(a), str(b), a, b, float(d.get(weight, 1.0)) if weight else 1.0))
    edges.sort(key=lambda e: (e[0], e[1]))
    H.add_weighted_edges_from(((a, b, w) for _, _, a, b, w in edges), weight="weight")
    return H


def to_igraph(G: nx.Graph, weight: str | None = "weight"):
    """(igraph.Graph, node list) with edge weights in the `weight` edge attribute; node i of igraph is nodes[i].
    Nodes and edges are taken in sorted order, so a seeded run is reproducible across processes."""
    import igraph as ig

    nodes = sorted(G.nodes, key=str)
    index = {n: i for i, n in enumerate(nodes)}
    edges, weights = [], []
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        i, j = sorted((index[u], index[v]))
        edges.append((i, j))
        weights.append(float(d.get(weight, 1.0)) if weight else 1.0)
    order = sorted(range(len(edges)), key=edges.__getitem__)
    h = ig.Graph(n=len(nodes), edges=[edges[k] for k in order], directed=False)
    h.es["weight"] = [weights[k] for k in order]
    return h, nodes


def membership(n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, *, engine: str = "auto", method: str = "leiden",
               resolution: float = 1.0, seed: int = 0) -> np.ndarray:
    """Community number of each of the `n` nodes of the graph with edges (a[k], b[k]) of weight w[k] (a[k] != b[k];
    given in a canonical order, e.g. sorted, so that a seeded run is reproducible in every process). Numbers are
    0..c-1 in the order of each community's first node."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if len(a) == 0:
        return np.arange(n, dtype=np.int64)
    engine = resolve_engine(engine)
    if engine == "networkx":
        H = nx.Graph()
        H.add_nodes_from(range(n))
        H.add_weighted_edges_from(zip(np.asarray(a).tolist(), np.asarray(b).tolist(), np.asarray(w, float).tolist()))
        mem = np.empty(n, dtype=np.int64)
        for c, part in enumerate(nx.community.louvain_communities(H, weight="weight", resolution=resolution, seed=seed)):
            mem[list(part)] = c
    else:
        import igraph as ig

        h = ig.Graph(n=n, edges=list(zip(np.asarray(a).tolist(), np.asarray(b).tolist())), directed=False)
        weights = np.asarray(w, float).tolist()
        with _igraph_seed(seed):
            if method == "leiden":
                cl = h.community_leiden(objective_function="modularity", weights=weights, resolution=resolution,
                                        n_iterations=-1)
            else:
                cl = h.community_multilevel(weights=weights, resolution=resolution)
        mem = np.asarray(cl.membership, dtype=np.int64)
    _, first = np.unique(mem, return_index=True)
    renum = np.empty(mem.max() + 1, dtype=np.int64)
    renum[mem[np.sort(first)]] = np.arange(len(first))
    return renum[mem]


def communities(G: nx.Graph, *, weight: str | None = "weight", engine: str = "auto", method: str = "leiden",
                resolution: float = 1.0, seed: int = 0) -> list[set]:
    """Partition the nodes of `G` into communities maximising (weighted) modularity at `resolution`.

    Returns a list of node sets covering every node (isolated nodes are singletons), largest first, ties broken by the
    smallest node id so that the output is deterministic for a given seed."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}.")
    if resolution <= 0:
        raise ValueError(f"resolution must be positive; got {resolution!r}.")
    if G.is_directed():
        raise TypeError(f"communities needs an undirected graph; got {type(G).__name__}.")
    engine = resolve_engine(engine)
    if G.number_of_nodes() == 0:
        return []
    if G.number_of_edges() == 0:
        parts = [{n} for n in G.nodes]
    elif engine == "networkx":
        H = ordered(G, weight)
        parts = [set(c) for c in nx.community.louvain_communities(H, weight="weight", resolution=resolution, seed=seed)]
    else:
        h, nodes = to_igraph(G, weight)
        ends = np.asarray(h.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        mem = membership(len(nodes), ends[:, 0], ends[:, 1], np.asarray(h.es["weight"], float), engine="igraph",
                         method=method, resolution=resolution, seed=seed)
        parts = [set() for _ in range(int(mem.max()) + 1)]
        for i, c in enumerate(mem):
            parts[c].add(nodes[i])
    return sorted(parts, key=lambda p: (-len(p), min(map(str, p))))


def modularity(G: nx.Graph, parts: list[set], *, weight: str | None = "weight", resolution: float = 1.0) -> float:
    """Weighted modularity of a partition (networkx's definition, the reference for every engine)."""
    return nx.community.modularity(G, parts, weight=weight, resolution=resolution)


def split_large(G: nx.Graph, parts: list[set], *, max_size: int, weight: str | None = "weight", engine: str = "auto",
                method: str = "leiden", resolution: float = 1.0, seed: int = 0, max_rounds: int = 4) -> list[set]:
    """Re-run community detection inside every community larger than `max_size` (modularity's resolution limit hides
    small dense groups inside a large market community); a community that will not split further is kept whole."""
    out = []
    todo = [(p, 0) for p in parts]
    while todo:
        p, depth = todo.pop()
        if len(p) <= max_size or depth >= max_rounds:
            out.append(p)
            continue
        sub = communities(G.subgraph(p), weight=weight, engine=engine, method=method, resolution=resolution, seed=seed)
        if len(sub) <= 1:
            out.append(p)
            continue
        todo.extend((s, depth + 1) for s in sub)
    return sorted(out, key=lambda p: (-len(p), min(map(str, p))))
