"""The investigator's collusion case file: a static, offline, linked report (`riskmodels collusion report`).

`collusion_report(ds, out, ...)` computes what the pages need once (red flags, bidder graph and groups, tender scores
unless they are given) and `write_case_file(...)` writes:

- `index.html`: start here. What was analysed (tables, counts, rejects), how the cases were ranked and the limits,
  then the top tenders and bidder groups, each with one sentence saying why and a link to its page;
- `tenders/<id>.html`: the tender, every bid (bidder, price, rank, ratios to the reserve and the winner, time, which
  metadata it shares with which other bids), the screens with their market percentiles, every red flag with its
  code, legal basis and evidence, the reasons in words, the groups and firms involved;
- `groups/group-<rank>.html`: members by name, the evidence, a picture with a numbered key, member ties, the tenders
  they met in;
- `firms/<id>.html`: identity, bids and wins, relations to other firms, the cases it appears in.

Pages are written for the top `[report] top_tenders` tenders and `top_groups` groups, the tenders where those groups
bid together, and every firm they involve. Tenders follow `caselist.tender_order` (score, then the strength of the
evidence), groups `graphs.groups.rank_groups`: the same orders as `collusion score` and `graph groups`.
"""
from __future__ import annotations

import math
import re
import string
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from features.core.errors import InputError
from features.io.export import unescape_series
from features.io.plots import picture_language
from graphs.chance import more_than_chance
from graphs.relations import COMMON_FIRMS
from riskmodels.evidence import Evidence
from riskmodels.report.i18n import PERCENT_SCREENS, SCREENS, labels
from riskmodels.report.site import Site, page_name

META_FIELDS = ("device_id", "ip", "mac", "file_creator", "file_hash", "ca_serial", "deposit_account",
               "project_manager_id", "agent_id")
FIRM_RELATION_CAP = 60


@dataclass(frozen=True)
class CaseEvidence:
    """What the pages are built from: the tender scores and feature table (screens and their market percentiles) over
    the dataset's shared `riskmodels.evidence.Evidence` (red flags, bidder graph, ranked groups), computed once."""

    scores: pd.DataFrame               # tender_id, score, flag, reasons
    table: pd.DataFrame | None         # tender feature table
    evidence: Evidence

    @property
    def findings(self) -> pd.DataFrame | None:
        """Red flags, one row per (tender, finding)."""
        return self.evidence.findings

    @property
    def groups(self) -> pd.DataFrame | None:
        """Ranked bidder groups (graphs.groups.GROUP_COLUMNS); None when bidders are anonymous."""
        return self.evidence.groups

    @property
    def graphs(self):
        """The bidder graph (graphs.groups.BidderGraphs); None when bidders are anonymous."""
        g = self.evidence.named_graph
        return None if g is None else g.graphs

    @property
    def tender_graph(self) -> pd.DataFrame | None:
        """Per-tender graph features (top_group, group_score ...); None when bidders are anonymous."""
        g = self.evidence.named_graph
        return None if g is None else g.tender_features


def read_scores(path) -> pd.DataFrame:
    """A scores file written by `collusion score` (tender_id, score; flag and reasons when present)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: scores file not found")
    try:
        s = pd.read_csv(p, dtype={"tender_id": str}, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise InputError(f"{p}: not a readable CSV ({type(e).__name__})") from None
    for col in ("tender_id", "score"):
        if col not in s.columns:
            raise InputError(f"{p}: missing column '{col}' (a scores file has tender_id, score, flag, reasons)")
    score = pd.to_numeric(s["score"], errors="coerce")
    bad = score.isna() & s["score"].notna()
    if bad.any():
        raise InputError(f"{p}: column 'score' holds a non-number in row {int(np.flatnonzero(bad)[0]) + 2}: "
                         f"{s['score'][bad].iloc[0]!r}")
    s["score"] = score
    s["flag"] = pd.to_numeric(s["flag"], errors="coerce").fillna(0).astype(int) if "flag" in s else 0
    s["reasons"] = unescape_series(s["reasons"].fillna("").astype(str)) if "reasons" in s else ""
    s["tender_id"] = unescape_series(s["tender_id"].astype(str))  # written formula-safe by `collusion score`
    extra = [c for c in ("probability", "evidence") if c in s.columns]  # a model's probability, the evidence strength
    for c in extra:
        s[c] = pd.to_numeric(s[c], errors="coerce")
    return s[["tender_id", "score", *extra, "flag", "reasons"]]


def gather_evidence(ds, model=None, *, scores: pd.DataFrame | None = None, settings=None) -> CaseEvidence:
    """The dataset's evidence (`Evidence`: red flags, the bidder graph and its ranked groups) and the tender scores
    (with `model`, or the composite score; `scores` given: used as they are, nothing is scored again)."""
    from riskmodels.collusion.pipeline import score_dataset

    ev = Evidence.of(ds, settings)
    bids = ev.bids
    if scores is None:
        r = score_dataset(ev, model, settings=settings)
        return CaseEvidence(r["scores"], r["table"], ev)
    known = set(bids["tender_id"].astype(str))
    unknown = [t for t in scores["tender_id"].astype(str) if t not in known]
    if len(unknown) == len(scores):
        raise InputError(f"the scores name none of this dataset's tenders (e.g. {unknown[0]!r}): scores of another dataset?"
                         if unknown else "the scores file is empty")
    scores = scores[scores["tender_id"].astype(str).isin(known)].reset_index(drop=True)  # cases of this dataset only
    return CaseEvidence(scores, ev.tender_table(graph=True, flags=True), ev)


def collusion_report(ds, out, model=None, *, method: str = "", scores: pd.DataFrame | None = None,
                     scores_file: str = "", settings=None, lang: str | None = None, force: bool = False,
                     progress=None, evidence: CaseEvidence | None = None, tiers: pd.DataFrame | None = None,
                     profiles=None, verdicts: pd.DataFrame | None = None) -> dict:
    """`collusion report`: gather the evidence (`gather_evidence`, unless `evidence` already holds it, scores
    included) and write the case file (`write_case_file`). `method`: how the model was named (its URI or path) for the
    index. `tiers` (enterprise_id, tier): each firm page shows the firm's credit tier; `profiles`: a folder of
    `credit profile --ids` pages the firm pages link to. `verdicts`: the case store's verdict history
    (`riskmodels.cases.store.CaseStore.verdict_history`): each tender page shows its status and every verdict, the
    case list its status. Returns a summary (pages, seconds, ...)."""
    rs = report_settings(settings)
    lang = lang or rs.lang
    site = Site(out, lang, force=force)  # refuse an existing report before any work
    with site:
        t0 = time.perf_counter()
        ev = evidence if evidence is not None else gather_evidence(ds, model, scores=scores, settings=settings)
        t1 = time.perf_counter()
        if progress:
            progress(f"evidence gathered in {t1 - t0:.1f}s; writing pages")
        kind = "scores" if scores is not None else "model" if model is not None or method else "composite"
        info = write_case_file(site, ds, ev, method={"kind": kind, "model": method, "file": scores_file},
                               settings=settings, tiers=tiers, profiles=profiles, verdicts=verdicts)
        site.publish()
    info.update(out=str(out), lang=lang, evidence_s=t1 - t0, pages_s=time.perf_counter() - t1)
    return info


def verdict_records(history: pd.DataFrame | None, namer=None) -> dict:
    """tender id -> its verdicts as records, oldest first: verdict, by, note, when (the day and minute, UTC), firms
    (names when `namer` is given), current (False where a later verdict superseded it)."""
    if history is None or not len(history):
        return {}
    out: dict = {}
    for r in history.to_dict("records"):
        when = pd.Timestamp(r["decided_at"])
        firms = [f for f in str(r.get("firms") or "").split(";") if f]
        out.setdefault(str(r["tender_id"]), []).append({
            "verdict": str(r["verdict"]), "by": _s(r.get("by")), "note": _s(r.get("note")),
            "when": when.strftime("%Y-%m-%d %H:%M") if not pd.isna(when) else "",
            "firms": [namer(f) if namer is not None else f for f in firms], "current": bool(r["current"])})
    return out


def in_language(L, text: str, kind: str = "reason") -> str:
    """A sentence the toolkit wrote in English (red-flag evidence, a score's reason) in the language of the labels `L`
    (`riskmodels.report.zh`); data values in it stay as written. Unchanged in English or without labels."""
    if L is None or L.lang == "en" or not text:
        return text
    from riskmodels.report.zh import to_zh

    return to_zh(text, kind)


def report_settings(settings=None):
    """The `[report]` settings (defaults when absent), checked (`ReportSettings.check`): SettingsError naming the key when
    one is out of range."""
    from features.core.settings import ReportSettings, validate_section

    rs = getattr(settings, "report", None) or ReportSettings()
    validate_section(rs)
    return rs


# ------------------------------------------------------------------------------------------------------- helpers
def _s(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT or v is pd.NA:
        return ""
    return str(v)


def _f(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _letters(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = string.ascii_uppercase[r] + s
    return s


class _Namer:
    """Firm ids -> names, and evidence texts with the ids of given firms replaced by their names."""

    def __init__(self, enterprises: pd.DataFrame | None):
        self.names: dict = {}
        if enterprises is not None and "name" in enterprises.columns:
            e = enterprises[["enterprise_id", "name"]].dropna().astype(str).drop_duplicates("enterprise_id")
            self.names = dict(zip(e["enterprise_id"], e["name"]))

    def __call__(self, fid) -> str:
        return self.names.get(str(fid)) or str(fid)

    def words(self, text: str, ids) -> str:
        ids = [i for i in ids if i and i in text and i in self.names]
        if not ids:
            return text
        rx = re.compile("|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True)))
        return rx.sub(lambda m: self.names[m.group(0)], text)


def _clip(text: str, n: int = 180) -> str:
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + " …"


def _split_reasons(text: str, namer: "_Namer", ids, L=None) -> list[str]:
    """The reasons of a score, one per item, firm ids replaced by names (in the language of labels `L`, when given).
    Reasons are joined by '; ', which some evidence texts use inside too ('A and B bid together in 8 tenders; A won 7',
    'R023: in 12 tenders ... apart (...); sd of the gap 0.0049 <= 0.005'): a piece that starts with a firm id continues
    the one before it, and so does a piece after a red flag's evidence sentence that does not start a reason itself."""
    pieces: list[str] = []
    for r in (x.strip() for x in str(text or "").split("; ")):
        if not r:
            continue
        if pieces and (r.split(" ", 1)[0] in ids or (_EVIDENCE_START.match(pieces[-1]) and not _starts_reason(r))):
            pieces[-1] += "; " + r
        else:
            pieces.append(r)
    return [namer.words(in_language(L, p), ids) for p in pieces]


_EVIDENCE_START = re.compile(r"(R\d{3}\b|Article \d|Pattern evidence under )")


def _starts_reason(piece: str) -> bool:
    """Whether `piece` begins a reason of its own (a red flag's evidence, a feature's label, a note on the bids)."""
    from riskmodels.collusion.reasons import VOCABULARY

    if _EVIDENCE_START.match(piece) or re.match(r"(red flag |only \d|partial bid list|\d+ bidders? bid more|no single piece)",
                                                 piece):
        return True
    return any(piece.startswith(label + " ") or piece.startswith(label + ":") for label, _ in VOCABULARY.values())


def _profile_links(site: Site, profiles):
    """fid -> relative link from a firm page to its `credit profile --ids` page in `profiles` (None when absent)."""
    import os

    if profiles is None:
        return lambda fid: None
    from riskmodels.report.site import profile_page_name as profile_page

    folder = Path(profiles).resolve()
    firms_dir = (site.out / "firms").resolve()

    def link(fid):
        f = folder / profile_page(fid)
        return Path(os.path.relpath(f, firms_dir)).as_posix() if f.is_file() else None
    return link


# ---------------------------------------------------------------------------------------------------- the writer
def _bid_frame(bids: pd.DataFrame) -> pd.DataFrame:
    """Bids with text ids and the columns the pages show: x_price, x_win, x_valid, x_rank (price rank among the
    tender's valid bids, 1 = lowest)."""
    b = bids.copy()
    b["tender_id"] = b["tender_id"].astype(str)
    b["bidder_id"] = b["bidder_id"].astype(str)
    b["x_price"] = pd.to_numeric(b["price"], errors="coerce") if "price" in b else np.nan
    b["x_win"] = (pd.to_numeric(b["is_winner"], errors="coerce").fillna(0).to_numpy() == 1) if "is_winner" in b \
        else False
    status = b["status"].astype("string").str.lower() if "status" in b else pd.Series(pd.NA, index=b.index, dtype="string")
    b["x_valid"] = (status.isna() | (status == "valid")).to_numpy() & np.isfinite(b["x_price"].to_numpy(float))
    b["x_rank"] = b[b["x_valid"]].groupby("tender_id")["x_price"].rank(method="min").reindex(b.index)
    for c in ("submitted_at", "status"):
        b[c] = b[c].astype("string").fillna("") if c in b else ""
    return b


def _records_by(df: pd.DataFrame, key: str, cols: list) -> dict:
    out: dict = {}
    for r in df[cols].to_dict("records"):
        out.setdefault(r[key], []).append(r)
    return out


@dataclass(frozen=True)
class _Pages:
    """What the page writers share, computed once by `write_case_file`."""

    site: Site  # where the pages go, with the labels of its language (`L`)
    L: object
    ds: object  # the dataset
    ev: CaseEvidence
    settings: object
    method: dict  # how the tenders were scored
    bids: pd.DataFrame  # the bids with rank, ratios and validity (`_bid_frame`)
    tinfo: dict  # tender id -> its tenders row as text
    namer: _Namer
    findings: pd.DataFrame  # red flags, tender ids as text
    top_rows: pd.DataFrame  # the top tenders in case order
    top_groups: pd.DataFrame  # the top groups
    n_total: int  # tenders scored
    n_groups: int  # groups found
    members_of: dict  # group id -> member ids
    group_of: dict  # firm id -> its group ids
    joint: dict  # top group id -> the tenders where 2+ members bid
    page_tenders: list  # tenders with a page, in case order
    page_set: set
    firms: list  # firms with a page
    firm_set: set
    group_pages: dict  # top group id -> its page name
    rank_of: dict  # tender id -> case rank
    score_of: dict
    flag_of: dict
    reasons_of: dict
    fcount: dict  # tender id -> findings
    top_group_of: dict  # tender id -> the group most of its bidders belong to
    tender_link: Callable  # tender id -> relative link to its page, or None
    firm_link: Callable
    group_link: Callable
    meta_fields: list  # bid metadata columns present
    by_tender: dict  # tender id -> its bids as records
    ids_of: dict  # tender id -> its bidders in bid order
    why_tender: Callable  # tender id -> one sentence saying why it is a case
    bg: object  # the bidder graph, None when bidders are anonymous
    rel: pd.DataFrame  # relations touching a firm with a page
    tier_of: dict  # firm id -> its credit tier (from `collusion_report`'s `tiers`; empty without them)
    profile_link: Callable  # firm id -> relative link to its credit profile page, or None
    verdicts_of: dict  # tender id -> its verdicts, oldest first (`verdict_records`); empty without a case store


def write_case_file(site: Site, ds, ev: CaseEvidence, *, method: dict, settings=None, tiers: pd.DataFrame | None = None,
                    profiles=None, verdicts: pd.DataFrame | None = None) -> dict:
    """Write every page of the case file into `site` (see the module doc); returns counts of pages and cases.
    `tiers`, `profiles`, `verdicts`: see `collusion_report`."""
    from riskmodels.collusion.caselist import tender_order

    rs = report_settings(settings)
    L = site.L
    bids = _bid_frame(ds.get("bids"))
    tenders = ds.get("tenders")
    tinfo: dict = {}
    if tenders is not None and len(tenders):
        t = tenders.assign(tender_id=tenders["tender_id"].astype(str)).drop_duplicates("tender_id")
        tinfo = {r["tender_id"]: {k: _s(v) for k, v in r.items()} for r in t.to_dict("records")}
    namer = _Namer(ds.get("enterprises"))
    findings = ev.findings if ev.findings is not None else pd.DataFrame(columns=["code", "tender_id", "evidence"])
    findings = findings.assign(tender_id=findings["tender_id"].astype(str))
    order = tender_order(ev.scores, findings, ev.tender_graph)
    groups = ev.groups if ev.groups is not None else pd.DataFrame(columns=["group_id", "members", "score"])
    top_rows = order.head(rs.top_tenders)
    top_groups = groups.head(rs.top_groups)
    n_total, n_groups = len(order), len(groups)

    # which pages exist: the top tenders, the tenders where a top group met, every firm of those, every member
    members_of = {int(g): str(m).split(";") for g, m in zip(groups["group_id"], groups["members"])}
    group_of: dict = {}
    for g, ms in members_of.items():
        for m in ms:
            group_of.setdefault(m, []).append(g)
    top_ids = [int(g) for g in top_groups["group_id"]]
    tb_pairs = bids[["tender_id", "bidder_id"]].drop_duplicates()
    joint: dict = {}
    for g in top_ids:
        k = tb_pairs[tb_pairs["bidder_id"].isin(set(members_of[g]))].groupby("tender_id").size()
        joint[g] = sorted(map(str, k[k >= 2].index))
    page_tenders = list(dict.fromkeys(list(top_rows["tender_id"]) + [t for g in top_ids for t in joint[g]]))
    page_set = set(page_tenders)
    firms = list(dict.fromkeys(list(tb_pairs.loc[tb_pairs["tender_id"].isin(page_set), "bidder_id"])
                               + [m for g in top_ids for m in members_of[g]]))
    firm_set = set(firms)
    group_pages = {g: f"group-{g:04d}.html" for g in top_ids}
    rank_of = dict(zip(order["tender_id"], order["rank"]))
    score_of = dict(zip(order["tender_id"], order["score"]))
    flag_of = dict(zip(order["tender_id"], order["flag"])) if "flag" in order else {}
    reasons_of = dict(zip(order["tender_id"], order["reasons"])) if "reasons" in order else {}
    fcount = findings.groupby("tender_id").size().to_dict() if len(findings) else {}
    fcodes = findings.groupby("tender_id")["code"].agg(lambda s: list(dict.fromkeys(s))).to_dict() if len(findings) else {}
    top_group_of = {}
    if ev.tender_graph is not None and "top_group" in ev.tender_graph:
        top_group_of = dict(zip(ev.tender_graph["tender_id"].astype(str), ev.tender_graph["top_group"].astype(int)))

    def tender_link(tid, root="../"):
        return f"{root}tenders/{page_name(tid)}" if tid in page_set else None

    def firm_link(fid, root="../"):
        return f"{root}firms/{page_name(fid)}" if fid in firm_set else None

    def group_link(g, root="../"):
        return f"{root}groups/{group_pages[g]}" if g in group_pages else None

    tier_of = {}
    if tiers is not None and {"enterprise_id", "tier"} <= set(tiers.columns):
        tier_of = dict(zip(tiers["enterprise_id"].astype(str).str.strip(), tiers["tier"].astype(str).str.strip()))
    profile_link = _profile_links(site, profiles)

    meta_fields = [f for f in META_FIELDS if f in bids.columns]
    tcols = ["tender_id", "bidder_id", "x_price", "x_win", "x_valid", "x_rank", "submitted_at", "status", *meta_fields]
    by_tender = _records_by(bids[bids["tender_id"].isin(page_set)], "tender_id", tcols)
    ids_of = {t: list(dict.fromkeys(r["bidder_id"] for r in rs_)) for t, rs_ in by_tender.items()}

    def why_tender(tid) -> str:
        codes = fcodes.get(tid, [])
        first = _split_reasons(_s(reasons_of.get(tid, "")), namer, set(ids_of.get(tid, [])), L)
        if codes:
            sep, colon = ("; ", ": ") if site.lang == "en" else ("；", "：")
            flags = ", ".join(f"{c} ({L.flag_title(c)})" for c in codes[:2]) + (f" +{len(codes) - 2}" if len(codes) > 2 else "")
            return f"{L.red_flags}{colon}{flags}" + (f"{sep}{_clip(first[0])}" if first else "")
        return _clip(first[0]) if first else ""

    bg = ev.graphs  # the bidder graph: pictures, registry and metadata ties, co-bidders
    rel = bg.relation_pairs if bg is not None else None
    if rel is None or not len(rel):
        rel = pd.DataFrame(columns=["firm_a", "firm_b", "relation", "value", "n_firms"])
    if "n_firms" not in rel.columns:  # how many firms share the value in the whole data (2: only this pair)
        rel = rel.assign(n_firms=2)
    rel = rel[rel["firm_a"].isin(firm_set) | rel["firm_b"].isin(firm_set)][["firm_a", "firm_b", "relation", "value",
                                                                            "n_firms"]]
    c = _Pages(site=site, L=L, ds=ds, ev=ev, settings=settings, method=method, bids=bids, tinfo=tinfo, namer=namer,
               findings=findings, top_rows=top_rows, top_groups=top_groups, n_total=n_total, n_groups=n_groups,
               members_of=members_of, group_of=group_of, joint=joint, page_tenders=page_tenders,
               page_set=page_set, firms=firms, firm_set=firm_set, group_pages=group_pages, rank_of=rank_of,
               score_of=score_of, flag_of=flag_of, reasons_of=reasons_of, fcount=fcount,
               top_group_of=top_group_of, tender_link=tender_link, firm_link=firm_link, group_link=group_link,
               meta_fields=meta_fields, by_tender=by_tender, ids_of=ids_of, why_tender=why_tender, bg=bg,
               rel=rel, tier_of=tier_of, profile_link=profile_link, verdicts_of=verdict_records(verdicts, namer))
    _tender_pages(c)
    _group_pages(c)
    _firm_pages(c)
    _index_page(c)
    return {"tender_pages": len(page_tenders), "group_pages": len(group_pages), "firm_pages": len(firms),
            "pages": site.pages, "tenders": n_total, "groups": n_groups}


def _tender_pages(c: _Pages) -> None:
    """A page per tender case (see the module doc)."""
    L, by_tender, ev, findings, firm_link, flag_of = c.L, c.by_tender, c.ev, c.findings, c.firm_link, c.flag_of
    group_link, group_of, ids_of, members_of, meta_fields, n_total = c.group_link, c.group_of, c.ids_of, c.members_of, c.meta_fields, c.n_total
    namer, page_set, page_tenders, rank_of, reasons_of, score_of = c.namer, c.page_set, c.page_tenders, c.rank_of, c.reasons_of, c.score_of
    site, tinfo = c.site, c.tinfo
    table = None
    if ev.table is not None and len(ev.table):
        tt = ev.table.assign(tender_id=ev.table["tender_id"].astype(str)).drop_duplicates("tender_id")
        tt = tt[tt["tender_id"].isin(page_set)]
        keep = ["tender_id", "market_n", *[c for s_ in SCREENS for c in (s_, f"{s_}_rank") if c in tt.columns]]
        table = {r["tender_id"]: r for r in tt[[c for c in keep if c in tt.columns]].to_dict("records")}
    fcols = [c for c in ("code", "article", "tender_id", "bidders", "evidence") if c in findings.columns]
    f_by_t = _records_by(findings[findings["tender_id"].isin(page_set)], "tender_id", fcols)
    from features.evidence.indicators import REGISTRY

    for tid in page_tenders:
        rows = sorted(by_tender.get(tid, []), key=lambda r: (not r["x_valid"], _f(r["x_rank"]) if r["x_valid"] else 0,
                                                              _f(r["x_price"]), r["bidder_id"]))
        ids = ids_of.get(tid, [])
        info = tinfo.get(tid, {})
        reserve = _f(info.get("reserve_price"))
        wp = [r["x_price"] for r in rows if r["x_win"]]
        wprice = _f(wp[0]) if wp else float("nan")
        shared, tags = [], [[] for _ in rows]
        for f in meta_fields:
            seen: dict = {}
            for i, r in enumerate(rows):
                v = _s(r[f]).strip()
                if v:
                    seen.setdefault(v, []).append(i)
            vals = sorted(v for v, ix in seen.items() if len({rows[i]["bidder_id"] for i in ix}) >= 2)
            for j, val in enumerate(vals):
                tag = f"{L.field_name(f)} {_letters(j)}"
                who = list(dict.fromkeys(rows[i]["bidder_id"] for i in seen[val]))
                shared.append({"tag": tag, "value": val, "bidders": [(namer(x), firm_link(x)) for x in who]})
                for i in seen[val]:
                    tags[i].append(tag)
        bid_rows = []
        for r, tg in zip(rows, tags):
            p = _f(r["x_price"])
            bid_rows.append({"rank": int(r["x_rank"]) if r["x_valid"] and not math.isnan(_f(r["x_rank"])) else "",
                             "name": namer(r["bidder_id"]), "id": r["bidder_id"], "link": firm_link(r["bidder_id"]),
                             "price": p, "to_reserve": p / reserve if reserve > 0 else None,
                             "to_winner": p / wprice if wprice > 0 else None, "submitted": _s(r["submitted_at"]),
                             "status": _s(r["status"]), "winner": bool(r["x_win"]), "tags": tg})
        screens, market_n = [], None
        row = (table or {}).get(tid)
        if row is not None:
            market_n = row.get("market_n")
            screens = [{"name": L.screen_name(k), "code": k, "value": _f(row[k]), "percent": k in PERCENT_SCREENS,
                        "market": _f(row.get(f"{k}_rank"))} for k in SCREENS if k in row]
        flags: dict = {}  # code -> its meaning, legal basis and every finding (legal articles first)
        for fr in sorted(f_by_t.get(tid, []), key=lambda r: (not str(r["code"]).startswith("A"), str(r["code"]))):
            code = str(fr["code"])
            fb = [x for x in _s(fr.get("bidders")).split(";") if x]
            if code not in flags:
                title = getattr(REGISTRY.get(code), "title", "") if code in REGISTRY else ""
                flags[code] = {"code": code, "what": L.flag_title(code, title),
                               "article": L.article_of(code, _s(fr.get("article"))), "items": []}
            flags[code]["items"].append({"bidders": [(namer(x), firm_link(x)) for x in fb],
                                         "evidence": namer.words(in_language(L, _s(fr.get("evidence")), "evidence"), fb)})
        flags = list(flags.values())
        idset = set(ids)
        involved = []
        for g in sorted({g for i in ids for g in group_of.get(i, [])}):
            here = [m for m in members_of[g] if m in idset]
            if len(here) >= 2:
                involved.append({"rank": g, "link": group_link(g), "n": len(members_of[g]),
                                 "here": [(namer(m), firm_link(m)) for m in here]})
        site.render("tender.html", f"tenders/{page_name(tid)}", tid=tid, info=info, reserve=reserve,
                    rank=rank_of.get(tid), total=n_total, score=score_of.get(tid), flag=flag_of.get(tid),
                    reasons=_split_reasons(_s(reasons_of.get(tid, "")), namer, set(ids), L), bids=bid_rows,
                    shared=shared, screens=screens, market_n=market_n, flags=flags, involved=involved,
                    n_findings=sum(len(f["items"]) for f in flags), verdicts=c.verdicts_of.get(tid, []),
                    buyer=namer(info["buyer_id"]) if info.get("buyer_id") else "")



def _group_pages(c: _Pages) -> None:
    """A page per bidder group, with its picture."""
    L, by_tender, fcount, firm_link = c.L, c.by_tender, c.fcount, c.firm_link
    group_pages, joint, members_of, n_groups, namer, rank_of = c.group_pages, c.joint, c.members_of, c.n_groups, c.namer, c.rank_of
    score_of, site, tender_link, tinfo, top_groups = c.score_of, c.site, c.tender_link, c.tinfo, c.top_groups
    bg, rel = c.bg, c.rel
    from graphs import export

    stats = {}
    if bg is not None:
        stats = {b_: (int(n), int(w)) for b_, n, w in bg.stats[["bidder_id", "n_bids", "n_wins"]].itertuples(index=False)}
    for g in top_groups.to_dict("records"):
        gid = int(g["group_id"])
        members = members_of[gid]
        mset = set(members)
        pic, key = None, []
        near = bg.neighbourhood(members) if bg is not None else None  # members, their neighbours: enough to draw
        if near is not None and all(m in near for m in members):
            mem, ctx = export.picture_nodes(near, members, context=6)
            labs = export.picture_labels(mem, ctx)
            PL = L if picture_language(site.lang, "group pictures") == site.lang else labels("en")
            export.draw_group(near, members, site.path(f"groups/group-{gid:04d}.png"), key=False,
                              title=PL.fmt("group_title", n=gid), words=PL.picture_words())
            pic = f"group-{gid:04d}.png"
            key = [{"label": labs[n], "name": namer(n), "id": n, "link": firm_link(n), "member": n in mset,
                    "bids": stats.get(n, (0, 0))[0], "wins": stats.get(n, (0, 0))[1]} for n in mem + ctx]
        num = {k["id"]: k["label"] for k in key}
        met, won, decided, chances, winners = [], 0, 0, [], {}
        for tid in joint.get(gid, []):
            allb = by_tender.get(tid, [])
            here = list(dict.fromkeys(r["bidder_id"] for r in allb if r["bidder_id"] in mset))
            w = next((r["bidder_id"] for r in allb if r["x_win"]), None)
            nb = len({r["bidder_id"] for r in allb})
            if w is not None:
                decided += 1
                won += int(w in mset)
                chances.append(len(here) / nb)
                if w in mset:
                    winners[w] = winners.get(w, 0) + 1
            met.append({"tid": tid, "link": tender_link(tid), "published": tinfo.get(tid, {}).get("published_at", ""),
                        "n": nb, "here": [num.get(m, namer(m)) for m in here],
                        "winner": (namer(w), firm_link(w)) if w is not None else None, "member_won": w in mset,
                        "score": score_of.get(tid), "rank": rank_of.get(tid), "flags": fcount.get(tid, 0)})
        lines = [L.fmt("ev_together", k=len(members), n=int(g.get("n_joint", len(met)))),
                 L.fmt("ev_exclusive", x=f"{_f(g.get('exclusivity')):.2f}", c=f"{_f(g.get('cohesion')):.2f}")]
        offered, exp_won, tail = more_than_chance(won, chances) if decided else (False, 0.0, 1.0)
        if offered:  # wins chance explains well are not evidence (graphs.chance)
            lines.append(L.fmt("ev_wins", w=won, d=decided, e=f"{exp_won:.1f}", p=L.chance(tail)))
        even, focus = _f(g.get("evenness")), _f(g.get("loss_focus"))
        if not math.isnan(even) and even >= 0.8 and won >= 3:
            lines.append(L.fmt("ev_rotation", x=f"{even:.2f}"))
        if not math.isnan(focus) and focus >= 0.6 and winners:
            top = max(winners, key=lambda k: (winners[k], k))
            lines.append(L.fmt("ev_cover", p=f"{focus:.0%}", who=f"{num.get(top, '')} {namer(top)}".strip()))
        tight = _f(g.get("tight_prices"))
        if not math.isnan(tight):
            lines.append(L.fmt("ev_prices", p=f"{tight:.0%}"))
        r_in = rel[rel["firm_a"].isin(mset) & rel["firm_b"].isin(mset)]
        if len(r_in):
            sep = "; " if site.lang == "en" else "；"
            rare = r_in[r_in["n_firms"] < COMMON_FIRMS]
            cnt = rare.drop_duplicates(["firm_a", "firm_b", "relation"])["relation"].value_counts()
            if len(cnt):
                lines.append(L.fmt("ev_relations", rel=sep.join(f"{L.rel_name(k)} ({v} {L.pairs_word})"
                                                                for k, v in cnt.items())))
            weak = r_in[r_in["n_firms"] >= COMMON_FIRMS].drop_duplicates(["relation", "value"])
            if len(weak):
                lines.append(L.fmt("ev_common", k=COMMON_FIRMS, rel=sep.join(
                    f"{L.rel_name(k)} ({v})" for k, v in weak["relation"].value_counts().items())))
        ties = []  # one row per shared value: the relation, the value and every member that shares it
        shared_by: dict = {}
        n_of: dict = {}
        for a, b_, r_, v, n in r_in[["firm_a", "firm_b", "relation", "value", "n_firms"]].itertuples(index=False):
            shared_by.setdefault((str(r_), _s(v)), set()).update((a, b_))
            n_of[(str(r_), _s(v))] = int(n)
        # specific values first (fewest firms in the whole data), common ones last and labelled
        for (r_, v), who in sorted(shared_by.items(), key=lambda kv: (n_of[kv[0]], -len(kv[1]), kv[0])):
            ties.append({"relation": L.rel_name(r_), "value": v, "n_firms": n_of[(r_, v)],
                         "common": n_of[(r_, v)] >= COMMON_FIRMS,
                         "firms": [(num.get(m, ""), namer(m), firm_link(m)) for m in sorted(who, key=lambda m: (
                             int(num[m]) if num.get(m, "").isdigit() else 999, m))]})
        site.render("group.html", f"groups/{group_pages[gid]}", gid=gid, g=g, total=n_groups, picture=pic, key=key,
                    evidence=lines, raw_evidence=_s(g.get("evidence")) if site.lang == "en" else "", ties=ties,
                    n_ties=len(ties), met=met)



def _firm_pages(c: _Pages) -> None:
    """A page per firm involved."""
    L, bids, ds, fcount, firm_link, firm_set = c.L, c.bids, c.ds, c.fcount, c.firm_link, c.firm_set
    firms, group_link, group_of, members_of, namer, rank_of = c.firms, c.group_link, c.group_of, c.members_of, c.namer, c.rank_of
    score_of, site, tender_link, tinfo = c.score_of, c.site, c.tender_link, c.tinfo
    bg, rel = c.bg, c.rel
    ents = ds.get("enterprises")
    eidx: dict = {}
    if ents is not None and len(ents):
        e = ents.assign(enterprise_id=ents["enterprise_id"].astype(str)).drop_duplicates("enterprise_id")
        eidx = {r["enterprise_id"]: {k: _s(v) for k, v in r.items()}
                for r in e[e["enterprise_id"].isin(firm_set)].to_dict("records")}
    by_firm = _records_by(bids[bids["bidder_id"].isin(firm_set)], "bidder_id",
                          ["bidder_id", "tender_id", "x_price", "x_win", "x_valid", "x_rank", "status"])
    both = pd.concat([rel, rel.rename(columns={"firm_a": "firm_b", "firm_b": "firm_a"})], ignore_index=True)
    both = both[both["firm_a"].isin(firm_set)].drop_duplicates(["firm_a", "firm_b", "relation", "value"])
    # specific ties first (values few firms share), common values (COMMON_FIRMS firms or more) last, labelled
    both = both.assign(n_firms=pd.to_numeric(both["n_firms"], errors="coerce").fillna(2).astype(int))
    both = both.sort_values(["firm_a", "n_firms", "relation", "value", "firm_b"], kind="stable")
    rel_by = _records_by(both, "firm_a", ["firm_a", "firm_b", "relation", "value", "n_firms"])
    co_by: dict = {}
    if bg is not None and len(bg.pairs):
        p = bg.pairs[["bidder_a", "bidder_b", "co_bids"]]
        p = p[p["bidder_a"].isin(firm_set) | p["bidder_b"].isin(firm_set)]
        p2 = pd.concat([p, p.rename(columns={"bidder_a": "bidder_b", "bidder_b": "bidder_a"})], ignore_index=True)
        p2 = p2[p2["bidder_a"].isin(firm_set)].sort_values(["bidder_a", "co_bids", "bidder_b"],
                                                          ascending=[True, False, True])
        co_by = _records_by(p2.groupby("bidder_a", sort=False).head(10), "bidder_a", ["bidder_a", "bidder_b", "co_bids"])
    for fid in firms:
        rows = sorted(by_firm.get(fid, []), key=lambda r: (tinfo.get(r["tender_id"], {}).get("published_at", ""),
                                                          r["tender_id"]))
        brow = [{"tid": r["tender_id"], "link": tender_link(r["tender_id"]),
                 "published": tinfo.get(r["tender_id"], {}).get("published_at", ""), "price": r["x_price"],
                 "rank": int(r["x_rank"]) if r["x_valid"] and not math.isnan(_f(r["x_rank"])) else "",
                 "won": bool(r["x_win"]), "status": _s(r["status"]), "score": score_of.get(r["tender_id"]),
                 "case_rank": rank_of.get(r["tender_id"]), "flags": fcount.get(r["tender_id"], 0)} for r in rows]
        rr = rel_by.get(fid, [])
        rels = [{"other": (namer(x["firm_b"]), x["firm_b"], firm_link(x["firm_b"])), "relation": L.rel_name(str(x["relation"])),
                 "value": _s(x["value"]), "n_firms": int(x["n_firms"]), "weight": 1.0 / max(1, int(x["n_firms"]) - 1),
                 "common": int(x["n_firms"]) >= COMMON_FIRMS} for x in rr[:FIRM_RELATION_CAP]]
        n_common = sum(int(x["n_firms"]) >= COMMON_FIRMS for x in rr)
        co = [{"other": (namer(x["bidder_b"]), x["bidder_b"], firm_link(x["bidder_b"])), "n": int(x["co_bids"])}
              for x in co_by.get(fid, [])]
        gs = [{"rank": g, "link": group_link(g), "n": len(members_of[g])} for g in group_of.get(fid, [])]
        cases = sorted([x for x in brow if x["link"] and x["case_rank"] is not None], key=lambda x: x["case_rank"])
        site.render("firm.html", f"firms/{page_name(fid)}", fid=fid, name=namer(fid), ent=eidx.get(fid, {}),
                    tier=c.tier_of.get(fid) if c.tier_of.get(fid) in ("A", "B", "C", "D") else None,
                    profile=c.profile_link(fid),
                    known=fid in eidx, bids=brow, n_bids=len(brow), n_wins=sum(x["won"] for x in brow),
                    relations=rels, n_rel=len(rr), n_common=n_common, common_firms=COMMON_FIRMS, co=co, groups=gs,
                    cases=cases)



def _index_page(c: _Pages) -> None:
    """`index.html`: start here."""
    from graphs.groups import RANK_EXPLAINED
    from riskmodels.collusion.caselist import TENDER_ORDER_EXPLAINED

    L, bids, ds, findings = c.L, c.bids, c.ds, c.findings
    firms, group_link, group_pages, ids_of, members_of, method = c.firms, c.group_link, c.group_pages, c.ids_of, c.members_of, c.method
    n_groups, n_total, namer, page_tenders, settings, site = c.n_groups, c.n_total, c.namer, c.page_tenders, c.settings, c.site
    tender_link, tinfo, top_group_of, top_groups, top_rows, why_tender = c.tender_link, c.tinfo, c.top_group_of, c.top_groups, c.top_rows, c.why_tender
    rep = ds.report() if hasattr(ds, "report") else {"tables": {}}
    files = getattr(ds, "files", {}) or {}
    tables = [{"name": n, "file": getattr(files.get(n), "name", ""), **cnt} for n, cnt in rep.get("tables", {}).items()]
    trows = []
    for r in top_rows.to_dict("records"):
        tid = r["tender_id"]
        info = tinfo.get(tid, {})
        tg = top_group_of.get(tid, 0)
        trows.append({"rank": r["rank"], "tid": tid, "link": tender_link(tid, ""), "score": r["score"],
                      "prob": _f(r.get("probability")), "evidence": _f(r.get("evidence")),
                      "flag": r.get("flag"), "buyer": namer(info["buyer_id"]) if info.get("buyer_id") else "",
                      "category": info.get("category", ""), "published": info.get("published_at", "")[:10],
                      "n_bids": len(ids_of.get(tid, [])), "group": tg if tg > 0 else None, "why": why_tender(tid),
                      "verdict": (c.verdicts_of.get(tid) or [{}])[-1].get("verdict")})
    grows = []
    for g in top_groups.to_dict("records"):
        gid = int(g["group_id"])
        ms = members_of[gid]
        grows.append({"rank": gid, "link": group_link(gid, ""), "score": _f(g["score"]), "size": len(ms),
                      "names": [namer(m) for m in ms[:3]], "more": max(0, len(ms) - 3),
                      "n_joint": int(g.get("n_joint", 0)), "why": group_sentence(L, g)})
    n_found = int(findings["finding"].nunique()) if "finding" in findings.columns else len(findings)
    counts = {"tenders": f"{bids['tender_id'].nunique():,}", "bids": f"{len(bids):,}",
              "firms": f"{bids['bidder_id'].nunique():,}", "findings": f"{n_found:,}",
              "tender_findings": f"{len(findings):,}", "flagged": f"{findings['tender_id'].nunique():,}",
              "groups": f"{n_groups:,}"}
    c = getattr(settings, "collusion", None)
    if method["kind"] == "model":
        how = L.fmt("method_model", model=method.get("model") or "")
    elif method["kind"] == "scores":
        how = L.fmt("method_scores", file=method.get("file") or "")
    else:
        how = L.fmt("method_composite", share=f"{(c.flag_share if c is not None else 0.1):.0%}")
    site.render("index.html", "index.html", dataset=str(getattr(ds, "path", "")), tables=tables,
                rejected=sum(int(t.get("rejected", 0)) for t in tables), counts=counts, how=how,
                order_t=TENDER_ORDER_EXPLAINED if site.lang == "en" else ZH_TENDER_ORDER,
                order_g=RANK_EXPLAINED if site.lang == "en" else ZH_GROUP_ORDER, tenders=trows, groups=grows,
                n_tenders=n_total, n_groups=n_groups,
                n_pages={"tenders": len(page_tenders), "groups": len(group_pages), "firms": len(firms)})




ZH_TENDER_ORDER = "评分从高到低。使用模型时，评分为模型的串通对数几率 log(p/(1-p))（p 为概率；概率在接近 1 时饱和，对数几率仍保持顺序），" \
    "加上 0.01 × 证据强度（无模型证据评分，0-1），用于区分模型评分相同的项目，对概率的影响小于 1%（对模型训练过的市场，证据强度相对该市场的训练项目计算，使项目评分不随同批评分的项目而变）；未使用模型时评分即证据强度。评分相同时，依次按证据强度更高、红旗代码种类更多、红旗发现更多、投标人中最主要团伙的评分更高排序，最后按项目编号排序"
ZH_GROUP_ORDER = "团伙评分从高到低；评分相同时，依次按共同投标项目更多、排他性更高、成员更多排序，最后按成员编号排序"


def group_sentence(L, g: dict) -> str:
    """One sentence on why a group is ranked where it is, from its numbers (any language)."""
    parts = [L.fmt("ev_together", k=int(g.get("size", 0)), n=int(g.get("n_joint", 0))).rstrip(".。")]
    parts.append(f"{'exclusivity' if L.lang == 'en' else '排他性'} {_f(g.get('exclusivity')):.2f}")
    rels = [r for r in _s(g.get("relations")).split(";") if r]
    if rels:
        parts.append(", ".join(L.rel_name(r) for r in rels[:3]))
    return ("; " if L.lang == "en" else "；").join(parts)
