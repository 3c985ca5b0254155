"""Communities of the combined bidder graph, one connected component at a time, from integer edge arrays, as tasks of
the current engine (`features.engine`).

The graph comes as arrays: node i is the i-th bidder id (sorted as text), edge k joins a[k] < b[k] with weight w[k].
Only edges of positive weight count (a weight-0 edge, two related firms that never bid together, pulls no one into a
community). Connected components come first (`scipy.sparse.csgraph`); no community spans two components, so each is
solved on its own:

- modularity over the whole graph with resolution r equals, inside a component holding the share m_c / m of the edge
  weight, modularity of the component alone with resolution r * m_c / m: that is the resolution each component gets,
  so the partition maximises the same objective as one run over the whole graph;
- a component of one node is a singleton; one of two nodes is one community (two singletons only when its resolution
  reaches 2, where the pair's modularity turns negative); larger ones run Leiden (or Louvain) in igraph
  (`community.membership`), then communities larger than `max_group_size` are split again inside (modularity's
  resolution limit hides a five-firm cartel in a sixty-firm market; the part alone at resolution r, as
  `community.split_large`), then loose members are peeled off (`trim`);
- every run is seeded from `seed` and the smallest member's id text of what it partitions, with nodes and edges in
  sorted order: the groups do not depend on the engine, on the order of the components or on how they are batched.

Big components are one task each; small ones are packed into tasks of about `BATCH_EDGES` edges (`engine.map`).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from graphs import community

BATCH_EDGES = 50_000  # a component with at least this many edges is a task of its own; smaller ones are packed
MAX_ROUNDS = 4        # splitting of too-large communities goes this many levels deep at most


@dataclass(frozen=True)
class Params:
    """How communities are found (`GraphsSettings`' engine, method, resolution, seed, max_group_size, trim,
    min_group_size) and the whole graph's edge weight (for each component's resolution)."""

    engine: str = "auto"
    method: str = "leiden"
    resolution: float = 1.0
    seed: int = 0
    max_size: int = 8
    trim: float = 0.5
    min_size: int = 2
    total_weight: float = 0.0


def derived_seed(seed: int, text: str) -> int:
    """A seed for one run from the settings' seed and a stable text (the smallest member's id): the same in every process."""
    return int.from_bytes(hashlib.blake2b(f"{seed}\x1f{text}".encode(), digest_size=8).digest(), "big") >> 1


def component_labels(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Component number of each of the `n` nodes, components numbered by their smallest node."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    adj = sp.coo_matrix((np.ones(len(a), dtype=np.float32), (a, b)), shape=(n, n)).tocsr()
    _, lab = sp.csgraph.connected_components(adj, directed=False)
    first = np.full(lab.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, lab, np.arange(n))
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[lab]


@dataclass
class Piece:
    """One component: its nodes (global numbers, ascending), its edges in local numbers (sorted), their weights and
    the id text of its smallest node (its seed)."""

    nodes: np.ndarray
    a: np.ndarray
    b: np.ndarray
    w: np.ndarray
    first: str


def pieces(ids: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> list[Piece]:
    """The components of the graph with 3 or more nodes as `Piece`s, in the order of their smallest node (the ones of
    one or two nodes need no algorithm: `small_parts`)."""
    n = len(ids)
    lab = component_labels(n, a, b)
    size = np.bincount(lab, minlength=lab.max() + 1 if n else 0)
    big = np.flatnonzero(size >= 3)
    if not len(big):
        return []
    node_order = np.argsort(lab, kind="stable")  # nodes by component, ascending inside each
    nb = np.searchsorted(lab[node_order], np.arange(len(size) + 1))
    local = np.empty(n, dtype=np.int64)
    for c in big:
        local[node_order[nb[c]:nb[c + 1]]] = np.arange(size[c])
    ec = lab[a]
    keep = size[ec] >= 3
    ec, ea, eb, ew = ec[keep], a[keep], b[keep], w[keep]
    eo = np.lexsort((eb, ea, ec))  # by component, then by the (global = local order) ends
    ec, ea, eb, ew = ec[eo], ea[eo], eb[eo], ew[eo]
    eb_ = np.searchsorted(ec, np.arange(len(size) + 1))
    out = []
    for c in big:
        nodes = node_order[nb[c]:nb[c + 1]]
        s, e = eb_[c], eb_[c + 1]
        out.append(Piece(nodes=nodes, a=local[ea[s:e]].astype(np.int32), b=local[eb[s:e]].astype(np.int32),
                         w=ew[s:e], first=str(ids[nodes[0]])))
    return out


def small_parts(n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, p: Params) -> list[np.ndarray]:
    """The communities of the components of one or two nodes: a pair is one community while its resolution
    r * w / m stays below 2 (below that, one community has the higher modularity: 1 - r' against -r'/2), else two
    singletons."""
    lab = component_labels(n, a, b)
    size = np.bincount(lab, minlength=lab.max() + 1 if n else 0)
    out = [np.array([i]) for i in np.flatnonzero(size[lab] == 1)]
    pair = size[lab[a]] == 2
    for i, j, wij in zip(a[pair], b[pair], w[pair]):
        if p.total_weight > 0 and p.resolution * wij / p.total_weight < 2:
            out.append(np.array([i, j]))
        else:
            out.extend([np.array([i]), np.array([j])])
    return out


def batches(ps: list[Piece], batch_edges: int | None = None) -> list[list[Piece]]:
    """Pieces packed into tasks in their order: one of at least `batch_edges` (default `BATCH_EDGES`) edges alone,
    smaller ones together up to about `batch_edges` edges (and nodes) a task."""
    batch_edges = BATCH_EDGES if batch_edges is None else batch_edges
    out: list[list[Piece]] = []
    cur: list[Piece] = []
    load = 0
    for q in ps:
        size = len(q.a) + len(q.nodes)
        if len(q.a) >= batch_edges:
            out.append([q])
            continue
        if cur and load + size > batch_edges:
            out.append(cur)
            cur, load = [], 0
        cur.append(q)
        load += size
    if cur:
        out.append(cur)
    return out


def _sub(q_a: np.ndarray, q_b: np.ndarray, q_w: np.ndarray, members: np.ndarray, k: int):
    """The edges among `members` (local numbers of one piece of `k` nodes, ascending), renumbered 0..len-1."""
    pos = np.full(k, -1, dtype=np.int64)
    pos[members] = np.arange(len(members))
    ia, ib = pos[q_a], pos[q_b]
    inside = (ia >= 0) & (ib >= 0)
    return ia[inside], ib[inside], q_w[inside]


def _parts(mem: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(mem, kind="stable")
    bounds = np.searchsorted(mem[order], np.arange(mem.max() + 2))
    return [order[bounds[c]:bounds[c + 1]] for c in range(mem.max() + 1)]


def trim(a: np.ndarray, b: np.ndarray, w: np.ndarray, members: np.ndarray, k: int, frac: float,
         min_size: int = 2) -> list[np.ndarray]:
    """Peel loosely attached members off one community (local numbers `members` of a piece of `k` nodes): while the
    member with the weakest mean tie to the others has less than `frac` times the median member's, it leaves (as a
    singleton; ties: the smallest id first). A market rival that a cartel happens to meet often is pulled into its
    community by modularity, but is tied to it far more weakly than the members."""
    if frac <= 0 or len(members) <= max(2, min_size):
        return [members]
    ia, ib, iw = _sub(a, b, w, members, k)
    m = len(members)
    W = sp.coo_matrix((np.r_[iw, iw], (np.r_[ia, ib], np.r_[ib, ia])), shape=(m, m)).tocsr()
    alive = np.ones(m, dtype=bool)
    out = []
    while alive.sum() > max(2, min_size):
        left = np.flatnonzero(alive)
        mean = (W @ alive.astype(float))[left] / (len(left) - 1)
        i = int(np.argmin(mean))
        if mean[i] >= frac * float(np.median(mean)):
            break
        alive[left[i]] = False
        out.append(members[[left[i]]])
    out.append(members[alive])
    return out


def piece_parts(q: Piece, p: Params) -> list[np.ndarray]:
    """The communities of one component (global node numbers): detect at the component's share of the resolution,
    split too-large communities, trim (see the module doc)."""
    k = len(q.nodes)
    res = p.resolution * float(q.w.sum()) / p.total_weight if p.total_weight > 0 else p.resolution
    mem = community.membership(k, q.a, q.b, q.w, engine=p.engine, method=p.method, resolution=res,
                               seed=derived_seed(p.seed, q.first))
    todo = [(part, 0) for part in _parts(mem)]
    done = []
    while todo:
        part, depth = todo.pop()
        if len(part) <= p.max_size or depth >= MAX_ROUNDS:
            done.append(part)
            continue
        sa, sb, sw = _sub(q.a, q.b, q.w, part, k)
        sub = community.membership(len(part), sa, sb, sw, engine=p.engine, method=p.method, resolution=p.resolution,
                                   seed=derived_seed(p.seed, f"{q.first}\x1f{part[0]}\x1f{depth}"))
        if sub.max() < 1:
            done.append(part)
            continue
        todo.extend((part[s], depth + 1) for s in _parts(sub))
    out = []
    for part in done:
        out.extend(trim(q.a, q.b, q.w, part, k, p.trim, p.min_size))
    return [q.nodes[part] for part in out]


def batch_parts(batch: list[Piece], p: Params) -> list[np.ndarray]:
    """The communities of a batch of components (one engine task)."""
    return [part for q in batch for part in piece_parts(q, p)]


def detect_arrays(ids: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray, p: Params,
                  batch_edges: int | None = None) -> list[np.ndarray]:
    """Communities (arrays of node numbers covering every node) of the graph `ids`, (a, b, w): per component, the
    components in tasks of the current engine. Edges of weight <= 0 are left out."""
    from features import engine

    a, b, w = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64), np.asarray(w, dtype=float)
    pos = (w > 0) & (a != b)
    a, b, w = np.minimum(a[pos], b[pos]), np.maximum(a[pos], b[pos]), w[pos]
    p = replace(p, total_weight=float(w.sum()))
    n = len(ids)
    parts = small_parts(n, a, b, w, p)
    work = batches(pieces(ids, a, b, w), batch_edges)
    if work:
        for found in engine.current().map(batch_parts, work, p, label="communities per component"):
            parts.extend(found)
    return parts
