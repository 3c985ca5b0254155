"""graphs.groups: planted cartels rank first, relations weigh only between co-bidders, both engines agree."""
from __future__ import annotations

import pandas as pd
from features.core.settings import GraphsSettings
from graphs import groups
from tests.graphs.markets import jaccard


def test_the_networkx_graph_is_built_only_when_asked_for(world, found):
    g, bg = found
    assert bg._graph is None  # groups and tables came from the edge table alone
    ids, a, b, w = bg.arrays()
    assert len(a) == len(bg.edges) and list(ids) == sorted(ids)
    members = g["members"].iloc[0].split(";")
    near = bg.neighbourhood(members)
    G = bg.graph
    assert set(near) == set(members).union(*(G[m] for m in members))
    for u, v, d in near.edges(data=True):
        assert u in members or v in members
        assert pd.Series(d).equals(pd.Series(G.edges[u, v]))  # the same attributes (NaN where NaN)
    assert near.nodes[members[0]] == G.nodes[members[0]] and G.nodes[members[0]]["name"] == f"Firm {members[0]}"
    assert bg.neighbourhood(members).edges == near.edges  # from the built graph now: the same picture


# -------------------------------------------------------------------------------------------------------------- groups
def test_planted_cartels_rank_first_and_the_office_building_below(world, found):
    g, _ = found
    assert list(g["score"]) == sorted(g["score"], reverse=True)
    assert list(g["group_id"]) == list(range(1, len(g) + 1))
    top2 = [m.split(";") for m in g["members"].head(2)]
    for cartel in world["cartels"]:
        assert max(jaccard(cartel, t) for t in top2) >= 0.75
    lead_rank = [i for i, m in enumerate(g["members"]) if len(set(world["lead"]) & set(m.split(";"))) >= 2]
    assert all(r >= 2 for r in lead_rank)
    first = g.iloc[0]
    assert "exclusivity" in first["evidence"] and first["n_joint"] >= 10
    ties = " ".join(g["evidence"].head(2))
    assert "legal_rep" in ties and "shareholder" in ties


def test_relations_weigh_only_between_firms_that_bid_together(world, found):
    _, bg = found
    a, b = world["lead"][0], world["lead"][2]  # one office building and IP, different markets: they never met
    edge = bg.graph.edges[a, b]
    assert edge["co_bids"] == 0 and "building" in edge["relations"] and edge["ip"] > 0
    assert edge["weight"] == 0.0  # kept for exports and ego networks, no pull in community detection
    c0, c1 = world["cartels"][0][:2]  # same legal representative and they bid together: the tie adds weight
    assert bg.graph.edges[c0, c1]["weight"] > bg.graph.edges[c0, c1]["behaviour"] + 0.5


def test_networkx_engine_finds_the_same_cartels(world):
    s = GraphsSettings(engine="networkx")
    g, _ = groups.find_groups(world["bids"], world["enterprises"], world["shareholders"], world["tenders"], settings=s)
    top2 = [m.split(";") for m in g["members"].head(2)]
    for cartel in world["cartels"]:
        assert max(jaccard(cartel, t) for t in top2) >= 0.75
