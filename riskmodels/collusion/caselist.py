"""Case lists for investigators: ranked tenders and bidder groups with their evidence, as CSV and as one readable HTML page.

Every value that reaches the HTML page is escaped (`html.escape`): bidder names and evidence texts come from the data.
"""
from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from features.io.export import write_table, write_text

TENDER_COLUMNS = ["rank", "tender_id", "score", "probability", "evidence", "flag", "reasons", "n_bids", "winner", "bidders",
                  "group_id"]
GROUP_COLUMNS = ["rank", "group_id", "members", "n_members", "tenders", "flagged_tenders", "mean_score", "max_score",
                 "group_score", "evidence"]


# The one order of tender cases (this case list and the case report). A calibrated probability saturates: on the demo
# city 134 tenders share 0.999819, so a case list ordered by it is ordered by its tie-breaks. With a model, `score` is
# therefore the model's log-odds, which keeps the order the probability loses near 1, plus a small share of the strength
# of the evidence (`ranking_score`), which orders the tenders the model cannot tell apart; the probability stays in its own
# column (`probability`, what the flag threshold reads) and the evidence strength in `evidence`. Without a model the
# score is the evidence score itself (0-1).
EVIDENCE_TIEBREAK = 0.01  # weight of the evidence strength (0-1) in a model's ranking score, in log-odds
TENDER_ORDER_EXPLAINED = ("highest score first. With a model, the score is its log-odds of collusion, log(p/(1-p)) for "
                          "probability p (it keeps its order where p saturates near 1), plus 0.01 x the evidence "
                          "strength (the no-model evidence score, 0-1), which orders the tenders the model scores alike "
                          "and moves a tender by less than 1% in probability (on a market the model was trained on, the "
                          "evidence strength is taken against that market's training tenders, so that a tender's score "
                          "does not depend on the tenders scored with it); "
                          "without a model, the score is the evidence strength; equal scores by the evidence strength, "
                          "then by more distinct red-flag codes, then more red-flag findings, then the "
                          "score of the bidder group most present among its bidders, then the tender id")


def ranking_score(probability, evidence) -> np.ndarray:
    """A model's case-order key per tender: log-odds of `probability` + `EVIDENCE_TIEBREAK` x `evidence` (0-1; missing
    counts 0). Probabilities are clipped to [1e-15, 1 - 1e-15], so 0 and 1 give finite keys (about -34.5 and 34.5)."""
    p = np.clip(np.asarray(probability, dtype=float), 1e-15, 1 - 1e-15)
    ev = np.nan_to_num(np.asarray(evidence, dtype=float), nan=0.0)
    return np.log(p) - np.log1p(-p) + EVIDENCE_TIEBREAK * ev


def tender_order(scores: pd.DataFrame, findings: pd.DataFrame | None = None,
                 graph: pd.DataFrame | None = None) -> pd.DataFrame:
    """`scores` (tender_id, score, ...) sorted in the case order (`TENDER_ORDER_EXPLAINED`), with the tie-break columns
    `n_flag_codes`, `n_findings` (from the red-flag `findings`: code, tender_id, one row per tender and finding) and
    `group_score` (from per-tender graph features) added, and `rank` 1..n first."""
    t = scores.assign(tender_id=scores["tender_id"].astype(str)).reset_index(drop=True)
    t = t.drop(columns=[c for c in ("rank", "n_flag_codes", "n_findings", "group_score") if c in t.columns])
    codes = nfind = None
    if findings is not None and len(findings):
        f = findings.assign(tender_id=findings["tender_id"].astype(str))
        codes, nfind = f.groupby("tender_id")["code"].nunique(), f.groupby("tender_id").size()
    t["n_flag_codes"] = t["tender_id"].map(codes).fillna(0).astype(int) if codes is not None else 0
    t["n_findings"] = t["tender_id"].map(nfind).fillna(0).astype(int) if nfind is not None else 0
    gs = None
    if graph is not None and "group_score" in graph.columns:
        gs = pd.Series(graph["group_score"].to_numpy(float), index=graph["tender_id"].astype(str))
        gs = gs[~gs.index.duplicated()]
    t["group_score"] = t["tender_id"].map(gs).fillna(0.0).astype(float) if gs is not None else 0.0
    t["_evidence"] = pd.to_numeric(t["evidence"], errors="coerce").fillna(0.0) if "evidence" in t.columns else 0.0
    t = t.sort_values(["score", "_evidence", "n_flag_codes", "n_findings", "group_score", "tender_id"],
                      ascending=[False, False, False, False, False, True], kind="stable", na_position="last")
    t = t.drop(columns="_evidence")
    t = t.reset_index(drop=True)
    t.insert(0, "rank", np.arange(1, len(t) + 1))
    return t


def bidder_lists(bids: pd.DataFrame, most: int) -> pd.Series:
    """Per tender (text ids): its distinct bidders in the order they first appear, at most `most` of them, joined by ';',
    ending in ';...' when there are more (one vectorised pass: a city or province has 10^5 tenders)."""
    firsts = bids[["tender_id", "bidder_id"]].drop_duplicates()
    n = firsts.groupby("tender_id", sort=False)["bidder_id"].transform("size").to_numpy()
    keep = firsts.groupby("tender_id", sort=False).cumcount().to_numpy() < most
    shown = firsts[keep].astype(object).groupby("tender_id", sort=False)["bidder_id"].agg(";".join)
    more = pd.Series(n[keep] > most, index=firsts["tender_id"][keep].to_numpy()).groupby(level=0, sort=False).first()
    return shown + np.where(more.reindex(shown.index).to_numpy(), ";...", "")


def tender_cases(scores: pd.DataFrame, bids: pd.DataFrame | None = None, graph: pd.DataFrame | None = None,
                 max_bidders: int = 12, findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tenders in the case order (`tender_order`: score, then the strength of the evidence) with their reasons,
    winner and bidders (and the graph group most of its bidders belong to, when `graph` — per-tender graph features
    with `top_group` — is given)."""
    t = tender_order(scores, findings, graph)
    t["winner"], t["bidders"], t["group_id"] = "", "", ""
    if bids is not None and len(bids) and "bidder_id" in bids.columns:
        b = bids.assign(tender_id=bids["tender_id"].astype(str), bidder_id=bids["bidder_id"].astype(str))
        t["bidders"] = t["tender_id"].astype(str).map(bidder_lists(b, max_bidders)).fillna("")
        if "is_winner" in b.columns:
            w = b[b["is_winner"] == 1].groupby("tender_id")["bidder_id"].first()
            t["winner"] = t["tender_id"].astype(str).map(w).astype(object).fillna("")
    if graph is not None and "top_group" in graph.columns:
        g = pd.Series(graph["top_group"].to_numpy(), index=graph["tender_id"].astype(str))
        t["group_id"] = t["tender_id"].astype(str).map(g).fillna(0).astype(int).astype(str).replace("0", "")
    return t[[c for c in TENDER_COLUMNS if c in t.columns]]


def group_cases(tenders: pd.DataFrame, bids: pd.DataFrame | None, groups: pd.DataFrame | None) -> pd.DataFrame:
    """Bidder groups in the one order of `graphs.groups.rank_groups` (the order of `graph groups`: `rank` = its
    `group_id`), with the scores of the tenders where at least two members bid together (how many, how many
    flagged, their mean and highest score) and the graph's evidence. `groups`: graphs' ranked groups (`group_id`,
    `members`, `score`, `evidence`); without it, no groups are listed."""
    if groups is None or len(groups) == 0 or bids is None or "bidder_id" not in bids.columns:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    mem = groups[["group_id", "members"]].assign(bidder_id=groups["members"].astype(str).str.split(";")).explode("bidder_id")
    b = bids[["tender_id", "bidder_id"]].astype(str).drop_duplicates().merge(mem[["group_id", "bidder_id"]], on="bidder_id")
    k = b.groupby(["group_id", "tender_id"]).size()
    joint = k[k >= 2].reset_index()[["group_id", "tender_id"]]
    s = tenders[["tender_id", "score", "flag"]].assign(tender_id=tenders["tender_id"].astype(str))
    joint = joint.merge(s, on="tender_id")
    agg = joint.groupby("group_id").agg(tenders=("tender_id", "size"), flagged_tenders=("flag", "sum"),
                                        mean_score=("score", "mean"), max_score=("score", "max"))
    out = groups.sort_values("group_id", kind="stable").set_index("group_id")[["members", "score", "evidence"]]
    out = out.rename(columns={"score": "group_score"}).join(agg, how="left").reset_index()
    out["n_members"] = out["members"].astype(str).str.count(";") + 1
    out["tenders"] = out["tenders"].fillna(0).astype(int)
    out["flagged_tenders"] = out["flagged_tenders"].fillna(0).astype(int)
    out.insert(0, "rank", out["group_id"].astype(int))
    return out[GROUP_COLUMNS]


def _table_html(df: pd.DataFrame, floats: int = 3) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for v in rec:
            if isinstance(v, (float, np.floating)):
                v = "" if np.isnan(v) else f"{v:.{floats}f}"
            cells.append(f"<td>{html.escape(str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_html(tenders: pd.DataFrame, groups: pd.DataFrame, title: str, note: str = "", top: int = 200) -> str:
    """One self-contained page: the ranked tenders (top `top`) and the ranked groups, everything escaped."""
    style = ("body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;font-size:13px}"
             "td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left;overflow-wrap:anywhere;max-width:40em}th{background:#eee}"
             "tr:nth-child(even){background:#fafafa}")
    shown = tenders.head(top)
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>"]
    if note:
        parts.append(f"<p>{html.escape(note)}</p>")
    from graphs.groups import RANK_EXPLAINED

    parts.append(f"<h2>Tenders ({len(shown)} of {len(tenders)})</h2><p>Order: {html.escape(TENDER_ORDER_EXPLAINED)}.</p>"
                 f"{_table_html(shown)}")
    parts.append(f"<h2>Bidder groups ({len(groups)})</h2><p>Order (as in <code>graph groups</code>): "
                 f"{html.escape(RANK_EXPLAINED)}.</p>")
    parts.append(_table_html(groups) if len(groups) else "<p>No bidder groups (no bidder ids or no graph groups).</p>")
    parts.append("</body></html>")
    return "".join(parts)


def case_list_paths(out) -> dict:
    """Where `write_case_list` puts its files for a scores file `out`: cases, groups (CSV) and html."""
    out = Path(out)
    stem = out.parent / out.stem
    return {"cases": Path(f"{stem}_cases.csv"), "groups": Path(f"{stem}_groups.csv"), "html": Path(f"{stem}_cases.html")}


def write_case_list(tenders: pd.DataFrame, groups: pd.DataFrame, out: Path, title: str, note: str = "") -> dict:
    """`<stem>_cases.csv` (tenders), `<stem>_groups.csv` and `<stem>_cases.html` beside `out`; their paths."""
    paths = case_list_paths(out)
    write_table(tenders, paths["cases"])
    write_table(groups, paths["groups"])
    write_text(paths["html"], render_html(tenders, groups, title, note))
    return {k: str(v) for k, v in paths.items()}
