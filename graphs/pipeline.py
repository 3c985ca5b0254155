"""One call per `riskmodels graph ...` command: from a dataset directory or a loaded dataset (anything with `.get(name)` -> DataFrame or None,
such as `features.io.dataset.Dataset`) to written files and a short summary. The CLI stays a thin layer over these."""
from __future__ import annotations

import time
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from features.core.errors import InputError
from features.io.export import write_table
from graphs import export, groups as groups_mod, relations, tables

TABLES = ("bids", "tenders", "enterprises", "shareholders")
RELATION_DEFAULTS = {r: 0.0 for r in relations.RELATIONS}  # relation columns are 0 on most edges: written as key defaults


def dataset(ds, settings=None):
    """`ds` when it is a loaded dataset; a directory loaded with the graph's tables (bids required) otherwise."""
    if isinstance(ds, (str, Path)):
        from features.io.dataset import load_dataset

        return load_dataset(ds, settings, tables=list(TABLES), require=("bids",))
    return ds


def _bids(ds) -> pd.DataFrame:
    bids = ds.get("bids")
    if bids is None or len(bids) == 0:
        raise InputError(f"{getattr(ds, 'path', 'dataset')}: no accepted bids (bids.csv is missing or every row was rejected)")
    return bids


def analyse(ds, settings=None, screens: pd.DataFrame | None = None):
    """(groups table, BidderGraphs, timings) for a dataset: build the graphs, detect and score groups. `screens`: the
    dataset's `features.screens.tender_screens` when already computed (the group scores read their cv)."""
    t0 = time.perf_counter()
    bg = groups_mod.build_graphs(_bids(ds), ds.get("enterprises"), ds.get("shareholders"), settings)
    t1 = time.perf_counter()
    parts = groups_mod.detect(bg, settings)
    t2 = time.perf_counter()
    g = groups_mod.score_groups(bg, parts, tenders=ds.get("tenders"), screens=screens, settings=settings)
    t3 = time.perf_counter()
    return g, bg, {"build_s": t1 - t0, "communities_s": t2 - t1, "score_s": t3 - t2}


def annotated_graph(bg, groups: pd.DataFrame, settings=None) -> nx.Graph:
    """The combined graph with the per-bidder graph features (group, scores, degree, exclusivity...) on its nodes (a
    networkx graph of its own: `bg.graph` is neither built nor copied for it)."""
    G = groups_mod.graph_from_edges(bg.stats, bg.edges, groups_mod.node_attributes(bg.registry))
    bf = tables.bidder_features(bg, groups, settings)
    for r in bf.to_dict("records"):
        n = r.pop("bidder_id")
        if n in G:
            G.nodes[n].update(r)
    return G


def annotated_tables(bg, groups: pd.DataFrame, settings=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The annotated combined graph as (nodes, edges) tables for `export.write_graphml_table`: the nodes and
    attributes of `annotated_graph` (every bidder; `n_bids`, `n_wins`, the registry's text for firms in the registry,
    the per-bidder graph features), the edges of `bg.edges` with their attributes as `graph_from_edges` types them."""
    nodes = bg.stats[["bidder_id", "n_bids", "n_wins"]]
    if bg.registry is not None:
        text = [c for c in bg.registry.columns if c != "enterprise_id"]
        reg = bg.registry.assign(**{c: bg.registry[c].astype("string").fillna("") for c in text})
        nodes = nodes.merge(reg.rename(columns={"enterprise_id": "bidder_id"}), on="bidder_id", how="left")
    bf = tables.bidder_features(bg, groups, settings)
    nodes = nodes.merge(bf.drop(columns=["n_bids", "n_wins"]), on="bidder_id", how="left")
    nodes = nodes.rename(columns={"bidder_id": "id"})
    e = bg.edges
    cols = {"source": e["bidder_a"].astype(str), "target": e["bidder_b"].astype(str)}
    for c in groups_mod.EDGE_COLUMNS:
        cols[c] = (e[c].astype(np.int64) if c in groups_mod._EDGE_INTS else e[c].astype(str)
                   if c in groups_mod._EDGE_TEXT else e[c].astype(np.float64))
    return nodes.reset_index(drop=True), pd.DataFrame(cols)


def write_bidder_graph(bg, groups: pd.DataFrame, out, settings=None) -> dict:
    """The annotated combined graph to GraphML (written from the tables, `annotated_tables`) or GEXF (through
    networkx, `annotated_graph`) by the extension, the relation columns' zeros left to the keys' defaults:
    {"nodes": ..., "edges": ...}. Every bidder is a node."""
    if export.graph_format(out) == "graphml":
        nodes, edges = annotated_tables(bg, groups, settings)
        export.write_graphml_table(nodes, edges, out, edge_defaults=RELATION_DEFAULTS)
        return {"nodes": len(nodes), "edges": len(edges)}
    G = annotated_graph(bg, groups, settings)
    export.write_graph(G, out, edge_defaults=RELATION_DEFAULTS)
    return {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()}


def build_graph(ds, out, settings=None) -> dict:
    """`graph build`: the annotated combined graph to GraphML or GEXF (by extension). Every bidder is a node."""
    ds = dataset(ds, settings)
    export.graph_format(out)
    g, bg, t = analyse(ds, settings)
    return {**write_bidder_graph(bg, g, out, settings), "groups": len(g), "out": str(out), **t}


def find_groups(ds, out, settings=None, pictures: Path | None = None, top: int = 10) -> dict:
    """`graph groups`: ranked groups to a table; with `pictures`, a PNG of each of the `top` groups there."""
    ds = dataset(ds, settings)
    g, bg, t = analyse(ds, settings)
    write_table(g, out)
    pngs = []
    if pictures is not None:
        for r in g.head(top).itertuples(index=False):
            p = Path(pictures) / f"group_{r.group_id:03d}.png"
            members = r.members.split(";")
            export.draw_group(bg.neighbourhood(members), members, p,
                              title=f"group {r.group_id}: score {r.score:.3f}, {r.size} firms, {r.n_joint} joint tenders")
            pngs.append(str(p))
    return {"groups": len(g), "top": g.head(3), "pictures": pngs, "out": str(out), **t}


def ego_graph(ds, center: str, out, radius: int = 1, settings=None, picture: Path | None = None) -> dict:
    """`graph ego`: the ego network around one firm to GraphML/GEXF (and optionally a PNG)."""
    ds = dataset(ds, settings)
    export.graph_format(out)
    if str(center) not in set(_bids(ds)["bidder_id"].astype(str)):
        raise InputError(f"bidder '{center}' is not in the graph (it has no accepted bids in this dataset)")
    g, bg, _ = analyse(ds, settings)
    G = annotated_graph(bg, g, settings)
    E = export.ego_network(G, center, radius=radius)
    export.write_graph(E, out, edge_defaults=RELATION_DEFAULTS)
    if picture is not None:
        export.draw_group(G, [center], picture, title=f"ego network of {center}", context=30)
    return {"nodes": E.number_of_nodes(), "edges": E.number_of_edges(), "out": str(out)}


def graph_features(ds, out, level: str = "bidder", settings=None) -> dict:
    """`graph features`: per-bidder or per-tender graph features to a table."""
    ds = dataset(ds, settings)
    if level not in ("bidder", "tender"):
        raise InputError(f"--level must be bidder or tender; got {level!r}")
    g, bg, _ = analyse(ds, settings)
    f = tables.bidder_features(bg, g, settings) if level == "bidder" else tables.tender_features(bg, g)
    write_table(f, out)
    return {"rows": len(f), "out": str(out)}
