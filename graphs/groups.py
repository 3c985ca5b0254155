"""The combined bidder graph and the suspicious groups found in it.

`build_graphs` joins the co-bidding graph (`graphs.cobid`) and the multiplex relationship graph (`graphs.relations`)
into one weighted edge table (`combined_edges`; a networkx graph of it only when an export needs one). An edge's
`weight`, which community detection maximises modularity over, is

    behaviour = (co_bids / (sqrt(n_bids_a * n_bids_b) + 1)) ** 2     (cosine of the two firms' tender sets, shrunk,
                                                                       squared to sharpen repeated partners)
    weight    = behaviour + relation_weight * (1 - exp(-strength))   (strength: specificity-weighted relations;
                                                                       only for pairs that met in min_cobids tenders)

so firms that keep meeting relative to how often they bid at all, and more so when they share rare registry and bid
metadata, end up together, while an address shared by thirty firms adds almost nothing. Related firms that never bid
together keep their edge (for ego networks and exports) with weight 0.

`find_groups` takes the communities, found per connected component from integer edge arrays (`graphs.components`;
communities larger than `max_group_size` are split again: the resolution limit of modularity hides a five-firm cartel
inside a sixty-firm market) and scores each group by its bidding behaviour first:

- exclusivity (Wachs & Kertesz 2019): of all the co-bidding of the members, the share that is with each other,
  sum_t m_t (m_t - 1) / sum_t m_t (n_t - 1) over tenders t with m_t members among n_t bidders;
- cohesion (Wachs & Kertesz's weighted density, scale-free): the mean over member pairs of
  co_bids / min(n_bids_a, n_bids_b) (0 for pairs that never met);
- control: of the decided tenders where two or more members bid, the share a member won, above what their share of
  the bidders would give by chance;
- the pattern of wins in those joint tenders: evenness (rotation: wins shared out in turn) and the share of members'
  losses that went to one member (cover bidding);
- the screens of the joint tenders (features.evidence.screens.tender_screens): how much tighter their prices are than the rest;
- the relations that tie the members (share of member pairs tied, specificity-weighted).

    behaviour = 0.5 exclusivity + 0.3 cohesion + 0.2 control
    score     = support * (0.5 behaviour + 0.3 tight_prices + 0.1 pattern + 0.1 relations),  support = n / (n + 5)

with n the number of joint tenders. Relations alone (an office building, a shared agent) cannot lift a group whose
members do not bid together exclusively; that is how honest false leads stay below cartels. The weights were chosen
on four simulated tiny cities (seeds 1, 2, 3, 5: `benchmarks/graphs.py`); exclusivity and tight prices separate
planted cartels best there (group-level AUC 0.99 and 0.98), control least (0.44: accompanying bidders and
suppression cartels do not win their joint tenders), so it weighs little.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from features.core.settings import GraphsSettings, validate_section
from graphs import cobid, community, relations
from graphs.chance import chance_words, more_than_chance

W_EXCLUSIVITY, W_COHESION, W_CONTROL = 0.5, 0.3, 0.2
W_BEHAVIOUR, W_PRICES, W_PATTERN, W_RELATIONS = 0.5, 0.3, 0.1, 0.1
GROUP_COLUMNS = ["group_id", "members", "score", "evidence", "size", "n_joint", "exclusivity", "cohesion", "control",
                 "evenness", "loss_focus", "tight_prices", "relation_density", "relations"]


# what is kept of every co-bidding pair once the edge table is built: the ids, the tenders they met in (degree, the
# case file's pictures) and the overlap (a group's cohesion); a province has 5.6 million pairs
PAIR_COLUMNS = ("bidder_a", "bidder_b", "co_bids", "overlap")


@dataclass
class BidderGraphs:
    """Everything built from one dataset: the tables behind the graphs and the combined graph as an edge table.

    Community detection, scoring and the feature tables read the tables and `arrays()`; the networkx graph (`graph`)
    is built only when asked for, once (exports, ego networks, pictures: `neighbourhood` for a few firms)."""

    bids: pd.DataFrame
    stats: pd.DataFrame                 # per bidder: n_bids, n_wins, n_losses (bidder ids sorted as text: node i)
    pairs: pd.DataFrame                 # co-bidding pairs (every pair that met at least once): `PAIR_COLUMNS`
    relation_pairs: pd.DataFrame        # long: firm_a, firm_b, relation, value, n_firms, weight
    strength: pd.DataFrame              # wide: per tied pair, one column per relation, relations, strength
    edges: pd.DataFrame                 # combined graph's edges (co-bidding >= min_cobids or any relation), `EDGE_COLUMNS`
    registry: pd.DataFrame | None = None  # the bidders' registry text (name, industry, region) for node attributes
    skipped: dict = field(default_factory=dict)  # relation -> values ignored as too common
    _graph: nx.Graph | None = field(default=None, init=False, repr=False)
    _arrays: tuple | None = field(default=None, init=False, repr=False)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(bidder ids, a, b, weight): edge k of the combined graph joins node a[k] and node b[k] (numbers into the
        ids, which are sorted as text), with the weight community detection maximises modularity over."""
        if self._arrays is None:
            ids = self.stats["bidder_id"].to_numpy(dtype=object)
            index = pd.Index(ids)
            a = index.get_indexer(self.edges["bidder_a"]).astype(np.int64)
            b = index.get_indexer(self.edges["bidder_b"]).astype(np.int64)
            self._arrays = (ids, a, b, self.edges["weight"].to_numpy(float))
        return self._arrays

    @property
    def graph(self) -> nx.Graph:
        """The combined networkx graph (built on first use and kept): every bidder a node (`n_bids`, `n_wins`, registry
        text), an edge per row of `edges` with its attributes."""
        if self._graph is None:
            self._graph = graph_from_edges(self.stats, self.edges, node_attributes(self.registry))
        return self._graph

    def neighbourhood(self, firms) -> nx.Graph:
        """A small networkx graph: `firms` (those that are bidders), their neighbours, and every edge at one of the
        firms, with the attributes of the combined graph (a group's picture needs no more)."""
        if self._graph is not None:
            inside = [f for f in map(str, firms) if f in self._graph]
            keep = set(inside).union(*(self._graph[f] for f in inside))
            H = nx.Graph()
            H.add_nodes_from((n, self._graph.nodes[n]) for n in sorted(keep))
            H.add_edges_from((u, v, d) for u, v, d in self._graph.edges(inside, data=True))
            return H
        ids, a, b, _ = self.arrays()
        codes = pd.Index(ids).get_indexer(pd.Index(list(map(str, firms))))
        codes = codes[codes >= 0]
        at = np.isin(a, codes) | np.isin(b, codes)
        nodes = np.unique(np.r_[codes, a[at], b[at]])
        stats = self.stats.iloc[nodes]
        reg = None if self.registry is None else self.registry[self.registry["enterprise_id"].isin(stats["bidder_id"])]
        return graph_from_edges(stats, self.edges[at], node_attributes(reg))


def _settings(settings) -> GraphsSettings:
    if settings is None:
        return GraphsSettings()
    return getattr(settings, "graphs", settings)


def _registry(enterprises: pd.DataFrame | None, firms=None) -> pd.DataFrame | None:
    """The registry's descriptive text columns (name, industry, region) of `firms`, one row per enterprise id."""
    if enterprises is None:
        return None
    cols = [c for c in ("name", "industry", "region") if c in enterprises.columns]
    if not cols:
        return None
    e = enterprises[["enterprise_id", *cols]].copy()
    e["enterprise_id"] = e["enterprise_id"].astype(str)
    if firms is not None:
        e = e[e["enterprise_id"].isin(firms)]
    return e.drop_duplicates("enterprise_id").reset_index(drop=True)


def node_attributes(registry: pd.DataFrame | None) -> dict:
    """GraphML-safe descriptive node attributes from the registry (text, '' when missing)."""
    if registry is None:
        return {}
    cols = [c for c in registry.columns if c != "enterprise_id"]
    vals = {c: registry[c].astype("string").fillna("").to_numpy(dtype=object) for c in cols}
    return {k: {c: str(vals[c][i]) for c in cols} for i, k in enumerate(registry["enterprise_id"].to_numpy())}


def build_graphs(bids: pd.DataFrame, enterprises: pd.DataFrame | None = None,
                 shareholders: pd.DataFrame | None = None, settings=None) -> BidderGraphs:
    """Build the co-bidding pairs, the relations and the combined graph's edge table (every bidder in `bids` is a node)."""
    s = _settings(settings)
    if bids is None or len(bids) == 0:
        raise ValueError("build_graphs needs at least one bid; got an empty bids table.")
    bids = bids.copy()
    bids["tender_id"] = bids["tender_id"].astype(str)
    bids["bidder_id"] = bids["bidder_id"].astype(str)
    stats = cobid.bidder_stats(bids)
    pairs = cobid.cobid_pairs(bids, min_cobids=1)
    firms = set(stats["bidder_id"])
    rel, skipped = relations.relation_pairs(enterprises, shareholders, bids, max_firms=s.max_firms_per_value,
                                            min_share=s.min_share, firms=firms)
    strength = relations.relation_strength(rel, s.relation_weights)
    edges = combined_edges(stats, pairs, strength, s)
    pairs = pairs[list(PAIR_COLUMNS)]  # the edge table holds the rest for the pairs that became edges
    return BidderGraphs(bids=bids, stats=stats, pairs=pairs, relation_pairs=rel, strength=strength, edges=edges,
                        registry=_registry(enterprises, firms), skipped=skipped)


EDGE_COLUMNS = ["co_bids", "a_won", "b_won", "cover", "overlap", "ratio_sd", "gap_mean", "shared_meta_tenders",
                "behaviour", *relations.RELATIONS, "relations", "relation_strength", "top_value", "weight"]
_EDGE_INTS = {"co_bids", "a_won", "b_won", "shared_meta_tenders"}
_EDGE_TEXT = {"relations", "top_value"}


def combined_edges(stats: pd.DataFrame, pairs: pd.DataFrame, strength: pd.DataFrame, settings=None) -> pd.DataFrame:
    """The combined graph's edges, one row per pair (`bidder_a` < `bidder_b`, then `EDGE_COLUMNS`): co-bidding pairs
    that met in at least `min_cobids` tenders plus every related pair of two bidders, with the `weight` of the module
    doc."""
    s = _settings(settings)
    n = dict(zip(stats["bidder_id"], stats["n_bids"]))
    p = pairs[pairs["co_bids"] >= s.min_cobids]
    cos = p["co_bids"].to_numpy(float) / (np.sqrt(p["bidder_a"].map(n).to_numpy(float) *
                                                  p["bidder_b"].map(n).to_numpy(float)) + 1.0)
    beh = cos ** 2  # squaring sharpens: honest rivals in one market (cos ~0.15) fade, repeated partners (~0.65) stay
    p = p.assign(behaviour=beh)
    st = strength.rename(columns={"firm_a": "bidder_a", "firm_b": "bidder_b", "strength": "relation_strength"})
    e = p.merge(st, on=["bidder_a", "bidder_b"], how="outer")
    if len(e):
        e = e[e["bidder_a"].isin(n) & e["bidder_b"].isin(n)]
    for c in ("co_bids", "a_won", "b_won"):
        e[c] = e[c].fillna(0).astype(np.int64)
    for c in ("behaviour", "overlap", "relation_strength", "shared_meta_tenders", *relations.RELATIONS):
        e[c] = e[c].fillna(0.0).astype(float)
    e["shared_meta_tenders"] = e["shared_meta_tenders"].astype(np.int64)
    for c in ("ratio_sd", "gap_mean"):
        e[c] = e[c].astype(float)
    e["cover"] = e["cover"].astype(float)
    e["relations"] = e["relations"].fillna("").astype(str)
    e["top_value"] = e["top_value"].fillna("").astype(str)
    # relations weigh only between firms that met in tenders: related firms that never bid together rig nothing
    # together, and a file-creator name or building shared with outsiders must not pull them into a cartel's group
    met = (e["co_bids"] > 0).to_numpy(float)
    e["weight"] = e["behaviour"] + s.relation_weight * met * (1.0 - np.exp(-e["relation_strength"]))
    return e[["bidder_a", "bidder_b", *EDGE_COLUMNS]].reset_index(drop=True)


def graph_from_edges(stats: pd.DataFrame, edges: pd.DataFrame, node_attrs: dict | None = None) -> nx.Graph:
    """One networkx graph: nodes = the bidders of `stats` (`n_bids`, `n_wins`, registry text from `node_attrs`), edges =
    the rows of a `combined_edges` table; attributes are GraphML-safe scalars."""
    G = nx.Graph()
    na = node_attrs or {}
    for r in stats.itertuples(index=False):
        G.add_node(r.bidder_id, n_bids=int(r.n_bids), n_wins=int(r.n_wins), **na.get(r.bidder_id, {}))
    arrays = [edges[c].to_numpy() for c in EDGE_COLUMNS]
    for a, b, *vals in zip(edges["bidder_a"].to_numpy(), edges["bidder_b"].to_numpy(), *arrays):
        G.add_edge(a, b, **{c: (int(v) if c in _EDGE_INTS else str(v) if c in _EDGE_TEXT else float(v))
                            for c, v in zip(EDGE_COLUMNS, vals)})
    return G


def detect(graph, settings=None) -> list[set]:
    """Communities of the combined graph (`BidderGraphs`, or any weighted networkx graph), per connected component on
    the current engine: large ones split again, loose members peeled off (settings: engine, method, resolution, seed,
    max_group_size, trim; see `graphs.components`). Node sets covering every node, largest first."""
    from graphs import components

    s = _settings(settings)
    if isinstance(graph, nx.Graph):
        if graph.is_directed():
            raise TypeError(f"detect needs an undirected graph; got {type(graph).__name__}.")
        ids = np.array(sorted(graph.nodes, key=str), dtype=object)
        index = {n: i for i, n in enumerate(ids)}
        ends = [(index[u], index[v], float(d.get("weight", 1.0))) for u, v, d in graph.edges(data=True)]
        a, b, w = (np.array([e[k] for e in ends], dtype=float if k == 2 else np.int64) for k in range(3))
    else:
        ids, a, b, w = graph.arrays()
    validate_section(s)  # [graphs] values (method, resolution, sizes) are checked with the settings
    community.resolve_engine(s.engine)
    p = components.Params(engine=s.engine, method=s.method, resolution=s.resolution, seed=s.seed,
                          max_size=s.max_group_size, trim=s.trim, min_size=s.min_group_size)
    parts = [set(ids[c]) for c in components.detect_arrays(ids, a, b, w, p)]
    return sorted(parts, key=lambda q: (-len(q), min(map(str, q))))


def _screens(bids: pd.DataFrame) -> pd.DataFrame:
    """The coefficient of variation of each tender's bids (`features.evidence.screens.tender_screens`), tender ids as text."""
    from features.evidence.screens import tender_screens

    sc = tender_screens(bids)[["tender_id", "cv"]].copy()
    sc["tender_id"] = sc["tender_id"].astype(str)
    return sc


def _entropy_evenness(counts: np.ndarray, k: int) -> float:
    tot = counts.sum()
    if tot <= 0 or k < 2:
        return float("nan")
    p = counts[counts > 0] / tot
    return float(-(p * np.log(p)).sum() / np.log(min(k, tot)) if min(k, tot) > 1 else 0.0)


def _slices(keys: np.ndarray, n: int) -> np.ndarray:
    """Bounds of groups 0..n-1 in an array sorted by group key: rows of group i are bounds[i]:bounds[i + 1]."""
    return np.searchsorted(keys, np.arange(n + 1))


def _joint_tenders(bg: BidderGraphs, gid: dict, ng: int, tenders: pd.DataFrame | None, screens: pd.DataFrame | None):
    """Where the members of each group bid: (exclusivity numerators and denominators per group, the tenders where 2+
    members met with their cv, the members' wins in those tenders in time order, all tenders' cvs sorted or None)."""
    bids = bg.bids
    b = bids[["tender_id", "bidder_id"]].copy()
    b["win"] = cobid._winner_mask(bids)
    b = b.groupby(["tender_id", "bidder_id"], sort=False, as_index=False)["win"].max()
    b["n_t"] = b.groupby("tender_id")["bidder_id"].transform("size").to_numpy()
    b["decided"] = b.groupby("tender_id")["win"].transform("max").to_numpy()
    b["g"] = b["bidder_id"].map(gid)
    m = b.dropna(subset=["g"]).copy()
    m["g"] = m["g"].astype(np.int64)
    m["m_t"] = m.groupby(["tender_id", "g"])["bidder_id"].transform("size")
    # exclusivity (Wachs & Kertesz): internal share of the members' co-bidding
    ex_num = (m["m_t"] - 1).groupby(m["g"]).sum().reindex(range(ng), fill_value=0).to_numpy(float)
    ex_den = (m["n_t"] - 1).groupby(m["g"]).sum().reindex(range(ng), fill_value=0).to_numpy(float)
    joint = m[m["m_t"] >= 2]
    jt = joint.groupby(["g", "tender_id"], sort=True).agg(m_t=("m_t", "first"), n_t=("n_t", "first"),
                                                          won=("win", "max"), decided=("decided", "first"))
    jt = jt.reset_index()
    if screens is None:
        screens = _screens(bids)
    cv_all = None
    if screens is not None and screens["cv"].notna().any():
        cv_all = np.sort(screens["cv"].dropna().to_numpy(float))
        jt["cv"] = jt["tender_id"].map(screens.drop_duplicates("tender_id").set_index("tender_id")["cv"])
    else:
        jt["cv"] = np.nan
    w = joint[joint["win"]][["g", "tender_id", "bidder_id", "m_t"]].copy()
    if tenders is not None and "published_at" in tenders.columns:
        when = tenders.assign(tender_id=tenders["tender_id"].astype(str)).drop_duplicates("tender_id")
        w["t"] = w["tender_id"].map(when.set_index("tender_id")["published_at"])
    else:
        w["t"] = pd.NaT
    w = w.sort_values(["g", "t", "tender_id"], na_position="last")
    return ex_num, ex_den, jt, w, cv_all


def _cohesion_sums(bg: BidderGraphs, gid: dict, ng: int) -> np.ndarray:
    """Per group, the sum of the co-bidding overlap over its member pairs (cohesion = this / number of pairs)."""
    pr = bg.pairs
    ga, gb = pr["bidder_a"].map(gid), pr["bidder_b"].map(gid)
    inside = (ga == gb) & ga.notna()
    coh_sum = pr.loc[inside, "overlap"].groupby(ga[inside].astype(np.int64)).sum()
    return coh_sum.reindex(range(ng), fill_value=0.0).to_numpy(float)


def _relations_inside(bg: BidderGraphs, gid: dict, ng: int) -> tuple[np.ndarray, list[dict], list[dict]]:
    """Per group: the saturated strength of registry and metadata relations between members, summed over member pairs,
    how many member pairs each kind of relation ties, and of those how many it ties only through a common value
    (weight below `relations.COMMON_WEIGHT`: a value shared by `relations.COMMON_FIRMS` firms or more)."""
    st = bg.strength
    rel_sum = np.zeros(ng)
    rel_counts: list[dict] = [{} for _ in range(ng)]
    common: list[dict] = [{} for _ in range(ng)]  # the same, for pairs tied in a relation only by common values
    if len(st):
        ra, rb = st["firm_a"].map(gid), st["firm_b"].map(gid)
        rin = (ra == rb) & ra.notna()
        rg = ra[rin].astype(np.int64).to_numpy()
        sat = 1 - np.exp(-st.loc[rin, "strength"].to_numpy(float))
        np.add.at(rel_sum, rg, sat)
        known = [r for r in relations.RELATIONS if r in st.columns]
        weights = st.loc[rin, known].to_numpy(float) if known else np.zeros((int(rin.sum()), 0))
        col = {r: j for j, r in enumerate(known)}
        for g_, rs, w in zip(rg, st.loc[rin, "relations"], weights):
            for r in rs.split(";"):
                if r:
                    rel_counts[g_][r] = rel_counts[g_].get(r, 0) + 1
                    if r in col and w[col[r]] < relations.COMMON_WEIGHT:
                        common[g_][r] = common[g_].get(r, 0) + 1
    return rel_sum, rel_counts, common


def relation_words(counts: dict, common: dict) -> str:
    """`legal_rep (2 pairs)`, then the relations that tie member pairs only through values many firms share, said to be
    weak: `; weakly, through values shared by 10+ firms: file_creator (17 pairs)`."""
    def words(d):
        return ", ".join(f"{r} ({c} pair{'s' if c > 1 else ''})" for r, c in sorted(d.items(), key=lambda x: (-x[1], x[0])))

    specific = {r: c - common.get(r, 0) for r, c in counts.items() if c - common.get(r, 0) > 0}
    out = words(specific)
    if common:
        out += ("; " if out else "") + (f"weakly, through values shared by {relations.COMMON_FIRMS}+ firms (common): "
                                         + words(common))
    return out


def _winning_pattern(codes: np.ndarray, names, k: int, j_m_dec: np.ndarray, w_m: np.ndarray) -> dict:
    """How the wins of one group's joint tenders are shared: evenness of wins over members, the share of the members'
    losses that went to the top winner (cover bidding), how often the winner changes between consecutive wins."""
    n_w = len(codes)
    out = {"evenness": float("nan"), "loss_focus": float("nan"), "turn": float("nan"), "top_winner": "", "top_wins": 0}
    if not n_w:
        return out
    uniq, cnt = np.unique(codes, return_counts=True)
    out["evenness"] = _entropy_evenness(cnt.astype(float), k)
    top = int(uniq[np.argmax(cnt)])
    out["top_winner"], out["top_wins"] = str(names[top]), int(cnt.max())
    losses = float(j_m_dec.sum() - n_w)
    lost_to_top = float((w_m[codes == top] - 1).sum())
    out["loss_focus"] = lost_to_top / losses if losses > 0 else float("nan")
    if n_w >= 3:
        out["turn"] = float(np.mean(codes[1:] != codes[:-1]))
    return out


def _evidence_words(k, n_joint, exclusivity, cohesion, n_dec, won_joint, exp_won, pat, n_w, tight, med_cv, rel_words,
                    won_tail=None):
    """The group's evidence in sentences an investigator can check. `won_tail`: the chance of winning at least as
    often by chance, given only when that is unlikely (`graphs.chance.more_than_chance`); otherwise the wins are not
    offered as evidence."""
    ev = [f"{k} firms bid together (2+ of them) in {n_joint} tenders",
          f"exclusivity {exclusivity:.2f} (share of their co-bidding that is with each other), cohesion {cohesion:.2f}"]
    if n_dec and won_tail is not None:  # only wins chance explains badly are evidence (graphs.chance)
        ev.append(f"members won {won_joint:.0f} of {n_dec} decided joint tenders, more than the {exp_won:.1f} expected "
                  f"by chance (chance of {won_joint:.0f} or more: {chance_words(won_tail)})")
    evenness, loss_focus, turn = pat["evenness"], pat["loss_focus"], pat["turn"]
    if pat["top_wins"]:
        if not np.isnan(loss_focus) and loss_focus >= 0.6 and pat["top_wins"] >= 2:
            ev.append(f"{loss_focus:.0%} of members' losses went to {pat['top_winner']} (cover bidding pattern)")
        if not np.isnan(evenness) and evenness >= 0.8 and n_w >= 3:
            ev.append(f"wins shared out evenly among members (evenness {evenness:.2f}"
                      + (f", winner changes in {turn:.0%} of consecutive wins" if not np.isnan(turn) else "")
                      + "): rotation pattern")
    if not np.isnan(tight):
        ev.append(f"median price spread (cv) of joint tenders {med_cv:.3f}, tighter than {tight:.0%} of tenders")
    if rel_words:
        ev.append(f"tied by {rel_words}")
    return "; ".join(ev)


def score_groups(bg: BidderGraphs, parts: list[set], tenders: pd.DataFrame | None = None,
                 screens: pd.DataFrame | None = None, settings=None) -> pd.DataFrame:
    """Score and rank groups (see the module doc). Returns one row per group of at least `min_group_size` firms with
    `GROUP_COLUMNS`, highest score first, `group_id` 1..n in that order.

    Steps: where the members met (`_joint_tenders`), how tightly they bid with each other (`_cohesion_sums`), what ties
    them (`_relations_inside`), then per group how they won (`_winning_pattern`), the score and its evidence in words."""
    s = _settings(settings)
    groups = [sorted(map(str, p)) for p in parts if len(p) >= s.min_group_size]
    if not groups:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    ng = len(groups)
    gid = {f: i for i, g in enumerate(groups) for f in g}
    ex_num, ex_den, jt, w, cv_all = _joint_tenders(bg, gid, ng, tenders, screens)
    w_code, w_names = pd.factorize(w["bidder_id"])
    coh_sum = _cohesion_sums(bg, gid, ng)
    rel_sum, rel_counts, rel_common = _relations_inside(bg, gid, ng)
    jb = _slices(jt["g"].to_numpy(), ng)
    wb = _slices(w["g"].to_numpy(), ng)
    j_m, j_n = jt["m_t"].to_numpy(float), jt["n_t"].to_numpy(float)
    j_won, j_dec, j_cv = jt["won"].to_numpy(bool), jt["decided"].to_numpy(bool), jt["cv"].to_numpy(float)
    w_m = w["m_t"].to_numpy(float)
    rows = []
    for i, g in enumerate(groups):
        k = len(g)
        npairs = k * (k - 1) / 2
        exclusivity = float(ex_num[i] / ex_den[i]) if ex_den[i] > 0 else 0.0
        cohesion = float(coh_sum[i] / npairs)
        js = slice(jb[i], jb[i + 1])
        n_joint = jb[i + 1] - jb[i]
        dec = j_dec[js]
        n_dec = int(dec.sum())
        control = won_joint = exp_won = 0.0
        won_tail = None
        if n_dec:
            won_joint = float(j_won[js][dec].sum())
            offered, exp_won, tail = more_than_chance(won_joint, j_m[js][dec] / j_n[js][dec])
            won_tail = tail if offered else None
            obs, exp = won_joint / n_dec, exp_won / n_dec
            control = float(np.clip((obs - exp) / (1 - exp), 0, 1)) if exp < 0.999 else 0.0
        ws = slice(wb[i], wb[i + 1])
        n_w = wb[i + 1] - wb[i]
        pat = _winning_pattern(w_code[ws], w_names, k, j_m[js][dec], w_m[ws])
        evenness, loss_focus = pat["evenness"], pat["loss_focus"]
        pattern = max(0.0 if np.isnan(evenness) else evenness, 0.0 if np.isnan(loss_focus) else loss_focus)
        tight = med_cv = float("nan")
        if cv_all is not None and n_joint:
            cvs = j_cv[js]
            cvs = cvs[~np.isnan(cvs)]
            if len(cvs):
                med_cv = float(np.median(cvs))
                tight = 1.0 - np.searchsorted(cv_all, med_cv, side="right") / len(cv_all)
        rel_density = float(rel_sum[i] / npairs)
        rc = rel_counts[i]
        rel_words = relation_words(rc, rel_common[i])
        behaviour = W_EXCLUSIVITY * exclusivity + W_COHESION * cohesion + W_CONTROL * control
        support = n_joint / (n_joint + 5.0)
        score = support * (W_BEHAVIOUR * behaviour + W_PRICES * (0.0 if np.isnan(tight) else tight)
                           + W_PATTERN * pattern + W_RELATIONS * min(rel_density, 1.0))
        evidence = _evidence_words(k, n_joint, exclusivity, cohesion, n_dec, won_joint, exp_won, pat, n_w, tight, med_cv,
                                   rel_words, won_tail)
        rows.append({"members": ";".join(g), "score": round(float(score), 6), "evidence": evidence, "size": k,
                     "n_joint": int(n_joint), "exclusivity": exclusivity, "cohesion": cohesion, "control": control,
                     "evenness": evenness, "loss_focus": loss_focus, "tight_prices": tight,
                     "relation_density": rel_density, "relations": ";".join(rc)})
    return rank_groups(pd.DataFrame(rows, columns=[c for c in GROUP_COLUMNS if c != "group_id"]))


# The one order of bidder groups across the toolkit (`graph groups`, `collusion score`'s group list, the case report):
# highest score first; equal scores by more joint tenders (more support), then higher exclusivity, then more members,
# then the members' ids as text, so the order is total and the same on every run.
RANK_ORDER = (("score", False), ("n_joint", False), ("exclusivity", False), ("size", False), ("members", True))
RANK_EXPLAINED = ("highest group score first; equal scores by more joint tenders, then higher exclusivity, then more "
                  "members, then the members' ids")


def rank_groups(groups: pd.DataFrame) -> pd.DataFrame:
    """`groups` (the columns of `GROUP_COLUMNS`, `group_id` optional) in `RANK_ORDER`, with `group_id` = rank (1 = first).
    Every listing of bidder groups orders them with this function, so a group has one rank everywhere."""
    g = groups.drop(columns=["group_id"], errors="ignore")
    by = [c for c, _ in RANK_ORDER]
    out = g.sort_values(by, ascending=[a for _, a in RANK_ORDER], kind="stable", na_position="last")
    out = out.reset_index(drop=True)
    out.insert(0, "group_id", np.arange(1, len(out) + 1))
    return out[[c for c in GROUP_COLUMNS if c in out.columns] + [c for c in out.columns if c not in GROUP_COLUMNS]]


def find_groups(bids: pd.DataFrame, enterprises: pd.DataFrame | None = None,
                shareholders: pd.DataFrame | None = None, tenders: pd.DataFrame | None = None,
                settings=None, graphs: BidderGraphs | None = None) -> tuple[pd.DataFrame, BidderGraphs]:
    """Build the graphs (unless given), detect communities and rank them: (groups table, graphs)."""
    bg = graphs or build_graphs(bids, enterprises, shareholders, settings)
    parts = detect(bg, settings)
    return score_groups(bg, parts, tenders=tenders, settings=settings), bg
