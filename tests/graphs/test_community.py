"""graphs.community: igraph against the networkx reference; communities cover every node."""
from __future__ import annotations

import networkx as nx
import pytest
from graphs import community
from tests.graphs.markets import weighted_planted_graph


@pytest.mark.skipif(not community.igraph_available(), reason="python-igraph is not installed")
@pytest.mark.parametrize("method", ["leiden", "louvain"])
def test_igraph_agrees_with_networkx_reference(method):
    G = weighted_planted_graph()
    ref = community.communities(G, engine="networkx", seed=1)
    fast = community.communities(G, engine="igraph", method=method, seed=1)
    q_ref, q_fast = community.modularity(G, ref), community.modularity(G, fast)
    assert q_fast == pytest.approx(q_ref, abs=0.01)
    blocks = {frozenset(range(12 * i, 12 * i + 12)) for i in range(8)}
    assert set(map(frozenset, fast)) == set(map(frozenset, ref)) == blocks  # both find the planted blocks
    assert community.communities(G, engine="igraph", method=method, seed=1) == fast  # seeded: reproducible


def test_communities_cover_every_node_and_reject_bad_arguments():
    G = nx.Graph([("a", "b"), ("b", "c")])
    G.add_node("lonely")
    parts = community.communities(G, engine="networkx")
    assert set().union(*parts) == set(G) and {"lonely"} in parts
    with pytest.raises(ValueError, match="engine"):
        community.communities(G, engine="spark")
    with pytest.raises(ValueError, match="resolution"):
        community.communities(G, resolution=0)
