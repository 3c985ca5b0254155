"""Point-in-time enterprise features: what a supervisor knew about a firm on a given day.

`enterprise_features(queries, ...)` takes rows (`enterprise_id`, `as_of`) and returns one row of features per query built
ONLY from records dated strictly before `as_of` (a record of the as-of day itself is not yet known: labels such as "a
serious violation in the year after as_of" start on that day). Records without a date are ignored, except the registry
(enterprises, shareholders), which has no history in the data contract and is read as it stands.

Feature families (names are stable; the credit model and its reasons read them):
- credit events by type (`features.io.codes` event types; unknown types count as `other`):
  `{type}_n_{W}d` events in the W days before as_of, `{type}_days_since` days since the latest, and over all types
  `negative_severity_{W}d`, `serious_n_{W}d` (the label's event kinds), `penalty_amount_{W}d`, `tax_grade_last`;
- list status used by the overrides: `on_serious_list`, `on_abnormal_list` (an entry in the `list_days` before as_of),
  `has_history` (any credit event or inspection before as_of);
- inspections: `insp_n_{W}d`, `insp_fail_n_{W}d`, `insp_fail_rate_{W}d`, `insp_not_found_n_{W}d`, `insp_penalty_{W}d`,
  `insp_days_since`, `insp_days_since_fail`;
- bidding (when bids are given): `bid_n_{W}d`, `bid_win_rate_{W}d`, `bid_disq_rate_{W}d`, and with collusion scores per
  tender `bid_collusion_mean_{W}d` / `bid_collusion_max_{W}d`; with suspicious groups `in_suspicious_group`, `group_size`
  (groups carry no date: pass groups found on bids before as_of to stay point-in-time);
- registry: `age_days`, `log_capital`, `industry`, `region` (categorical), `n_shareholders`, and ties to firms on the serious
  illegal and dishonest list through a shared legal representative, a shared shareholder or a shareholding between firms:
  `ties_serious_legal_rep`, `ties_serious_shareholder` (list entries of the linked firms in the `list_days` before as_of).

Counting is vectorised: records are sorted by (entity, day) once and each window is two `searchsorted` calls, so a city
(~80k firms, ~2M credit events) takes seconds and memory stays linear in the records.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.io import codes
from features.core.errors import InputError

WINDOWS = (90, 365, 1095)
LIST_DAYS = 1095
_SHIFT = np.int64(1) << np.int64(32)
_OFFSET = np.int64(1) << np.int64(30)  # days since 1970 may be negative; keep the low part positive

# synonyms (lower case) of the canonical event types, so a user's own codes and the Chinese list names are understood
EVENT_SYNONYMS = {
    "administrative penalty": codes.ADMINISTRATIVE_PENALTY, "行政处罚": codes.ADMINISTRATIVE_PENALTY,
    "penalty": codes.ADMINISTRATIVE_PENALTY,
    "abnormal operation list": codes.ABNORMAL_OPERATION_LIST, "经营异常名录": codes.ABNORMAL_OPERATION_LIST,
    "经营异常": codes.ABNORMAL_OPERATION_LIST,
    "serious illegal and dishonest list": codes.SERIOUS_DISHONEST_LIST, "严重违法失信名单": codes.SERIOUS_DISHONEST_LIST,
    "严重违法失信": codes.SERIOUS_DISHONEST_LIST,
    "dishonest judgment debtor": codes.DISHONEST_JUDGMENT_DEBTOR, "失信被执行人": codes.DISHONEST_JUDGMENT_DEBTOR,
    "tax credit grade": codes.TAX_CREDIT_GRADE, "纳税信用等级": codes.TAX_CREDIT_GRADE,
    "commendation": codes.COMMENDATION, "red list": codes.COMMENDATION, "commendation / red list": codes.COMMENDATION,
    "表彰": codes.COMMENDATION, "红名单": codes.COMMENDATION,
    "court judgment": codes.COURT_JUDGMENT, "裁判文书": codes.COURT_JUDGMENT,
    "loan default": codes.LOAN_DEFAULT, "贷款违约": codes.LOAN_DEFAULT,
}
OTHER = "other"
EVENT_KINDS = (*codes.EVENT_TYPES, OTHER)
FAIL_RESULTS = {codes.INSPECTION_FAIL, "failed", "violation", "不合格", "违法"}
NOT_FOUND_RESULTS = {codes.INSPECTION_NOT_FOUND, "not found", "查无下落"}

# the direction each feature family pushes risk when the direction is known (+1 more means riskier, -1 less risky);
# the credit model turns these into LightGBM monotone constraints
_RISK_UP_PREFIXES = tuple(f"{t}_n_" for t in codes.NEGATIVE_EVENT_TYPES) + (
    "negative_severity_", "serious_n_", "penalty_amount_", "insp_fail_n_", "insp_not_found_n_", "insp_penalty_",
    "ties_serious_", "on_serious_list", "on_abnormal_list")
_RISK_DOWN_PREFIXES = tuple(f"{t}_n_" for t in codes.POSITIVE_EVENT_TYPES)


def risk_directions(columns) -> dict:
    """{feature: +1 or -1} for the features whose effect on risk is known (more penalties never lowers risk)."""
    out = {}
    for c in columns:
        if c.startswith(_RISK_UP_PREFIXES):
            out[c] = 1
        elif c.startswith(_RISK_DOWN_PREFIXES):
            out[c] = -1
    return out


def event_kind(values: pd.Series) -> pd.Series:
    """Canonical event type of each value (`features.io.codes`), `other` when unknown (worked out once per distinct value:
    a province has 18 million events of a few dozen types)."""
    values = pd.Series(values)
    codes_, uniques = pd.factorize(values, use_na_sentinel=False)
    kinds = _event_kind(pd.Series(uniques, dtype=object)).to_numpy(dtype=object)
    return pd.Series(kinds[codes_], index=values.index, dtype=object)  # one shared text object per distinct kind


def _event_kind(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.strip()
    low = s.str.lower()
    known = set(codes.EVENT_TYPES)
    out = low.where(low.isin(known))
    out = out.fillna(low.map(EVENT_SYNONYMS)).fillna(s.map(EVENT_SYNONYMS))
    return out.fillna(OTHER).astype(str)


def _days(values) -> np.ndarray:
    """Days since 1970 as float (NaN for missing) from datetimes or date strings."""
    t = pd.to_datetime(pd.Series(values), errors="coerce", format="mixed") if not pd.api.types.is_datetime64_any_dtype(
        pd.Series(values)) else pd.Series(values)
    d = t.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    out = d.astype("int64").astype(float)
    out[np.isnat(d)] = np.nan
    return out


class _Index:
    """Records sorted by (entity code, day) for point-in-time window counts and sums.

    Sums are running sums *within each entity* (restarting at its first record), so a firm's window sums depend on its
    own records only, to the last bit: not on which other firms' records sit before it in the arrays (a block of firms on
    a worker gives what the whole table gives)."""

    def __init__(self, codes_: np.ndarray, days: np.ndarray, values: dict | None = None):
        ok = (codes_ >= 0) & np.isfinite(days)
        c = codes_[ok].astype(np.int64)
        d = days[ok].astype(np.int64)
        key = c * _SHIFT + (d + _OFFSET)
        order = np.argsort(key, kind="stable")
        self.key = key[order]
        self.day = d[order]
        self.values, self.incl, self.excl = {}, {}, {}
        entity = c[order]
        same = np.r_[False, entity[1:] == entity[:-1]]  # a record follows one of the same entity
        for name, v in (values or {}).items():
            v = np.nan_to_num(np.asarray(v, dtype=float)[ok][order])
            incl = pd.Series(v).groupby(entity, sort=False).cumsum().to_numpy()
            self.values[name] = v
            self.incl[name] = incl
            self.excl[name] = np.where(same, np.r_[0.0, incl[:-1]], 0.0)

    def before(self, qc: np.ndarray, qd: np.ndarray) -> np.ndarray:
        """Position of the first record of entity qc dated on/after day qd = count of its records before qd (+start)."""
        return np.searchsorted(self.key, qc * _SHIFT + (qd + _OFFSET), side="left")

    def count(self, qc, qd, window=None):
        hi = self.before(qc, qd)
        lo = self.before(qc, qd - window) if window is not None else self.before(qc, np.full_like(qd, -_OFFSET + 1))
        return hi - lo, lo, hi

    def total(self, name, lo, hi):
        """Sum of `name` over records lo..hi-1 (one entity's window), 0 when the window is empty."""
        incl, excl = self.incl[name], self.excl[name]
        if not len(incl):
            return np.zeros(len(lo))
        top = len(incl) - 1
        return np.where(hi > lo, incl[np.clip(hi - 1, 0, top)] - excl[np.clip(lo, 0, top)], 0.0)

    def last(self, name, hi):
        """`name` of the record just before position hi (the latest of a window ending there)."""
        v = self.values[name]
        return v[np.clip(hi - 1, 0, len(v) - 1)] if len(v) else np.zeros(len(hi))

    def days_since(self, qc, qd):
        n, lo, hi = self.count(qc, qd)
        last = np.where(n > 0, self.day[np.maximum(hi - 1, 0)] if len(self.day) else 0, 0)
        return np.where(n > 0, qd - last, np.nan).astype(float)


def _codes(ids: pd.Series, vocab: pd.Index) -> np.ndarray:
    return vocab.get_indexer(ids.astype(str)).astype(np.int64)


def _check(df: pd.DataFrame | None, name: str, cols: tuple) -> pd.DataFrame | None:
    if df is None:
        return None
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(f"{name}: missing column(s) {', '.join(missing)}")
    return df


def enterprise_features(queries: pd.DataFrame, *, credit_events=None, inspections=None, enterprises=None,
                        shareholders=None, bids=None, tenders=None, collusion_scores=None, group_members=None,
                        windows=WINDOWS, list_days: int = LIST_DAYS, list_entries=None) -> pd.DataFrame:
    """One row of point-in-time features per row of `queries` (`enterprise_id`, `as_of`), in the same order.

    Only records dated strictly before each row's `as_of` are read. `collusion_scores`: DataFrame `tender_id`, `score`
    (a collusion model's tender scores); `group_members`: DataFrame `enterprise_id` (or `bidder_id`), `group_id` (suspicious
    bidder groups). Every table is optional; the matching features are left out when it is absent.
    One family per step: credit events, inspections, bidding, bidder groups, registry (identity, shareholders, ties to
    firms on the serious list).

    Only the ties look across firms: they read the serious-list entries of every firm. When `credit_events` holds the
    queried firms' events only (a block of firms on a worker), pass `list_entries` = `serious_list_entries` of the whole
    table, and the ties are those of the whole table."""
    _check(queries, "queries", ("enterprise_id", "as_of"))
    windows = tuple(int(w) for w in windows)
    if not windows or min(windows) <= 0:
        raise InputError(f"[credit] windows must be positive numbers of days; got {list(windows)!r}")
    q_ids = queries["enterprise_id"].astype(str).reset_index(drop=True)
    q_days = _days(queries["as_of"].reset_index(drop=True))
    if np.isnan(q_days).any():
        raise InputError(f"queries: {int(np.isnan(q_days).sum())} row(s) without a valid as_of date")
    vocab = pd.Index(pd.unique(q_ids))
    q = _Queries(ids=q_ids, days=q_days.astype(np.int64), codes=_codes(q_ids, vocab), vocab=vocab)
    has_history = np.zeros(len(q.days), dtype=bool)
    cols: dict = {}
    ev = _check(credit_events, "credit_events", ("enterprise_id", "occurred_on", "event_type"))
    serious_idx = None
    if ev is not None:
        serious_idx = _event_features(ev, q, windows, list_days, cols, has_history)
        if list_entries is not None:
            serious_idx = list_entries
    ins = _check(inspections, "inspections", ("enterprise_id", "inspected_on"))
    if ins is not None:
        _inspection_features(ins, q, windows, cols, has_history)
    b = _check(bids, "bids", ("tender_id", "bidder_id"))
    if b is not None:
        _bidding_features(b, tenders, collusion_scores, q, max(windows), cols)
    if group_members is not None:
        _group_features(group_members, q, cols)
    cat_cols = _registry_features(enterprises, shareholders, serious_idx, q, list_days, cols)
    cols["has_history"] = has_history.astype(float)
    first = pd.DataFrame({"enterprise_id": q_ids.to_numpy(), "as_of": pd.to_datetime(queries["as_of"]).to_numpy()})
    out = pd.concat([first, pd.DataFrame(cols), pd.DataFrame(cat_cols)], axis=1)
    for c in cat_cols:
        out[c] = out[c].astype("category")
    return out


@dataclass(frozen=True)
class _Queries:
    """The rows features are asked for: enterprise ids as text, as-of days, codes of the ids in `vocab`."""

    ids: pd.Series
    days: np.ndarray
    codes: np.ndarray
    vocab: pd.Index


def _event_features(ev: pd.DataFrame, q: _Queries, windows, list_days: int, cols: dict, has_history: np.ndarray):
    """Credit-event counts, severities and amounts per window, days since each kind, list membership; adds to `cols`
    and `has_history`. Returns the serious-list entries (enterprise ids, days) for the registry ties."""
    qc, qd = q.codes, q.days
    kind = event_kind(ev["event_type"]).to_numpy()
    ec = _codes(ev["enterprise_id"], q.vocab)
    ed = _days(ev["occurred_on"].reset_index(drop=True))
    sev = pd.to_numeric(ev["severity"], errors="coerce").to_numpy(float) if "severity" in ev else np.full(len(ev), np.nan)
    amt = pd.to_numeric(ev["amount"], errors="coerce").to_numpy(float) if "amount" in ev else np.full(len(ev), np.nan)
    negative = np.isin(kind, codes.NEGATIVE_EVENT_TYPES + (OTHER,))
    serious = np.isin(kind, codes.SERIOUS_EVENT_TYPES) | (
        (kind == codes.ADMINISTRATIVE_PENALTY) & (sev >= codes.SERIOUS_PENALTY_SEVERITY))
    alli = _Index(ec, ed, {"neg_sev": np.where(negative, np.nan_to_num(sev, nan=1.0), 0.0),
                           "serious": serious.astype(float),
                           "pen_amt": np.where(kind == codes.ADMINISTRATIVE_PENALTY, amt, 0.0)})
    has_history |= alli.count(qc, qd)[0] > 0
    for w in windows:
        n, lo, hi = alli.count(qc, qd, w)
        cols[f"negative_severity_{w}d"] = alli.total("neg_sev", lo, hi)
        cols[f"serious_n_{w}d"] = alli.total("serious", lo, hi)
        cols[f"penalty_amount_{w}d"] = alli.total("pen_amt", lo, hi)
    for k in EVENT_KINDS:
        m = kind == k
        idx = _Index(ec[m], ed[m])
        for w in windows:
            cols[f"{k}_n_{w}d"] = idx.count(qc, qd, w)[0].astype(float)
        cols[f"{k}_days_since"] = idx.days_since(qc, qd)
        if k == codes.TAX_CREDIT_GRADE:
            tix = _Index(ec[m], ed[m], {"sev": sev[m]})
            n, lo, hi = tix.count(qc, qd)
            cols["tax_grade_last"] = np.where(n > 0, tix.last("sev", hi), np.nan)
    lst = _Index(ec[kind == codes.SERIOUS_DISHONEST_LIST], ed[kind == codes.SERIOUS_DISHONEST_LIST])
    cols["on_serious_list"] = (lst.count(qc, qd, list_days)[0] > 0).astype(float)
    ab = _Index(ec[kind == codes.ABNORMAL_OPERATION_LIST], ed[kind == codes.ABNORMAL_OPERATION_LIST])
    cols["on_abnormal_list"] = (ab.count(qc, qd, list_days)[0] > 0).astype(float)
    return _list_entries(ev, kind, ed)


def _list_entries(ev: pd.DataFrame, kind: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    listed = kind == codes.SERIOUS_DISHONEST_LIST
    return ev["enterprise_id"][listed].astype(str).to_numpy(dtype=object), days[listed]


def serious_list_entries(credit_events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(enterprise ids as text, days) of every entry on the serious illegal and dishonest list: what the registry ties
    of any firm read (see `enterprise_features`' `list_entries`)."""
    ev = _check(credit_events, "credit_events", ("enterprise_id", "occurred_on", "event_type"))
    return _list_entries(ev, event_kind(ev["event_type"]).to_numpy(), _days(ev["occurred_on"].reset_index(drop=True)))


def _inspection_features(ins: pd.DataFrame, q: _Queries, windows, cols: dict, has_history: np.ndarray) -> None:
    """Inspections, failures, not-found visits and penalties per window, days since the last (failed) inspection."""
    qc, qd = q.codes, q.days
    ic = _codes(ins["enterprise_id"], q.vocab)
    idays = _days(ins["inspected_on"].reset_index(drop=True))
    res = ins["result"].astype("string").str.strip().str.lower() if "result" in ins else pd.Series("", index=ins.index)
    fail = res.isin(FAIL_RESULTS).fillna(False).to_numpy(bool)
    nf = res.isin(NOT_FOUND_RESULTS).fillna(False).to_numpy(bool)
    pen = pd.to_numeric(ins["penalty"], errors="coerce").to_numpy(float) if "penalty" in ins else np.zeros(len(ins))
    ii = _Index(ic, idays, {"fail": fail.astype(float), "nf": nf.astype(float), "pen": pen})
    has_history |= ii.count(qc, qd)[0] > 0
    for w in windows[1:] or windows:
        n, lo, hi = ii.count(qc, qd, w)
        nfail = ii.total("fail", lo, hi)
        cols[f"insp_n_{w}d"] = n.astype(float)
        cols[f"insp_fail_n_{w}d"] = nfail
        cols[f"insp_fail_rate_{w}d"] = np.where(n > 0, nfail / np.maximum(n, 1), np.nan)
        cols[f"insp_not_found_n_{w}d"] = ii.total("nf", lo, hi)
        cols[f"insp_penalty_{w}d"] = ii.total("pen", lo, hi)
    cols["insp_days_since"] = ii.days_since(qc, qd)
    cols["insp_days_since_fail"] = _Index(ic[fail], idays[fail]).days_since(qc, qd)


def _bidding_features(b: pd.DataFrame, tenders, collusion_scores, q: _Queries, w: int, cols: dict) -> None:
    """Bids, win and disqualification rates over the longest window `w`, and the collusion scores of the firm's tenders."""
    qc, qd = q.codes, q.days
    bd = _bid_days(b, tenders)
    bc = _codes(b["bidder_id"], q.vocab)
    status = b["status"].astype("string").str.lower() if "status" in b else pd.Series("valid", index=b.index)
    win = pd.to_numeric(b["is_winner"], errors="coerce").fillna(0).to_numpy(float) if "is_winner" in b else np.zeros(len(b))
    vals = {"win": win, "disq": status.eq("disqualified").fillna(False).to_numpy(float)}
    has_score = collusion_scores is not None
    if has_score:
        _check(collusion_scores, "collusion_scores", ("tender_id", "score"))
        sc = collusion_scores.groupby(collusion_scores["tender_id"].astype(str))["score"].max()
        s = b["tender_id"].astype(str).map(sc).to_numpy(float)
        vals["score"] = np.nan_to_num(s)
        vals["scored"] = np.isfinite(s).astype(float)
    bi = _Index(bc, bd, vals)
    n, lo, hi = bi.count(qc, qd, w)
    cols[f"bid_n_{w}d"] = n.astype(float)
    cols[f"bid_win_rate_{w}d"] = np.where(n > 0, bi.total("win", lo, hi) / np.maximum(n, 1), np.nan)
    cols[f"bid_disq_rate_{w}d"] = np.where(n > 0, bi.total("disq", lo, hi) / np.maximum(n, 1), np.nan)
    if has_score:
        ns = bi.total("scored", lo, hi)
        cols[f"bid_collusion_mean_{w}d"] = np.where(ns > 0, bi.total("score", lo, hi) / np.maximum(ns, 1), np.nan)
        cols[f"bid_collusion_max_{w}d"] = _window_max(bc, bd, vals["score"], qc, qd, w)


def _group_features(group_members: pd.DataFrame, q: _Queries, cols: dict) -> None:
    """Whether the firm is in a suspicious bidder group, and the size of its biggest group."""
    idcol = "enterprise_id" if "enterprise_id" in group_members else "bidder_id"
    _check(group_members, "group_members", (idcol, "group_id"))
    gm = group_members[[idcol, "group_id"]].astype(str)
    size = gm.groupby("group_id")[idcol].transform("nunique")
    biggest = pd.Series(size.to_numpy(), index=gm[idcol]).groupby(level=0).max()
    g = q.ids.map(biggest)
    cols["in_suspicious_group"] = g.notna().to_numpy(float)
    cols["group_size"] = g.fillna(0).to_numpy(float)


def _registry_features(enterprises, shareholders, serious_idx, q: _Queries, list_days: int, cols: dict) -> dict:
    """Age, capital, shareholder count and ties (legal representative, shareholder) to firms on the serious list; returns
    the categorical columns (industry, region)."""
    ent = _check(enterprises, "enterprises", ("enterprise_id",))
    q_ids, qd = q.ids, q.days
    cat_cols = {}
    if ent is not None:
        e = ent.drop_duplicates("enterprise_id").set_index(ent.drop_duplicates("enterprise_id")["enterprise_id"].astype(str))
        if "established_on" in e:
            est = pd.Series(_days(e["established_on"].reset_index(drop=True)), index=e.index)
            age = qd - q_ids.map(est).to_numpy(float)
            cols["age_days"] = np.where(age >= 0, age, np.nan)
        if "registered_capital" in e:
            cap = pd.to_numeric(e["registered_capital"], errors="coerce")
            cols["log_capital"] = np.log10(q_ids.map(cap).to_numpy(float).clip(min=1))
        for c in ("industry", "region"):
            if c in e:
                cat_cols[c] = q_ids.map(e[c].astype("string")).astype("category").to_numpy()
    sh = _check(shareholders, "shareholders", ("enterprise_id", "holder_id"))
    if sh is not None:
        cols["n_shareholders"] = q_ids.map(sh.groupby(sh["enterprise_id"].astype(str)).size()).fillna(0).to_numpy(float)
    if serious_idx is not None and (ent is not None and "legal_rep_id" in ent or sh is not None):
        links = _links(ent, sh)
        for kind_, name in (("rep", "ties_serious_legal_rep"), ("holder", "ties_serious_shareholder")):
            cols[name] = _tie_counts(links[links["kind"] == kind_], serious_idx, q_ids, qd, list_days)
    return cat_cols


def _bid_days(b: pd.DataFrame, tenders) -> np.ndarray:
    """The day a bid became known: `submitted_at`, else its tender's `published_at` / `deadline_at` / `awarded_at`."""
    d = _days(b["submitted_at"].reset_index(drop=True)) if "submitted_at" in b else np.full(len(b), np.nan)
    if tenders is not None and "tender_id" in tenders and np.isnan(d).any():
        t = tenders.drop_duplicates("tender_id").set_index(tenders.drop_duplicates("tender_id")["tender_id"].astype(str))
        tid = b["tender_id"].astype(str).reset_index(drop=True)
        for c in ("published_at", "deadline_at", "awarded_at"):
            if c in t:
                alt = tid.map(pd.Series(_days(t[c].reset_index(drop=True)), index=t.index)).to_numpy(float)
                d = np.where(np.isnan(d), alt, d)
    return d


def _window_max(ec, ed, v, qc, qd, w) -> np.ndarray:
    """Largest value among an entity's records in [qd - w, qd); NaN when there is none (a readable loop over queries
    grouped by entity; bids per firm are few)."""
    idx = _Index(ec, ed, {"v": v})
    ok = (ec >= 0) & np.isfinite(ed)
    order = np.argsort(ec[ok].astype(np.int64) * _SHIFT + (ed[ok].astype(np.int64) + _OFFSET), kind="stable")
    vs = np.asarray(v, float)[ok][order]
    n, lo, hi = idx.count(qc, qd, w)
    out = np.full(len(qc), np.nan)
    for i in np.flatnonzero(n > 0):
        out[i] = vs[lo[i]:hi[i]].max()
    return out


def _links(ent, sh) -> pd.DataFrame:
    """(enterprise_id, key, kind) rows: firms sharing a key are linked. Keys: the legal representative (`rep`), a
    shareholder (`holder`), and a shareholding firm with the firm it holds (`holder`, keyed by the holding firm's id)."""
    parts = []
    if ent is not None and "legal_rep_id" in ent:
        r = ent[["enterprise_id", "legal_rep_id"]].dropna()
        parts.append(pd.DataFrame({"enterprise_id": r["enterprise_id"].astype(str),
                                   "key": "rep:" + r["legal_rep_id"].astype(str), "kind": "rep"}))
    if sh is not None:
        s = sh[["enterprise_id", "holder_id"]].dropna()
        parts.append(pd.DataFrame({"enterprise_id": s["enterprise_id"].astype(str),
                                   "key": "h:" + s["holder_id"].astype(str), "kind": "holder"}))
        # the holding firm itself (when the holder is an enterprise) shares the key with the firms it holds
        holders = s["holder_id"].astype(str).unique()
        parts.append(pd.DataFrame({"enterprise_id": holders, "key": "h:" + pd.Series(holders), "kind": "holder"}))
    if not parts:
        return pd.DataFrame(columns=["enterprise_id", "key", "kind"])
    return pd.concat(parts, ignore_index=True).drop_duplicates()


def _tie_counts(links: pd.DataFrame, serious, q_ids: pd.Series, qd: np.ndarray, list_days: int) -> np.ndarray:
    """Per query: list entries (in the list_days before as_of) of the OTHER firms that share a key with the firm."""
    if links.empty:
        return np.zeros(len(q_ids))
    keys = pd.Index(pd.unique(links["key"]))
    s_ids, s_days = serious
    # list entries keyed by every key of the listed firm
    ev = pd.DataFrame({"enterprise_id": s_ids, "day": s_days}).merge(links[["enterprise_id", "key"]], on="enterprise_id")
    kidx = _Index(keys.get_indexer(ev["key"]).astype(np.int64), ev["day"].to_numpy(float))
    # queries exploded to their keys
    q = pd.DataFrame({"qi": np.arange(len(q_ids)), "enterprise_id": q_ids.to_numpy(), "day": qd})
    qk = q.merge(links[["enterprise_id", "key"]], on="enterprise_id")
    if qk.empty:
        return np.zeros(len(q_ids))
    kc = keys.get_indexer(qk["key"]).astype(np.int64)
    kd = qk["day"].to_numpy(np.int64)
    n_key = kidx.count(kc, kd, list_days)[0]
    # minus the firm's own entries (it shares every one of its keys with itself)
    own_vocab = pd.Index(pd.unique(q_ids))
    own = _Index(_codes(pd.Series(s_ids), own_vocab), np.asarray(s_days, float))
    n_own = own.count(_codes(qk["enterprise_id"], own_vocab), kd, list_days)[0]
    per = pd.Series(np.maximum(n_key - n_own, 0), index=qk["qi"].to_numpy()).groupby(level=0).sum()
    return per.reindex(np.arange(len(q_ids)), fill_value=0).to_numpy(float)
