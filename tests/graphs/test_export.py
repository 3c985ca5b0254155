"""graphs.export: GraphML-safe attributes; a built graph reads back with every bidder."""
from __future__ import annotations

import networkx as nx
import numpy as np
from graphs import export
from tests.graphs.markets import write_dataset


# ------------------------------------------------------------------------------------------------------------- exports
def test_graphml_safe_attribute_types():
    G = nx.Graph()
    G.add_node(1, tags=["a", "b"], note=None, n=np.int64(3), x=1)
    G.add_node(2, tags=("c",), note="ok", n=4, x=2.5)
    G.add_edge(1, 2, w=np.float32(0.5), flag=True)
    H = export.graphml_safe(G)
    assert set(H.nodes) == {"1", "2"}
    assert H.nodes["1"]["tags"] == "a;b" and H.nodes["1"]["note"] == ""
    assert type(H.nodes["1"]["n"]) is int and isinstance(H.nodes["1"]["x"], float)  # int and float mixed -> float
    assert H.edges["1", "2"]["flag"] is True and type(H.edges["1", "2"]["w"]) is float


def test_graph_build_reads_back_with_every_bidder_and_attributes(cli, world, tmp_path):
    d = write_dataset(world, tmp_path / "ds")
    a, b = world["cartels"][0][:2]
    both = world["bids"].groupby("tender_id")["bidder_id"].apply(lambda s: {a, b} <= set(s)).sum()
    for ext, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        out = tmp_path / f"g.{ext}"
        cli("graph", "build", d, "--out", out, err="bidders")
        G = read(out)
        assert set(map(str, G.nodes)) == set(world["bids"]["bidder_id"]), ext
        node = G.nodes[a]
        assert int(node["n_bids"]) == world["bids"].loc[world["bids"]["bidder_id"] == a, "tender_id"].nunique()
        assert int(node["group_id"]) >= 1 and float(node["group_score"]) > 0 and node["name"] == f"Firm {a}"
        edge = G.edges[a, b]
        assert int(edge["co_bids"]) == both
        assert "legal_rep" in edge["relations"] and float(edge["weight"]) > 0 and float(edge["legal_rep"]) == 1.0
        plain = next(d for u, v, d in G.edges(data=True) if not d.get("relations"))
        assert "legal_rep" not in plain  # zero relations are left to the key's default
    H = nx.read_graphml(tmp_path / "g.graphml")
    assert H.graph["edge_default"]["legal_rep"] == 0.0 and H.graph["edge_default"]["ip"] == 0.0
