"""graphs.pipeline: the graph commands: groups, ego networks and pictures."""
from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest
from features.core.errors import InputError
from graphs import export
from tests.graphs.markets import write_dataset


def test_graph_groups_ego_and_pictures(cli, world, tmp_path):
    d = write_dataset(world, tmp_path / "ds")
    cli("graph", "groups", d, "--out", tmp_path / "groups.csv", "--pictures", tmp_path / "png", "--top", "2",
        err="groups")
    g = pd.read_csv(tmp_path / "groups.csv", dtype=str, encoding="utf-8-sig")
    assert {"group_id", "members", "score", "evidence"} <= set(g.columns)
    pngs = sorted((tmp_path / "png").glob("*.png"))
    assert len(pngs) == 2 and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    center = world["cartels"][1][0]
    cli("graph", "ego", d, "--id", center, "--out", tmp_path / "ego.graphml", err="around")
    E = nx.read_graphml(tmp_path / "ego.graphml")
    assert set(world["cartels"][1]) <= set(E.nodes) and E.nodes[center]["ego"] is True
    cli("graph", "ego", d, "--id", "NOBODY", "--out", tmp_path / "x.graphml", code=2, err="NOBODY")
    cli("graph", "build", d, "--out", tmp_path / "g.txt", code=2, err=".graphml")
    cli("graph", "features", d, "--out", tmp_path / "bf.csv", "--level", "bidders", code=2, err="--level")


def test_ego_network_unknown_id_and_radius(found):
    _, bg = found
    with pytest.raises(InputError, match="not in the graph"):
        export.ego_network(bg.graph, "NOPE")
    E = export.ego_network(bg.graph, "F000", radius=1)
    assert set(bg.graph["F000"]) | {"F000"} == set(E.nodes)
