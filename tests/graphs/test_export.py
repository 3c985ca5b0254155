"""graphs.export: GraphML-safe attributes; a built graph reads back with every bidder."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from features.core.errors import InputError
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


def _read_back(path) -> tuple[dict, dict, dict]:
    """(node -> attributes, (u, v) unordered -> attributes, edge defaults) of a GraphML file, NaN as the text 'nan'."""
    G = nx.read_graphml(path)

    def norm(d):
        return {k: ("nan" if isinstance(v, float) and v != v else v) for k, v in d.items()}

    return ({n: norm(d) for n, d in G.nodes(data=True)}, {frozenset((u, v)): norm(d) for u, v, d in G.edges(data=True)},
            G.graph.get("edge_default", {}))


def test_graphml_from_tables_reads_back_as_the_networkx_file(found, tmp_path):
    """The bidder graph written straight from its tables and written through networkx read back the same: every
    node, edge, attribute value and type, and the keys' defaults."""
    from graphs.pipeline import RELATION_DEFAULTS, annotated_graph, annotated_tables

    g, bg = found
    export.write_graph(annotated_graph(bg, g), tmp_path / "nx.graphml", edge_defaults=RELATION_DEFAULTS)
    nodes, edges = annotated_tables(bg, g)
    export.write_graphml_table(nodes, edges, tmp_path / "table.graphml", edge_defaults=RELATION_DEFAULTS)
    want, got = _read_back(tmp_path / "nx.graphml"), _read_back(tmp_path / "table.graphml")
    assert len(got[0]) == len(bg.stats) and len(got[1]) == len(bg.edges)
    assert got[:2] == want[:2]
    # every relation column is declared with its default, also one no edge departs from (networkx declares a key
    # only when some element carries it, so such a column vanishes from its file)
    assert {k: v for k, v in got[2].items() if k in want[2]} == want[2]
    assert set(got[2]) == set(RELATION_DEFAULTS) and set(want[2]) < set(got[2])
    assert any(v == "nan" for d in got[1].values() for v in d.values())  # a NaN is written, as networkx does


def test_graphml_from_tables_escapes_text_and_types_columns(tmp_path):
    ids = ['a&b "1"', "<c>", "d\tx"]
    nodes = pd.DataFrame({"id": ids, "n": [1, 2, 3], "x": [0.5, np.nan, 1e-05], "name": ["A & B", None, "bad\x01char"],
                          "ok": [True, False, True]})
    edges = pd.DataFrame({"source": [ids[0], ids[1]], "target": [ids[1], ids[2]], "w": [0.0, 2.5],
                          "k": pd.array([3, None], dtype="Int64"), "rel": ["", "x<y"]})
    path = export.write_graphml_table(nodes, edges, tmp_path / "g.graphml", edge_defaults={"w": 0.0})
    G = nx.read_graphml(path)
    assert list(G.nodes) == ids
    assert G.nodes[ids[0]] == {"n": 1, "x": 0.5, "name": "A & B", "ok": True}
    assert "name" not in G.nodes[ids[1]] and np.isnan(G.nodes[ids[1]]["x"]) and G.nodes[ids[1]]["ok"] is False
    assert G.nodes[ids[2]]["name"] == "bad\ufffdchar" and G.nodes[ids[2]]["x"] == 1e-05
    assert G.edges[ids[0], ids[1]] == {"k": 3, "rel": ""}  # w = 0.0 left to the key's default
    assert G.edges[ids[1], ids[2]] == {"w": 2.5, "rel": "x<y"}  # a missing integer is left off
    assert G.graph["edge_default"] == {"w": 0.0}
    with pytest.raises(InputError):
        export.write_graphml_table(nodes, edges, tmp_path / "g.gexf")
    assert not (tmp_path / "g.gexf").exists()
