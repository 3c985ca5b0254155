"""graphs.components: communities per connected component, independent of batching, trimming on arrays."""
from __future__ import annotations

import itertools
import networkx as nx
import numpy as np
from graphs import community, components
from tests.graphs.markets import _trim_reference, two_markets_a_pair_and_loners


def test_communities_per_component_do_not_depend_on_batching():
    ids, a, b, w = two_markets_a_pair_and_loners()
    p = components.Params(resolution=2.0, max_size=100, trim=0.0)  # each market holds half the weight: resolution 1 there
    runs = [components.detect_arrays(ids, a, b, w, p, batch_edges=k) for k in (1, 300, 10**9)]
    as_sets = [{frozenset(ids[x]) for x in r} for r in runs]
    assert as_sets[0] == as_sets[1] == as_sets[2]
    assert len(components.batches(components.pieces(ids, a, b, w), 1)) == 2  # each market a task
    found = as_sets[0]
    blocks = {frozenset(ids[12 * i:12 * i + 12]) for i in range(16)}
    assert blocks <= found  # both markets' planted blocks, each solved on its own component
    n = len(ids) - 5
    assert frozenset(ids[[n, n + 1]]) in found and {frozenset([ids[i]]) for i in range(n + 2, n + 5)} <= found
    assert sorted(i for x in runs[0] for i in x) == list(range(len(ids)))  # every node once
    # the edges in another order (and the other way round) change nothing
    o = np.random.default_rng(1).permutation(len(a))
    again = components.detect_arrays(ids, b[o], a[o], w[o], p)
    assert {frozenset(ids[x]) for x in again} == found


def test_component_resolution_keeps_the_whole_graph_objective():
    """One run over two disjoint markets equals each market solved with its share of the resolution (the module doc)."""
    ids, a, b, w = two_markets_a_pair_and_loners()
    n = len(ids) - 5
    half = (a < n // 2) & (b < n // 2)
    share = w[half].sum() / w.sum()
    one = components.detect_arrays(ids, a, b, w, components.Params(resolution=3.0, max_size=10**6, trim=0.0))
    mem = community.membership(n // 2, a[half], b[half], w[half], resolution=3.0 * share,
                               seed=components.derived_seed(0, str(ids[0])))
    alone = {frozenset(ids[np.flatnonzero(mem == c)]) for c in range(mem.max() + 1)}
    assert alone == {frozenset(ids[x]) for x in one if x[0] < n // 2}


def test_trim_on_arrays_peels_the_same_members_as_on_a_graph():
    rng = np.random.default_rng(4)
    for _ in range(20):
        k = int(rng.integers(3, 12))
        G = nx.Graph()
        G.add_nodes_from(range(k))
        for u, v in itertools.combinations(range(k), 2):
            if rng.random() < 0.6:
                G.add_edge(u, v, weight=float(rng.choice([0.05, 0.5, 1.0, 2.0])))
        a, b = (np.array([e[i] for e in G.edges], dtype=np.int64) for i in (0, 1))
        w = np.array([G.edges[e]["weight"] for e in G.edges])
        got = components.trim(a, b, w, np.arange(k), k, 0.5)
        ref = _trim_reference(G, range(k), 0.5)
        assert [set(x.tolist()) for x in got] == ref
