"""The relationship graph: which registry and bid-metadata relations tie two firms.

Relations (each one layer of a multiplex graph):
- `legal_rep`: the same legal representative (`enterprises.legal_rep_id`);
- `shareholder`: a common holder, directly or through a chain of holdings, or one firm holding the other
  (`shareholders.enterprise_id`, `holder_id`, `holder_type`, `share`; a chain is followed through holders that are
  themselves enterprises, the effective share being the product along the chain);
- `address`, `phone`: the same registered address (case, blanks and punctuation ignored) / phone (digits only);
- `building`: the same address once a trailing room or unit is removed (firms in one office building: weak alone);
- bid metadata: the same `device_id`, `file_creator`, `ca_serial`, `deposit_account`, `project_manager_id`,
  `agent_id`, `ip`, `mac` on bids of the two firms anywhere in the data.

**Specificity.** A value shared by k firms ties each of its k(k-1)/2 pairs with weight 1/(k-1): two firms that alone
share a legal representative are tied with weight 1, thirty firms in one office building are tied with 1/29 each
(the pairs of one value sum to k/2, so a common value cannot outweigh a rare one by sheer number of pairs). Values
shared by more than `max_firms` firms (a registry agent's address, a platform's default CA) are ignored and counted.
A pair's strength in one relation is the largest weight over the values it shares in that relation.
"""
from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np
import pandas as pd

REGISTRY_RELATIONS = ("legal_rep", "shareholder", "address", "building", "phone")
BID_RELATIONS = ("device_id", "file_creator", "ca_serial", "deposit_account", "project_manager_id", "agent_id", "ip",
                 "mac")
RELATIONS = REGISTRY_RELATIONS + BID_RELATIONS

_REG_COLUMNS = {"legal_rep": "legal_rep_id", "address": "address", "building": "address", "phone": "phone"}
_ROOM = r"(\d+[a-z]?(室|房|房间|号房|room|rm|单元|户)|(室|房|room|rm|unit)\d+[a-z]?)$"
_BLANKS = {"", "nan", "none", "null", "na", "n/a", "-", "0", "unknown", "未知", "无"}


def _norm_address(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.lower().str.replace(r"[\s,.;:，。；：、()（）#\-_/]+", "", regex=True)
    return s.mask(s.isin(_BLANKS))


def _norm_building(s: pd.Series) -> pd.Series:
    """The address without its trailing room or unit: firms in one office building, a weaker tie than one room."""
    return _norm_address(s).str.replace(_ROOM, "", regex=True)


def _norm_id(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip().str.lower()
    return s.mask(s.isin(_BLANKS))


def _norm_phone(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.replace(r"\D+", "", regex=True)
    s = s.str.replace(r"^(0086|86)(?=1\d{10}$)", "", regex=True)
    return s.mask((s.str.len() < 5) | s.isin(_BLANKS))


def value_pairs(firm: pd.Series, value: pd.Series, relation: str, max_firms: int = 50) -> tuple[pd.DataFrame, int]:
    """Pairs of firms that share a value: (DataFrame `firm_a` < `firm_b`, `relation`, `value`, `n_firms`, `weight`,
    number of values skipped because more than `max_firms` firms share them)."""
    d = pd.DataFrame({"firm": firm.astype(str).to_numpy(), "value": value.to_numpy()}).dropna().drop_duplicates()
    d = d[d["value"].astype(str) != ""]
    size = d.groupby("value", sort=False)["firm"].transform("size")
    skipped = int(d.loc[size > max_firms, "value"].nunique())
    d = d[(size >= 2) & (size <= max_firms)]
    if d.empty:
        return _empty_pairs(), skipped
    d = d.sort_values(["value", "firm"])
    m = d.merge(d, on="value", suffixes=("_a", "_b"))
    m = m[m["firm_a"] < m["firm_b"]]
    n = m.groupby("value", sort=False)["firm_a"].transform("size")  # k(k-1)/2 pairs
    k = (1 + np.sqrt(1 + 8 * n.to_numpy(dtype=float))) / 2
    out = pd.DataFrame({"firm_a": m["firm_a"].to_numpy(), "firm_b": m["firm_b"].to_numpy(), "relation": relation,
                        "value": m["value"].astype(str).to_numpy(), "n_firms": np.rint(k).astype(np.int64)})
    out["weight"] = 1.0 / (out["n_firms"] - 1)
    return out, skipped


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame({"firm_a": pd.Series(dtype=object), "firm_b": pd.Series(dtype=object),
                         "relation": pd.Series(dtype=object), "value": pd.Series(dtype=object),
                         "n_firms": pd.Series(dtype=np.int64), "weight": pd.Series(dtype=float)})


def holdings_closure(shareholders: pd.DataFrame, max_depth: int = 6) -> pd.DataFrame:
    """Every (enterprise, ultimate or intermediate holder) pair reachable up a chain of holdings, with `share` the
    largest product of shares over the chains (a missing share counts as 1: the holding is known, its size is not)
    and `depth` the chain length. Holders that are themselves enterprises are followed upwards; cycles are cut."""
    sh = shareholders.copy()
    sh["enterprise_id"] = sh["enterprise_id"].astype(str)
    sh["holder_id"] = sh["holder_id"].astype(str)
    share = pd.to_numeric(sh["share"], errors="coerce") if "share" in sh.columns else pd.Series(np.nan, index=sh.index)
    share = share.where(share <= 1, share / 100.0)  # percentages
    sh["share"] = share.fillna(1.0).clip(0, 1)
    up: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for e, h, s in zip(sh["enterprise_id"], sh["holder_id"], sh["share"]):
        if e != h:
            up[e].append((h, float(s)))
    rows = []
    for e in list(up):
        best: dict[str, tuple[float, int]] = {}
        frontier = [(e, 1.0, 0, frozenset([e]))]
        while frontier:
            node, s0, depth, seen = frontier.pop()
            if depth >= max_depth:
                continue
            for h, s in up.get(node, ()):
                if h in seen:
                    continue
                s1 = s0 * s
                if h not in best or s1 > best[h][0]:
                    best[h] = (s1, depth + 1)
                    frontier.append((h, s1, depth + 1, seen | {h}))
        rows.extend((e, h, s, dpt) for h, (s, dpt) in best.items())
    return pd.DataFrame(rows, columns=["enterprise_id", "holder_id", "share", "depth"])


def shareholder_pairs(shareholders: pd.DataFrame, max_firms: int = 50, min_share: float = 0.0,
                      max_depth: int = 6) -> tuple[pd.DataFrame, int]:
    """Pairs tied by holdings: both held (directly or up a chain, effective share >= `min_share`) by the same holder,
    or one holding the other. Weight by specificity of the common holder; a firm holding the other weighs 1."""
    clo = holdings_closure(shareholders, max_depth=max_depth)
    clo = clo[clo["share"] >= min_share]
    common, skipped = value_pairs(clo["enterprise_id"], clo["holder_id"], "shareholder", max_firms=max_firms)
    direct = clo[clo["enterprise_id"] != clo["holder_id"]]
    e, h = direct["enterprise_id"].astype(str).to_numpy(), direct["holder_id"].astype(str).to_numpy()
    first = e < h
    a, b = np.where(first, e, h), np.where(first, h, e)
    own = pd.DataFrame({"firm_a": a, "firm_b": b, "relation": "shareholder",
                        "value": ("holds:" + direct["holder_id"]).to_numpy(), "n_firms": 2, "weight": 1.0})
    return pd.concat([common, own], ignore_index=True), skipped


def relation_pairs(enterprises: pd.DataFrame | None = None, shareholders: pd.DataFrame | None = None,
                   bids: pd.DataFrame | None = None, *, max_firms: int = 50, min_share: float = 0.0,
                   firms: set | None = None) -> tuple[pd.DataFrame, dict]:
    """All relation evidence as one long table: `firm_a` < `firm_b`, `relation`, `value`, `n_firms`, `weight`.

    Specificity (`n_firms`) is counted over the whole registry / all bids, then the pairs are restricted to `firms`
    when given (e.g. the bidders). Also returns {relation: values skipped as too common}."""
    parts, skipped = [], {}
    if enterprises is not None:
        ent = enterprises
        for rel, col in _REG_COLUMNS.items():
            if col not in ent.columns:
                continue
            norm = {"phone": _norm_phone, "address": _norm_address, "building": _norm_building}.get(rel, _norm_id)
            vals = norm(ent[col])
            p, s = value_pairs(ent["enterprise_id"], vals, rel, max_firms)
            parts.append(p)
            skipped[rel] = s
    if shareholders is not None and len(shareholders):
        p, s = shareholder_pairs(shareholders, max_firms=max_firms, min_share=min_share)
        parts.append(p)
        skipped["shareholder"] = s
    if bids is not None:
        for rel in BID_RELATIONS:
            if rel not in bids.columns:
                continue
            p, s = value_pairs(bids["bidder_id"], _norm_id(bids[rel]), rel, max_firms)
            parts.append(p)
            skipped[rel] = s
    out = pd.concat(parts, ignore_index=True) if parts else _empty_pairs()
    if firms is not None and len(out):
        out = out[out["firm_a"].isin(firms) & out["firm_b"].isin(firms)]
    return out.reset_index(drop=True), skipped


def relation_strength(pairs: pd.DataFrame, relation_weights: dict | None = None) -> pd.DataFrame:
    """One row per tied pair: `firm_a`, `firm_b`, one column per relation (its strongest weight, 0 if absent),
    `relations` (the relations that tie them, `;`-separated, strongest first), `strength` (the sum of the relation
    columns times `relation_weights`, default 1 each), `top_value` (the value behind the strongest relation)."""
    cols = ["firm_a", "firm_b", *RELATIONS, "relations", "strength", "top_value"]
    if pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c in RELATIONS or c == "strength" else object) for c in cols})
    rw = {r: 1.0 for r in RELATIONS}
    rw.update(relation_weights or {})
    best = pairs.sort_values("weight", ascending=False).drop_duplicates(["firm_a", "firm_b", "relation"])
    wide = best.pivot_table(index=["firm_a", "firm_b"], columns="relation", values="weight", aggfunc="max",
                            fill_value=0.0)
    for r in RELATIONS:
        if r not in wide.columns:
            wide[r] = 0.0
    wide = wide[list(RELATIONS)]
    weighted = wide * pd.Series(rw)[list(RELATIONS)]
    wide["strength"] = weighted.sum(axis=1)
    order = np.argsort(-weighted.to_numpy(), axis=1, kind="stable")
    vals = weighted.to_numpy()
    names = np.array(RELATIONS, dtype=object)
    wide["relations"] = [";".join(names[o][vals[i, o] > 0]) for i, o in enumerate(order)]
    top = best.assign(w=best["weight"] * best["relation"].map(rw)).sort_values("w", ascending=False)
    top = top.drop_duplicates(["firm_a", "firm_b"]).set_index(["firm_a", "firm_b"])
    wide["top_value"] = (top["relation"] + "=" + top["value"].astype(str)).reindex(wide.index)
    return wide.reset_index()[cols]


def relation_graph(strength: pd.DataFrame, nodes=()) -> nx.Graph:
    """The multiplex relationship graph: one edge per tied pair with one float attribute per relation (0 = absent),
    `relations` naming them and `strength`. `nodes` adds firms without ties."""
    G = nx.Graph()
    G.add_nodes_from(nodes)
    for r in strength.itertuples(index=False):
        d = r._asdict()
        a, b = d.pop("firm_a"), d.pop("firm_b")
        G.add_edge(a, b, **{k: (float(v) if k in RELATIONS or k == "strength" else str(v)) for k, v in d.items()})
    return G
