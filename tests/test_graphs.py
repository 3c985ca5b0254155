"""Bidder graphs: co-bidding counts against brute force, relations and their specificity, community engines against the
networkx reference, planted groups, and GraphML / GEXF / PNG exports read back."""
from __future__ import annotations

import itertools
from collections import Counter

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from features.core.errors import InputError
from features.core.settings import GraphsSettings
from graphs import cobid, community, components, export, groups, relations, tables


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


def test_cobid_pairs_and_stats_match_brute_force():
    bids = random_bids()
    by_tender = {t: set(d["bidder_id"]) for t, d in bids.groupby("tender_id")}
    winner = {t: set(d.loc[d["is_winner"] > 0, "bidder_id"]) for t, d in bids.groupby("tender_id")}
    co, won = Counter(), Counter()
    for t, fs in by_tender.items():
        for a, b in itertools.combinations(sorted(fs), 2):
            co[a, b] += 1
            won[a, b, a] += a in winner[t]
            won[a, b, b] += b in winner[t]
    p = cobid.cobid_pairs(bids).set_index(["bidder_a", "bidder_b"])
    assert set(p.index) == set(co)
    for (a, b), n in co.items():
        assert p.loc[(a, b), "co_bids"] == n
        assert p.loc[(a, b), "a_won"] == won[a, b, a] and p.loc[(a, b), "b_won"] == won[a, b, b]
    st = cobid.bidder_stats(bids).set_index("bidder_id")
    for f in st.index:
        mine = [t for t, fs in by_tender.items() if f in fs]
        assert st.loc[f, "n_bids"] == len(mine)
        assert st.loc[f, "n_wins"] == sum(f in winner[t] for t in mine)
        assert st.loc[f, "n_losses"] == sum(bool(winner[t]) and f not in winner[t] for t in mine)
    lw = cobid.loss_to_one_winner(bids).set_index("bidder_id")
    for f in st.index:
        beaten_by = Counter(w for t, fs in by_tender.items() if f in fs for w in winner[t] if w != f)
        top = max(beaten_by.values(), default=0)
        assert lw.loc[f, "losses_to_top"] == top
        if top:
            assert beaten_by[lw.loc[f, "top_winner"]] == top


def test_cover_bidder_loses_to_one_winner(world, found):
    _, bg = found
    bf = tables.bidder_features(bg, found[0]).set_index("bidder_id")
    # cartel 0 rotates: each member loses to the three others, never mostly to one; a designated-winner example:
    bids = pd.DataFrame({"tender_id": ["T1", "T1", "T2", "T2", "T3", "T3"], "bidder_id": ["W", "C", "W", "C", "W", "C"],
                         "price": [1, 2, 1, 2, 1, 2], "is_winner": [1, 0, 1, 0, 1, 0]})
    lw = cobid.loss_to_one_winner(bids).set_index("bidder_id")
    assert lw.loc["C", "top_winner"] == "W" and lw.loc["C", "loss_share_top"] == 1.0
    assert np.isnan(lw.loc["W", "loss_share_top"])
    assert bf.loc[world["cartels"][0][0], "degree"] >= 3


# ------------------------------------------------------------------------------------------------------------ relations
def test_specificity_weight_and_too_common_values():
    firms = pd.Series([f"E{i}" for i in range(40)])
    addr = pd.Series(["Tower"] * 30 + ["Lane 1", "Lane 1"] + [f"Road {i}" for i in range(8)])
    p, skipped = relations.value_pairs(firms, addr, "address", max_firms=50)
    tower = p[p["value"] == "Tower"]
    assert len(tower) == 30 * 29 // 2 and np.allclose(tower["weight"], 1 / 29)
    assert p.loc[p["value"] == "Lane 1", "weight"].tolist() == [1.0]
    p2, skipped2 = relations.value_pairs(firms, addr, "address", max_firms=10)
    assert skipped2 == 1 and "Tower" not in set(p2["value"])


def test_holdings_chain_ties_firms_through_a_common_controller():
    sh = pd.DataFrame({"enterprise_id": ["A", "H1", "B", "C"], "holder_id": ["H1", "P", "P", "Q"],
                       "share": [0.6, 1.0, 0.3, 1.0]})
    clo = relations.holdings_closure(sh).set_index(["enterprise_id", "holder_id"])
    assert clo.loc[("A", "P"), "share"] == pytest.approx(0.6) and clo.loc[("A", "P"), "depth"] == 2
    p, _ = relations.shareholder_pairs(sh)
    pairs = set(zip(p["firm_a"], p["firm_b"]))
    assert ("A", "B") in pairs          # both controlled by P, A through H1
    assert ("A", "H1") in pairs         # H1 holds A
    assert not any("C" in pr for pr in pairs if "Q" not in pr)  # C's holder Q holds nobody else
    p_strict, _ = relations.shareholder_pairs(sh, min_share=0.5)
    assert ("A", "B") not in set(zip(p_strict["firm_a"], p_strict["firm_b"]))  # B's 30% is below the threshold


def test_relation_strength_is_multiplex():
    ent = pd.DataFrame({"enterprise_id": ["A", "B", "C"], "legal_rep_id": ["P1", "P1", "P2"],
                        "address": ["X Road 1, Room 5", "x road 1 room 5", "X Road 1 Room 7"],
                        "phone": ["+86 13800000000", "13800000000", None]})
    rel, _ = relations.relation_pairs(ent)
    st = relations.relation_strength(rel).set_index(["firm_a", "firm_b"])
    ab = st.loc[("A", "B")]
    assert ab["legal_rep"] == 1.0 and ab["address"] == 1.0 and ab["phone"] == 1.0 and ab["building"] == 0.5
    assert set(ab["relations"].split(";")) == {"legal_rep", "address", "phone", "building"}
    assert st.loc[("A", "C"), "relations"] == "building"  # same building, other room: the weak tie only


# ----------------------------------------------------------------------------------------------------------- community
def weighted_planted_graph():
    G = nx.planted_partition_graph(8, 12, 0.7, 0.04, seed=7)
    rng = np.random.default_rng(7)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.uniform(0.5, 1.5))
    return G


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


def test_tender_features_show_group_presence_and_relations(world, found):
    g, bg = found
    tf = tables.tender_features(bg, g).set_index("tender_id")
    assert len(tf) == world["bids"]["tender_id"].nunique()
    cartel_tenders = world["bids"].groupby("tender_id")["bidder_id"].apply(
        lambda s: set(world["cartels"][0]) <= set(s))
    t = cartel_tenders[cartel_tenders].index[0]
    assert tf.loc[t, "group_share"] == pytest.approx(4 / 6)
    assert tf.loc[t, "max_relation"] >= 1.0 and "legal_rep" in tf.loc[t, "relation"]
    bf = tables.bidder_features(bg, g)
    assert set(bf["bidder_id"]) == set(world["bids"]["bidder_id"])
    member = bf.set_index("bidder_id").loc[world["cartels"][0][0]]
    assert member["group_id"] in (1, 2) and member["exclusivity"] > 0.3


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
