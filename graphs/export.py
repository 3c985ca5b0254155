"""Exports of bidder graphs: GraphML / GEXF files that Gephi and networkx open, ego networks for a case file, and PNG
pictures of a group for reports.

GraphML and GEXF only carry scalar attributes of one type per key, so `graphml_safe` turns every attribute into a
bool, int, float or str (None -> "", lists and sets -> `;`-joined text, numpy scalars -> Python scalars) and gives one
key the same type on every element (an int key with a float somewhere becomes float, anything mixed with text becomes
text). Node ids are the bidder ids as text.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from features.core.errors import InputError

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
    from features.io.export import atomic_path

    with atomic_path(path) as tmp:
        if fmt == "graphml":
            nx.write_graphml(H, tmp, named_key_ids=True)
        else:
            nx.write_gexf(H, tmp)
    return path


GRAPHML_NS = ('xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
              'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
              'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"')
_CHUNK = 20_000  # rows formatted at a time: an edge row is about 1.5 KB of text with its attributes, and building
# a chunk costs about twice its text (100,000 edges took 0.29 GiB at their peak)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _graphml_type(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if pd.api.types.is_integer_dtype(s):
        return "long"
    if pd.api.types.is_float_dtype(s):
        return "double"
    return "string"


def _escaped(s: pd.Series, quote: bool = False) -> pd.Series:
    """Text for XML character data (or, with `quote`, an attribute value): & < > (and " and line breaks) escaped;
    characters XML 1.0 cannot carry become U+FFFD (the networkx writer refuses the whole file instead)."""
    t = s.astype(str)
    if t.str.contains(_NOT_XML).any():
        t = t.str.replace(_NOT_XML, "\ufffd", regex=True)
    t = t.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False).str.replace(">", "&gt;", regex=False)
    if quote:
        t = (t.str.replace('"', "&quot;", regex=False).str.replace("\n", "&#10;", regex=False)
             .str.replace("\r", "&#13;", regex=False).str.replace("\t", "&#9;", regex=False))
    return t


def _values(s: pd.Series, kind: str) -> pd.Series:
    """The values of one attribute column as GraphML text, as networkx writes Python scalars (str of the value)."""
    if kind == "string":
        return _escaped(s)
    if kind == "boolean":
        return s.map({True: "True", False: "False"})
    text = s.to_numpy(dtype=np.float64 if kind == "double" else np.int64).astype(str)  # NaN -> 'nan', as str(nan)
    return pd.Series(text.astype(object), index=s.index)


def _data(frame: pd.DataFrame, kinds: dict, defaults: dict, indent: str) -> pd.Series:
    """Per row, its `<data>` elements: one per attribute column, left out where the value is missing (text: the
    element had no such attribute) or equals the key's default."""
    out = pd.Series("", index=frame.index, dtype=object)
    for c, kind in kinds.items():
        col = frame[c]
        here = col.notna() if kind != "double" else pd.Series(True, index=frame.index)  # NaN is a double's value
        if c in defaults:
            here &= ~(col == defaults[c]).fillna(False).astype(bool)
        if not here.any():
            continue
        text = f'{indent}<data key="{c}">' + _values(col[here], kind) + "</data>\n"
        out[here] = out[here] + text
    return out


def write_graphml_table(nodes: pd.DataFrame, edges: pd.DataFrame, path, edge_defaults: dict | None = None) -> Path:
    """An undirected GraphML file written straight from tables, a chunk of rows at a time: `nodes` (column `id`, then
    one column per attribute), `edges` (columns `source`, `target`, then attributes). The file is what
    `write_graph` writes for the same graph (networkx reads back the same nodes, edges and attribute values, and each
    key's type: long, double, boolean or string by the column's dtype; key ids are the attribute names), without
    building the graph in memory: a province's bidder graph has millions of edges, and networkx holds each edge's
    attributes in a dictionary of its own. A text value that is missing leaves the attribute off its element;
    `edge_defaults` as in `write_graph`."""
    from features.io.export import atomic_path

    path = Path(path)
    if graph_format(path) != "graphml":
        raise InputError(f"{path}: tables are written as GraphML only (use .graphml)")
    path.parent.mkdir(parents=True, exist_ok=True)
    node_kinds = {c: _graphml_type(nodes[c]) for c in nodes.columns if c != "id"}
    edge_kinds = {c: _graphml_type(edges[c]) for c in edges.columns if c not in ("source", "target")}
    defaults = {k: _scalar(v) for k, v in (edge_defaults or {}).items() if k in edge_kinds}
    keys = []
    for scope, kinds in (("node", node_kinds), ("edge", edge_kinds)):
        for c, kind in kinds.items():
            head = f'  <key id="{c}" for="{scope}" attr.name="{c}" attr.type="{kind}"'
            if scope == "edge" and c in defaults:
                keys.append(f"{head}>\n    <default>{_values(pd.Series([defaults[c]]), kind).iloc[0]}</default>\n  </key>\n")
            else:
                keys.append(f"{head} />\n")
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(f"<?xml version='1.0' encoding='utf-8'?>\n<graphml {GRAPHML_NS}>\n")
        f.writelines(keys)
        f.write('  <graph edgedefault="undirected">\n')
        for start in range(0, len(nodes), _CHUNK):
            part = nodes.iloc[start:start + _CHUNK]
            rows = ('    <node id="' + _escaped(part["id"], quote=True) + '">\n' + _data(part, node_kinds, {}, "      ")
                    + "    </node>\n")
            f.writelines(rows.tolist())
        for start in range(0, len(edges), _CHUNK):
            part = edges.iloc[start:start + _CHUNK]
            rows = ('    <edge source="' + _escaped(part["source"], quote=True) + '" target="'
                    + _escaped(part["target"], quote=True) + '">\n' + _data(part, edge_kinds, defaults, "      ")
                    + "    </edge>\n")
            f.writelines(rows.tolist())
        f.write("  </graph>\n</graphml>\n")
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


# Edge kinds in group pictures, strongest first: an edge is drawn in the colour of the first kind it has.
EDGE_KINDS = (("metadata", "#b71c1c", "same bid metadata (device, IP, file, account...)"),
              ("registry", "#1565c0", "registry tie (legal rep, shareholder, address, phone)"),
              ("cobid", "#9e9e9e", "bid together only"))


def edge_kind(d: dict) -> str:
    """'metadata', 'registry' or 'cobid': what ties the two firms of an edge (see `EDGE_KINDS`)."""
    from graphs.relations import BID_RELATIONS, REGISTRY_RELATIONS

    rel = set(str(d.get("relations") or "").split(";"))
    if rel & set(BID_RELATIONS):
        return "metadata"
    if rel & set(REGISTRY_RELATIONS):
        return "registry"
    return "cobid"


def picture_nodes(G: nx.Graph, members, context: int = 6, weight: str = "weight") -> tuple[list[str], list[str]]:
    """(members, outside firms) of a group picture, in the order they are numbered: members 1..k as given, then up to
    `context` outside co-bidders with the strongest ties to the members (A, B, ...)."""
    members = [str(m) for m in members]
    missing = [m for m in members if m not in G]
    if missing:
        raise InputError(f"group members not in the graph: {', '.join(missing[:5])}")
    inside = set(members)
    outside: dict = {}
    for m in members:
        for n, d in G[m].items():
            if n not in inside:
                outside[n] = outside.get(n, 0.0) + float(d.get(weight, 1.0))
    return members, sorted(outside, key=lambda n: (-outside[n], str(n)))[:context]


def picture_labels(members: list, ctx: list) -> dict:
    """Node -> its label in a group picture: 1, 2, ... for members, A, B, ... for outside firms."""
    lab = {m: str(i) for i, m in enumerate(members, 1)}
    lab.update({c: chr(ord("A") + i) if i < 26 else f"Z{i - 25}" for i, c in enumerate(ctx)})
    return lab


def _font_family() -> list[str]:
    from features.io.plots import cjk_fonts

    return ["DejaVu Sans", *cjk_fonts()]


def _ring(nodes: list, radius: float, phase: float = 0.0) -> dict:
    k = len(nodes)
    if k == 1:
        return {nodes[0]: np.array([0.0, 0.0])} if radius < 1.5 else {nodes[0]: np.array([0.0, radius])}
    a = np.pi / 2 - 2 * np.pi * (np.arange(k) / k) + phase
    return {n: np.array([radius * np.cos(t), radius * np.sin(t)]) for n, t in zip(nodes, a)}


LEGEND_WORDS = {"member": "group member (1, 2, ...)", "outside": "outside co-bidder (A, B, ...)",
                "thickness": "thicker line = stronger tie", "key": "key", **{k: t for k, _, t in EDGE_KINDS}}


def draw_group(G: nx.Graph, members, path, title: str = "", context: int = 6, weight: str = "weight",
               names: dict | None = None, key: bool = True, words: dict | None = None) -> Path:
    """A picture (PNG, or SVG by the file's extension) of a group that stays legible up to 15 members and more.

    Members are red circles numbered 1..k on an inner ring, up to `context` of their strongest outside co-bidders grey
    circles lettered A, B, ... on an outer ring (`picture_nodes`, `picture_labels`). Edge width grows with the tie's
    weight; its colour says what ties the two firms (`EDGE_KINDS`: same bid metadata, registry tie, bidding together
    only); a legend explains both. No text sits on edges. With `key`, a numbered key beside the graph names every
    firm (`names`, default the nodes' `name` attribute, then the id); without it the caller prints the key (the case
    report does, in HTML). `words` replaces the legend's English words (`LEGEND_WORDS` keys), e.g. in Chinese."""
    import warnings

    import matplotlib
    from matplotlib.lines import Line2D

    from features.io.plots import DATA_TEXT, pyplot

    plt = pyplot()  # Agg, math text off: a '$' in a firm's name is text

    w = {**LEGEND_WORDS, **(words or {})}
    members, ctx = picture_nodes(G, members, context, weight)
    inside = set(members)
    S = nx.Graph()
    S.add_nodes_from(members + ctx)
    S.add_edges_from((u, v, d) for u, v, d in G.subgraph(members + ctx).edges(data=True)
                     if u in inside or v in inside)  # outside firms only as the members' rivals
    pos = _ring(members, 1.0)
    pos.update(_ring(ctx, 1.65, phase=np.pi / max(len(ctx), 1)))
    labels = picture_labels(members, ctx)
    k = len(members) + len(ctx)
    height = max(5.5, 0.26 * k + 2.2) if key else 6.0
    with warnings.catch_warnings(), matplotlib.rc_context({"font.family": _font_family(), **DATA_TEXT}):
        warnings.simplefilter("ignore")  # a glyph missing from every installed font must not stop a report
        fig = plt.figure(figsize=(11 if key else 7, height), dpi=110)
        ax = fig.add_axes((0.0, 0.08, 0.62 if key else 1.0, 0.84))
        kind_of = {(u, v): edge_kind(d) for u, v, d in S.edges(data=True)}
        for kind, color, _ in reversed(EDGE_KINDS):  # strongest kinds drawn last, on top
            es = [(u, v) for (u, v), kd in kind_of.items() if kd == kind]
            if es:
                widths = [0.8 + 4.0 * min(1.0, float(S.edges[e].get(weight, 0.0))) for e in es]
                nx.draw_networkx_edges(S, pos, edgelist=es, ax=ax, width=widths, edge_color=color,
                                       alpha=0.85 if kind != "cobid" else 0.6)
        size = 620 if len(members) <= 12 else 480
        nx.draw_networkx_nodes(S, pos, nodelist=members, node_color="#d32f2f", node_size=size, ax=ax,
                               edgecolors="white", linewidths=1.5)
        if ctx:
            nx.draw_networkx_nodes(S, pos, nodelist=ctx, node_color="#bdbdbd", node_size=size * 0.7, ax=ax,
                                   edgecolors="white", linewidths=1.5)
        nx.draw_networkx_labels(S, pos, labels={m: labels[m] for m in members}, font_size=9, font_color="white",
                                font_weight="bold", ax=ax)
        if ctx:
            nx.draw_networkx_labels(S, pos, labels={c: labels[c] for c in ctx}, font_size=8, font_color="#212121",
                                    ax=ax)
        ax.set_xlim(-2.05, 2.05)
        ax.set_ylim(-2.05, 2.05)
        ax.set_aspect("equal")
        ax.axis("off")
        handles = [Line2D([], [], marker="o", ls="", color="#d32f2f", markersize=10, label=w["member"])]
        if ctx:
            handles.append(Line2D([], [], marker="o", ls="", color="#bdbdbd", markersize=8,
                                  label=w["outside"]))
        present = set(kind_of.values())
        handles += [Line2D([], [], color=c, lw=3, label=w[kd]) for kd, c, _ in EDGE_KINDS if kd in present]
        fig.legend(handles=handles, loc="lower left", fontsize=7.5, frameon=False, ncol=2,
                   title=w["thickness"], title_fontsize=7.5)
        if key:
            nm = names or {}
            kx = fig.add_axes((0.63, 0.08, 0.36, 0.84))
            kx.axis("off")
            rows = [(labels[n], nm.get(n) or G.nodes[n].get("name") or "", n) for n in members + ctx]
            step = 1.0 / max(len(rows) + 1, 12)
            kx.text(0.0, 1.0, w["key"], fontsize=9, fontweight="bold", va="top")
            for i, (lab, name, n) in enumerate(rows, 1):
                text = f"{name[:26]}{'...' if len(name) > 26 else ''}  {n}" if name else str(n)
                kx.text(0.0, 1.0 - i * step, f"{lab:>2}  {text}", fontsize=7.5, va="top",
                        color="#b71c1c" if n in inside else "#424242")
        fig.suptitle(title or f"group of {len(members)} firms", fontsize=10, x=0.02, ha="left")
        path = Path(path)
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        from features.io.export import atomic_path

        with atomic_path(path) as tmp:  # a picture is whole or absent
            fig.savefig(tmp, format="svg" if path.suffix.lower() == ".svg" else "png")
        plt.close(fig)
    return path
