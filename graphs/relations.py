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

**Where it runs.** `relation_pairs` runs on the current engine (`features.engine`): the registry and bids are split
into partitions (of firms, of bidders) and each partition normalises its own rows into (relation, firm, value) rows;
these rows are shuffled by a hash of the value into buckets, so a value's firms all meet in one bucket, and each bucket
pairs them as `value_pairs` does (the same pairs, `n_firms`, weights and skipped values as over the whole table), only
between firms of `firms` when given (`n_firms` still counts every firm of the value). The holding chains (`holdings_closure`) are followed on the driver (vectorised for firms
whose holders hold nothing themselves) and their (firm, holder) rows join the shuffle. With the pandas engine all of
this is one partition and one bucket in this process. The table comes back sorted by `firm_a`, `firm_b`, `relation`,
`value` (one row per such key) on every engine.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from features import engine as _engine

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
    return _building_of(_norm_address(s))


def _building_of(address: pd.Series) -> pd.Series:
    """A normalised address without its trailing room or unit."""
    return address.str.replace(_ROOM, "", regex=True)


def _norm_id(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip().str.lower()
    return s.mask(s.isin(_BLANKS))


def _norm_phone(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.replace(r"\D+", "", regex=True)
    s = s.str.replace(r"^(0086|86)(?=1\d{10}$)", "", regex=True)
    return s.mask((s.str.len() < 5) | s.isin(_BLANKS))


def value_pairs(firm: pd.Series, value: pd.Series, relation: str, max_firms: int = 50) -> tuple[pd.DataFrame, int]:
    """Pairs of firms that share a value: (DataFrame `firm_a` < `firm_b`, `relation`, `value`, `n_firms`, `weight`,
    sorted by value, firm_a, firm_b; number of values skipped because more than `max_firms` firms share them). Firms and
    values are compared as text."""
    return _pairs_of(_firm_values(firm, value), relation, max_firms)


def _firm_values(firm: pd.Series, value: pd.Series) -> pd.DataFrame:
    """The distinct (`firm`, `value`) rows as text with a value (missing and empty values dropped)."""
    d = pd.DataFrame({"firm": firm.astype(str).array, "value": value.astype(str).array})
    d = d.dropna().drop_duplicates()
    return d[(d["value"] != "").to_numpy()]


def _pairs_of(d: pd.DataFrame, relation: str, max_firms: int, keep: np.ndarray | None = None) -> tuple[pd.DataFrame, int]:
    """`value_pairs` of the distinct (`firm`, `value`) text rows `d`; with `keep`, only the pairs of two kept rows
    (`n_firms` still counts every firm of the value)."""
    vcode, values = pd.factorize(d["value"], sort=True)
    counts = np.bincount(vcode, minlength=len(values))
    skipped = int((counts > max_firms).sum())
    size = counts[vcode]
    sel = (size >= 2) & (size <= max_firms)
    if keep is not None:
        sel &= keep
    if not sel.any():
        return _empty_pairs(), skipped
    fcode, firms = pd.factorize(d["firm"][sel], sort=True)  # codes in text order: code_a < code_b is firm_a < firm_b
    x = pd.DataFrame({"v": vcode[sel], "f": fcode})
    m = x.merge(x, on="v", suffixes=("_a", "_b"))
    v, a, b = (m[c].to_numpy() for c in ("v", "f_a", "f_b"))
    pair = a < b
    v, a, b = v[pair], a[pair], b[pair]
    order = np.lexsort((b, a, v))
    v, a, b = v[order], a[order], b[order]
    out = pd.DataFrame({"firm_a": firms.take(a).array, "firm_b": firms.take(b).array, "relation": relation,
                        "value": values.take(v).array, "n_firms": counts[v].astype(np.int64)})
    out["weight"] = 1.0 / (out["n_firms"] - 1)
    return out, skipped


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame({"firm_a": pd.Series(dtype=str), "firm_b": pd.Series(dtype=str),
                         "relation": pd.Series(dtype=str), "value": pd.Series(dtype=str),
                         "n_firms": pd.Series(dtype=np.int64), "weight": pd.Series(dtype=float)})


def holdings_closure(shareholders: pd.DataFrame, max_depth: int = 6) -> pd.DataFrame:
    """Every (enterprise, ultimate or intermediate holder) pair reachable up a chain of holdings, with `share` the
    largest product of shares over the chains (a missing share counts as 1: the holding is known, its size is not)
    and `depth` the chain length. Holders that are themselves enterprises are followed upwards; cycles are cut.

    Rows come grouped by enterprise in the order of its first holding, each enterprise's holders in the order found.
    An enterprise whose holders hold nothing themselves (nearly all of them) gets its direct holders in one vectorised
    pass; the chains of the others are followed one by one."""
    cols = ["enterprise_id", "holder_id", "share", "depth"]
    e_text, h_text = shareholders["enterprise_id"].astype(str), shareholders["holder_id"].astype(str)
    e, h = e_text.to_numpy(dtype=object), h_text.to_numpy(dtype=object)
    share = (pd.to_numeric(shareholders["share"], errors="coerce") if "share" in shareholders.columns
             else pd.Series(np.nan, index=shareholders.index))
    share = share.where(share <= 1, share / 100.0)  # percentages
    share = share.fillna(1.0).clip(0, 1).to_numpy(dtype=float)
    if max_depth < 1 or pd.isna(e).any() or pd.isna(h).any():  # nothing to follow / missing ids: one by one
        return pd.DataFrame(_closure_rows(e, h, share, max_depth, range(len(e))), columns=cols)
    rows = np.flatnonzero(e != h)
    # integers for the ids (text isin / groupby cost seconds at a province's 1.4 million holdings)
    codes, _ = pd.factorize(pd.concat([e_text.iloc[rows], h_text.iloc[rows]], ignore_index=True))
    ce, ch, n = codes[:len(rows)], codes[len(rows):], int(codes.max(initial=-1)) + 1
    holds = np.zeros(n, dtype=bool)
    holds[ce] = True  # has a holder of its own
    deep_row = holds[ch]  # the holder has holders in turn
    deep = np.zeros(n, dtype=bool)
    deep[ce[deep_row]] = True
    deep_e = deep[ce]
    # the chains: followed one by one from every enterprise with such a holder (needing every row of those holders)
    needed = deep.copy()
    needed[ch[deep_row]] = True
    chain = _closure_rows(e, h, share, max_depth, rows[needed[ce]], start=set(e[rows[deep_e]]))
    first = np.full(n, len(e), dtype=np.int64)  # an enterprise's first holding
    np.minimum.at(first, ce, rows)
    # the others: their direct holders, a holder named twice at its largest share
    keep = rows[~deep_e]
    pair = ce[~deep_e].astype(np.int64) * n + ch[~deep_e]
    s_keep = share[keep]
    dup = pd.Series(pair).duplicated().to_numpy()
    if dup.any():
        s_keep = pd.Series(s_keep).groupby(pair, sort=False).transform("max").to_numpy()
        keep, pair, s_keep = keep[~dup], pair[~dup], s_keep[~dup]
    if not len(keep) and not chain:
        return pd.DataFrame([], columns=cols)
    c_ent = np.array([r[0] for r in chain], dtype=object)
    c_first = dict(zip(e[rows[deep_e]][::-1], rows[deep_e][::-1]))  # the earliest row wins
    within = pd.Series(c_ent, dtype=object).groupby(c_ent, sort=False).cumcount().to_numpy() if chain else []
    key1 = np.concatenate([first[pair // n], np.array([c_first[x] for x in c_ent], dtype=np.int64)])
    key2 = np.concatenate([keep, np.asarray(within, dtype=np.int64)])
    order = np.lexsort((key2, key1))
    return pd.DataFrame({
        "enterprise_id": np.concatenate([e[keep], c_ent])[order],
        "holder_id": np.concatenate([h[keep], np.array([r[1] for r in chain], dtype=object)])[order],
        "share": np.concatenate([s_keep, np.array([r[2] for r in chain], dtype=float)])[order],
        "depth": np.concatenate([np.ones(len(keep), dtype=np.int64), np.array([r[3] for r in chain], dtype=np.int64)])[order]})


def _closure_rows(e, h, share, max_depth: int, rows, start: set | None = None) -> list[tuple]:
    """(enterprise, holder, share, depth) up the chains of holdings given by `rows` of the (enterprise, holder, share)
    arrays, from each enterprise in `start` (default: every enterprise), in the order of its first holding: a depth-first
    walk that follows a holder again only when a chain reaches it with a larger share."""
    up: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for i in rows:
        if e[i] != h[i]:
            up[e[i]].append((h[i], float(share[i])))
    out = []
    for node0 in list(up):
        if start is not None and node0 not in start:
            continue
        best: dict[str, tuple[float, int]] = {}
        frontier = [(node0, 1.0, 0, frozenset([node0]))]
        while frontier:
            node, s0, depth, seen = frontier.pop()
            if depth >= max_depth:
                continue
            for hh, s in up.get(node, ()):
                if hh in seen:
                    continue
                s1 = s0 * s
                if hh not in best or s1 > best[hh][0]:
                    best[hh] = (s1, depth + 1)
                    frontier.append((hh, s1, depth + 1, seen | {hh}))
        out.extend((node0, hh, s, dpt) for hh, (s, dpt) in best.items())
    return out


def _holding_pairs(clo: pd.DataFrame) -> pd.DataFrame:
    """Pairs where one firm holds the other (directly or up a chain): weight 1, value `holds:` + the holder."""
    direct = clo[clo["enterprise_id"] != clo["holder_id"]]
    e, h = direct["enterprise_id"].astype(str).to_numpy(), direct["holder_id"].astype(str).to_numpy()
    first = e < h
    a, b = np.where(first, e, h), np.where(first, h, e)
    return pd.DataFrame({"firm_a": a, "firm_b": b, "relation": "shareholder",
                         "value": ("holds:" + direct["holder_id"]).to_numpy(), "n_firms": 2, "weight": 1.0})


def shareholder_pairs(shareholders: pd.DataFrame, max_firms: int = 50, min_share: float = 0.0,
                      max_depth: int = 6) -> tuple[pd.DataFrame, int]:
    """Pairs tied by holdings: both held (directly or up a chain, effective share >= `min_share`) by the same holder,
    or one holding the other. Weight by specificity of the common holder; a firm holding the other weighs 1."""
    clo = holdings_closure(shareholders, max_depth=max_depth)
    clo = clo[clo["share"] >= min_share]
    common, skipped = value_pairs(clo["enterprise_id"], clo["holder_id"], "shareholder", max_firms=max_firms)
    return pd.concat([common, _holding_pairs(clo)], ignore_index=True), skipped


_NORMS = {"legal_rep": _norm_id, "address": _norm_address, "building": _norm_building, "phone": _norm_phone}
_KEY = {"registry": "enterprise_id", "shareholder": "enterprise_id", "bids": "bidder_id"}
PAIR_ORDER = ["firm_a", "firm_b", "relation", "value"]


def _value_rows(part: tuple, buckets: int, firms) -> tuple[list[pd.DataFrame], int]:
    """One partition (kind, table, relations) as its distinct (`relation`, `firm`, normalised `value`) rows, `keep`
    marking the firms of `firms` (when given), cut into `buckets` by a hash of the value: (pieces, rows in the
    partition). Partitions are cut by firm, so a (relation, firm, value) row comes from one partition only."""
    kind, frame, rels = part
    fcode, fnames = pd.factorize(frame[_KEY[kind]].astype(str))  # codes: text isin / drop_duplicates cost seconds here
    keep = (pd.Index(np.asarray(fnames, dtype=object), dtype=object).isin(firms) if firms is not None
            else np.ones(len(fnames), dtype=bool))
    found, bucket, address = [], [], None
    for rel in rels:
        if kind == "registry" and rel in ("address", "building"):
            address = _norm_address(frame["address"]) if address is None else address
            value = address if rel == "address" else _building_of(address)
        elif kind == "registry":
            value = _NORMS[rel](frame[_REG_COLUMNS[rel]])
        elif kind == "shareholder":
            value = frame["holder_id"]
        else:
            value = _norm_id(frame[rel])
        # the distinct (firm, value) rows with a value, as `_firm_values` keeps them
        vcode, vnames = pd.factorize(value.astype(str))
        blank = np.append(np.asarray(vnames == "", dtype=bool), True)  # the empty text, and missing (code -1)
        ok = (fcode >= 0) & ~blank[vcode]
        at = np.flatnonzero(ok)
        at = at[~pd.Series(fcode[at].astype(np.int64) * len(vnames) + vcode[at]).duplicated().to_numpy()]
        found.append(pd.DataFrame({"relation": pd.Categorical.from_codes(np.full(len(at), RELATIONS.index(rel)), RELATIONS),
                                   "firm": fnames.take(fcode[at]).array, "value": vnames.take(vcode[at]).array,
                                   "keep": keep[fcode[at]]}))
        bucket.append(_engine.partition_of(pd.Series(vnames), buckets)[vcode[at]])  # each distinct value hashed once
    return _cut(pd.concat(found, ignore_index=True), np.concatenate(bucket), buckets), len(frame)


def _cut(frame: pd.DataFrame, part: np.ndarray, n: int) -> list[pd.DataFrame]:
    """`frame` as `n` parts by the part number of each row (rows keep their order)."""
    if n <= 1:
        return [frame]
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(n + 1))
    return [frame.iloc[order[bounds[i]:bounds[i + 1]]] for i in range(n)]


def _split(frame: pd.DataFrame, key: str, n: int) -> list[pd.DataFrame]:
    """`features.engine.split_frame(frame, key, n)` (the same parts), hashing each distinct key once."""
    if n <= 1:
        return [frame]
    codes, names = pd.factorize(frame[key])
    part = np.append(_engine.partition_of(pd.Series(names), n), _engine.partition_of(pd.Series([""]), n))
    return _cut(frame, part[codes], n)


def _relation_bucket(pieces: list, max_firms: int, restrict: bool) -> tuple[pd.DataFrame, dict]:
    """The pairs of one bucket of values (every firm of a value is in it), per relation, only between kept firms when
    `restrict`: (pairs, {relation: values skipped as too common})."""
    d = pd.concat(pieces, ignore_index=True)
    parts, skipped = [], {}
    for rel, rows in d.groupby("relation", observed=True, sort=False):
        p, skipped[rel] = _pairs_of(rows, rel, max_firms, rows["keep"].to_numpy(dtype=bool) if restrict else None)
        if len(p):
            parts.append(p)
    return (pd.concat(parts, ignore_index=True) if parts else _empty_pairs()), skipped


def relation_pairs(enterprises: pd.DataFrame | None = None, shareholders: pd.DataFrame | None = None,
                   bids: pd.DataFrame | None = None, *, max_firms: int = 50, min_share: float = 0.0,
                   firms: set | None = None, eng=None) -> tuple[pd.DataFrame, dict]:
    """All relation evidence as one long table: `firm_a` < `firm_b`, `relation`, `value`, `n_firms`, `weight`, sorted
    by `PAIR_ORDER` (`firm_a`, `firm_b`, `relation`, `value`; one row per such key).

    Specificity (`n_firms`) is counted over the whole registry / all bids, then the pairs are restricted to `firms`
    when given (e.g. the bidders). Also returns {relation: values skipped as too common}. Runs on `eng` (default: the
    current engine): rows normalised per partition, pairs made per bucket of values (see the module doc)."""
    eng = eng or _engine.current()
    tables = []  # (kind, table of the key and the columns it needs, its relations)
    if enterprises is not None:
        rels = [rel for rel, col in _REG_COLUMNS.items() if col in enterprises.columns]
        if rels:
            cols = list(dict.fromkeys(_REG_COLUMNS[r] for r in rels))
            tables.append(("registry", enterprises[["enterprise_id", *cols]], rels))
    own = None
    if shareholders is not None and len(shareholders):
        clo = holdings_closure(shareholders)
        clo = clo[clo["share"] >= min_share]
        tables.append(("shareholder", clo[["enterprise_id", "holder_id"]], ["shareholder"]))
        own = _holding_pairs(clo)
        if firms is not None:
            own = own[own["firm_a"].isin(firms) & own["firm_b"].isin(firms)]
    if bids is not None:
        rels = [rel for rel in BID_RELATIONS if rel in bids.columns]
        if rels:
            tables.append(("bids", bids[["bidder_id", *rels]], rels))
    order = [rel for _, _, rels in tables for rel in rels]
    parts = [(kind, p, rels) for kind, t, rels in tables for p in _split(t, _KEY[kind], eng.partitions(len(t)))]
    buckets = max([eng.partitions(len(t)) for _, t, _ in tables], default=1)  # as many as the largest table's parts
    del tables
    shared = eng.share(pd.Index(list(firms), dtype=object), keep=False) if firms is not None else None
    found, _ = eng.shuffle(_value_rows, parts, _relation_bucket, buckets, shared,
                           combine_args=(max_firms, firms is not None), label="relations")
    del parts, shared
    out = [p for p, _ in found] + ([own] if own is not None else [])
    skipped = {rel: sum(int(s.get(rel, 0)) for _, s in found) for rel in order}
    out = pd.concat([p for p in out if len(p)] or [_empty_pairs()], ignore_index=True)
    return out.sort_values(PAIR_ORDER, kind="stable", ignore_index=True), skipped


def relation_strength(pairs: pd.DataFrame, relation_weights: dict | None = None) -> pd.DataFrame:
    """One row per tied pair: `firm_a`, `firm_b`, one column per relation (its strongest weight, 0 if absent),
    `relations` (the relations that tie them, `;`-separated, strongest first), `strength` (the sum of the relation
    columns times `relation_weights`, default 1 each), `top_value` (the value behind the strongest relation).

    Ties do not depend on the order of `pairs`: relations of equal weighted strength are listed (and the top value
    taken) in the order of `RELATIONS`, and of two values of one relation at the same weight the first in text order
    is kept. Rows come sorted by `firm_a`, `firm_b`."""
    cols = ["firm_a", "firm_b", *RELATIONS, "relations", "strength", "top_value"]
    if pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c in RELATIONS or c == "strength" else object) for c in cols})
    rw = {r: 1.0 for r in RELATIONS}
    rw.update(relation_weights or {})
    rank = pairs["relation"].map({r: i for i, r in enumerate(RELATIONS)})
    best = pairs.assign(rank=rank).sort_values(["weight", "rank", "value"], ascending=[False, True, True], kind="stable")
    best = best.drop_duplicates(["firm_a", "firm_b", "relation"])
    wide = best.pivot_table(index=["firm_a", "firm_b"], columns="relation", values="weight", aggfunc="max",
                            fill_value=0.0)
    for r in RELATIONS:
        if r not in wide.columns:
            wide[r] = 0.0
    wide = wide[list(RELATIONS)]
    weighted = wide * pd.Series(rw)[list(RELATIONS)]
    wide["strength"] = weighted.sum(axis=1)
    vals = weighted.to_numpy()
    order = np.argsort(-vals, axis=1, kind="stable")
    ranked = np.where(np.take_along_axis(vals, order, axis=1) > 0, order, -1)  # strongest first, -1: absent
    kinds, which = np.unique(ranked, axis=0, return_inverse=True)  # a few hundred combinations, not a join per pair
    text = np.array([";".join(RELATIONS[i] for i in k if i >= 0) for k in kinds], dtype=object)
    wide["relations"] = text[np.ravel(which)]
    top = best.assign(w=best["weight"] * best["relation"].map(rw))
    top = top.sort_values(["w", "rank"], ascending=[False, True], kind="stable")
    top = top.drop_duplicates(["firm_a", "firm_b"]).set_index(["firm_a", "firm_b"])
    wide["top_value"] = (top["relation"] + "=" + top["value"].astype(str)).reindex(wide.index)
    return wide.reset_index()[cols]
