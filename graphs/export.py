"""Exports of bidder graphs: GraphML / GEXF files that Gephi and networkx open, ego networks for a case file, and PNG
pictures of a group for reports.

GraphML and GEXF only carry scalar attributes of one type per key, so `graphml_safe` turns every attribute into a
bool, int, float or str (None -> "", lists and sets -> `;`-joined text, numpy scalars -> Python scalars) and gives one
key the same type on every element (an int key with a float somewhere becomes float, anything mixed with text becomes
text). Node ids are the bidder ids as text.
"""
from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np

from features.errors import InputError

FORMATS = {".graphml": "graphml", ".gexf": "gexf"}


def _scalar(v):
    if v is None:
        return ""
    if isinstance(v, (list, tuple, set, frozenset)):
        return ";".join(map(str, sorted(v, key=str) if isinstance(v, (set, frozenset)) else v))
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def _unify(values: list):
    kinds = {type(v) for v in values}
    if kinds <= {bool}:
        return values
    if kinds <= {int}:
        return values
    if kinds <= {int, float, bool}:
        return [float(v) for v in values]
    return [("" if isinstance(v, float) and math.isnan(v) else str(v)) for v in values]


def graphml_safe(G: nx.Graph) -> nx.Graph:
    """A copy of `G` with string node ids and scalar attributes of one type per key (see the module doc)."""
    H = nx.Graph() if not G.is_directed() else nx.DiGraph()
    H.graph.update({k: _scalar(v) for k, v in G.graph.items()})
    nodes = [(str(n), {k: _scalar(v) for k, v in d.items()}) for n, d in G.nodes(data=True)]
    edges = [(str(u), str(v), {k: _scalar(x) for k, x in d.items()}) for u, v, d in G.edges(data=True)]
    for items in (nodes, [(None, d) for *_, d in edges]):
        keys = {k for _, d in items for k in d}
        for k in keys:
            have = [d for _, d in items if k in d]
            for d, v in zip(have, _unify([d[k] for d in have])):
                d[k] = v
    H.add_nodes_from(nodes)
    H.add_edges_from(edges)
    return H


def graph_format(path) -> str:
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise InputError(f"{path}: unknown graph format '{ext or '(none)'}' (use .graphml or .gexf)")
    return FORMATS[ext]


def write_graph(G: nx.Graph, path, edge_defaults: dict | None = None) -> Path:
    """Write `G` as GraphML or GEXF by the file's extension (attributes made GraphML-safe first).

    `edge_defaults` ({attribute: value}) declares a default in the file's key (GraphML `<default>`, GEXF `<default>`)
    and leaves that value out of every edge that has it: the relation columns, 0 on most edges, then cost nothing
    (a city-scale graph is about half the size and needs half the memory to write). Gephi applies the defaults;
    networkx's readers leave such an attribute off the edge and keep the defaults in `G.graph["edge_default"]`."""
    path = Path(path)
    fmt = graph_format(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    H = graphml_safe(G)
    if edge_defaults:
        present = {k for *_, d in H.edges(data=True) for k in d}
        defaults = {k: _scalar(v) for k, v in edge_defaults.items() if k in present}
        for *_, d in H.edges(data=True):
            for k, v in defaults.items():
                if k in d and d[k] == v:
                    del d[k]
        H.graph["edge_default"] = defaults
    from features.export import atomic_path

    with atomic_path(path) as tmp:
        if fmt == "graphml":
            nx.write_graphml(H, tmp, named_key_ids=True)
        else:
            nx.write_gexf(H, tmp)
    return path


def ego_network(G: nx.Graph, center, radius: int = 1, max_nodes: int = 200, weight: str = "weight") -> nx.Graph:
    """The firms within `radius` steps of `center`, with every edge among them; when more than `max_nodes`, the ones
    with the strongest ties to the center's neighbourhood are kept. Node attribute `ego` marks the center, `hops` the
    distance."""
    center = str(center)
    if center not in G:
        raise InputError(f"bidder '{center}' is not in the graph (it has no bids in this dataset)")
    if radius < 1:
        raise ValueError(f"radius must be at least 1; got {radius!r}.")
    hops = nx.single_source_shortest_path_length(G, center, cutoff=radius)
    keep = list(hops)
    if len(keep) > max_nodes:
        strength = {n: 0.0 for n in keep}
        for n in keep:
            for m, d in G[n].items():
                if m in strength and hops.get(m, radius + 1) < hops[n]:
                    strength[n] += float(d.get(weight, 1.0))
        keep = sorted(keep, key=lambda n: (hops[n], -strength[n], str(n)))[:max_nodes]
    E = G.subgraph(keep).copy()
    for n in E:
        E.nodes[n]["ego"] = n == center
        E.nodes[n]["hops"] = int(hops[n])
    E.graph["center"] = center
    return E


def draw_group(G: nx.Graph, members, path, title: str = "", context: int = 6, weight: str = "weight") -> Path:
    """A PNG picture of a group: members in red, up to `context` of their strongest outside co-bidders in grey; edge
    width by weight, registry/metadata ties drawn solid dark red with their relation names, co-bidding only in grey."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    members = [str(m) for m in members]
    missing = [m for m in members if m not in G]
    if missing:
        raise InputError(f"group members not in the graph: {', '.join(missing[:5])}")
    outside: dict = {}
    for m in members:
        for n, d in G[m].items():
            if n not in members:
                outside[n] = outside.get(n, 0.0) + float(d.get(weight, 1.0))
    ctx = sorted(outside, key=lambda n: (-outside[n], str(n)))[:context]
    S = nx.Graph()
    S.add_nodes_from(members + ctx)
    S.add_edges_from((u, v, d) for u, v, d in G.subgraph(members + ctx).edges(data=True)
                     if u in members or v in members)  # context firms only as the members' rivals
    pos = nx.shell_layout(S, [members, ctx] if ctx else [members])  # members inside, rivals around them
    fig, ax = plt.subplots(figsize=(7, 6), dpi=110)
    widths = [0.5 + 3.0 * min(1.0, float(d.get(weight, 0.0))) for *_, d in S.edges(data=True)]
    colors = ["#8b0000" if d.get("relations") else "#9e9e9e" for *_, d in S.edges(data=True)]
    nx.draw_networkx_edges(S, pos, ax=ax, width=widths, edge_color=colors, alpha=0.8)
    nx.draw_networkx_nodes(S, pos, nodelist=members, node_color="#d32f2f", node_size=420, ax=ax)
    if ctx:
        nx.draw_networkx_nodes(S, pos, nodelist=ctx, node_color="#bdbdbd", node_size=220, ax=ax)
    nx.draw_networkx_labels(S, pos, labels={n: str(n)[-6:] for n in S}, font_size=7, ax=ax)
    rel_labels = {(u, v): "\n".join(d["relations"].split(";")[:3]) for u, v, d in S.edges(data=True)
                  if d.get("relations") and u in members and v in members}  # the three strongest relations
    if rel_labels:
        nx.draw_networkx_edge_labels(S, pos, edge_labels=rel_labels, font_size=6, font_color="#8b0000", ax=ax)
    ax.set_title(title or f"group of {len(members)} firms", fontsize=9)
    ax.axis("off")
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    from features.export import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return path
