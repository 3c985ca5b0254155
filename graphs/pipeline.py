"""One call per `riskmodels graph ...` command: from a loaded dataset (anything with `.get(name)` -> DataFrame or None,
such as `features.io.dataset.Dataset`) to written files and a short summary. The CLI stays a thin layer over these."""
from __future__ import annotations

import time
from pathlib import Path

import networkx as nx
import pandas as pd

from features.core.errors import InputError
from features.io.export import write_table
from graphs import export, groups as groups_mod, relations, tables

TABLES = ("bids", "tenders", "enterprises", "shareholders")
RELATION_DEFAULTS = {r: 0.0 for r in relations.RELATIONS}  # relation columns are 0 on most edges: written as key defaults


def _bids(ds) -> pd.DataFrame:
    bids = ds.get("bids")
    if bids is None or len(bids) == 0:
        raise InputError(f"{getattr(ds, 'path', 'dataset')}: no accepted bids (bids.csv is missing or every row was rejected)")
    return bids


def analyse(ds, settings=None):
    """(groups table, BidderGraphs, timings) for a dataset: build the graphs, detect and score groups."""
    t0 = time.perf_counter()
    bg = groups_mod.build_graphs(_bids(ds), ds.get("enterprises"), ds.get("shareholders"), settings)
    t1 = time.perf_counter()
    parts = groups_mod.detect(bg, settings)
    t2 = time.perf_counter()
    g = groups_mod.score_groups(bg, parts, tenders=ds.get("tenders"), settings=settings)
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


def build_graph(ds, out, settings=None) -> dict:
    """`graph build`: the annotated combined graph to GraphML or GEXF (by extension). Every bidder is a node."""
    export.graph_format(out)
    g, bg, t = analyse(ds, settings)
    G = annotated_graph(bg, g, settings)
    export.write_graph(G, out, edge_defaults=RELATION_DEFAULTS)
    return {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(), "groups": len(g), "out": str(out), **t}


def find_groups(ds, out, settings=None, pictures: Path | None = None, top: int = 10) -> dict:
    """`graph groups`: ranked groups to a table; with `pictures`, a PNG of each of the `top` groups there."""
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
    if level not in ("bidder", "tender"):
        raise InputError(f"--level must be bidder or tender; got {level!r}")
    g, bg, _ = analyse(ds, settings)
    f = tables.bidder_features(bg, g, settings) if level == "bidder" else tables.tender_features(bg, g)
    write_table(f, out)
    return {"rows": len(f), "out": str(out)}
