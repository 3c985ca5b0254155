"""Collusion as a credit fact: confirmed verdicts from the case store, and open suspicions that are not verdicts.

- **Confirmed** (`confirmed_collusion`): a collusive verdict in the case store (`riskmodels cases verdict`, its `firms`
  column) is a serious event for each firm it names: `credit tier --cases S` gives those firms tier D with an `override`
  naming the verdict (`confirmed_override`), and `credit lists --cases S` puts them on the black list (rule
  `confirmed collusion`). Only the current verdict of each tender counts: a later `clean` verdict lifts it.
- **Suspected** (`suspicions`): tenders flagged by a collusion score where the firm bid, minus the tenders with a
  verdict. A suspicion never moves a tier; the profile shows it as a banner ("suspected in N tenders, not confirmed")
  and `suspect_triggers` turns it into targeted inspection visits labelled as such (an `inspect plan --triggers` file).
"""
from __future__ import annotations

import pandas as pd

from features.core.errors import InputError

CONFIRMED_COLUMNS = ["enterprise_id", "tender_id", "verdict_id", "decided_at", "by", "note"]
RULE_CONFIRMED = "confirmed collusion"
RULE_CONFIRMED_ZH = "经认定的串通投标"
SUSPECT_REASON = "suspected collusion in {n} tender(s), not confirmed (targeted visit)"
SUSPECT_REASON_ZH = "涉嫌在 {n} 个项目中串通投标，尚未认定（定向检查）"


def _text(v) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip()


def confirmed_collusion(store) -> pd.DataFrame:
    """Firms named in the current collusive verdict of each tender of the case store `store` (a path or URL, or an
    opened store): `CONFIRMED_COLUMNS`, one row per (firm, tender)."""
    if isinstance(store, pd.DataFrame):
        df = store
    else:
        if not hasattr(store, "confirmed_firms"):
            from pathlib import Path

            from riskmodels.cases.store import open_store

            if "://" not in str(store) and not Path(store).is_file():
                raise InputError(f"--cases: {store}: no such case store (record verdicts with 'riskmodels cases verdict "
                                 "DIR --store FILE' first)")
            store = open_store(store)
        df = store.confirmed_firms()
    missing = [c for c in ("enterprise_id", "tender_id") if c not in df.columns]
    if missing:
        raise InputError(f"--cases: the case store's confirmed firms lack column(s) {', '.join(missing)}")
    df = df.reindex(columns=CONFIRMED_COLUMNS).copy()
    for c in CONFIRMED_COLUMNS:
        df[c] = df[c].map(_text)
    return df[df["enterprise_id"] != ""].drop_duplicates(["enterprise_id", "tender_id"]).reset_index(drop=True)


def _case_words(g: pd.DataFrame, lang: str = "en") -> str:
    """'tender T1 (verdict 12, 2026-11-30, by chen); tender T2 (...)' for one firm's confirmed verdicts."""
    parts = []
    for r in g.sort_values(["decided_at", "tender_id"]).to_dict("records"):
        if lang == "zh":
            who = "，".join(x for x in (f"认定编号 {r['verdict_id']}" if r["verdict_id"] else "", r["decided_at"][:10],
                                       f"认定人 {r['by']}" if r["by"] else "") if x)
            parts.append(f"项目 {r['tender_id']}" + (f"（{who}）" if who else ""))
            continue
        who = ", ".join(x for x in (f"verdict {r['verdict_id']}" if r["verdict_id"] else "", r["decided_at"][:10],
                                    f"by {r['by']}" if r["by"] else "") if x)
        parts.append(f"tender {r['tender_id']}" + (f" ({who})" if who else ""))
    return ("；" if lang == "zh" else "; ").join(parts)


def confirmed_override(confirmed: pd.DataFrame) -> dict:
    """enterprise_id -> the override text of its tier: 'confirmed collusion: tender T (verdict V, date, by B) -> D'."""
    return {e: f"{RULE_CONFIRMED}: {_case_words(g)} -> D" for e, g in confirmed.groupby("enterprise_id")}


def apply_confirmed(tiers: pd.DataFrame, confirmed: pd.DataFrame) -> pd.DataFrame:
    """`tiers` with every firm of `confirmed` at tier D and its override naming the verdicts (an earlier override of the
    firm is kept after it). Firms not in `tiers` are not added (they are not in the dataset's registry)."""
    over = confirmed_override(confirmed)
    out = tiers.copy()
    hit = out["enterprise_id"].astype(str).isin(over)
    if hit.any():
        ids = out.loc[hit, "enterprise_id"].astype(str)
        before = out.loc[hit, "override"].fillna("").astype(str)
        out.loc[hit, "tier"] = "D"
        out.loc[hit, "override"] = [over[e] + (f"; {b}" if b else "") for e, b in zip(ids, before)]
    return out


def black_entries(confirmed: pd.DataFrame, when: pd.Timestamp) -> dict:
    """enterprise_id -> [(rule, evidence, since)] for the black list: every firm a current collusive verdict names."""
    out = {}
    for e, g in confirmed.groupby("enterprise_id"):
        d = pd.to_datetime(g["decided_at"], errors="coerce", utc=True).dt.tz_localize(None).max()
        since = when if pd.isna(d) else min(d.normalize(), when)
        out[e] = [(RULE_CONFIRMED, f"collusive verdict: {_case_words(g)}", since, RULE_CONFIRMED_ZH,
                   f"串通投标认定：{_case_words(g, 'zh')}")]
    return out


def suspicions(scores: pd.DataFrame, bids: pd.DataFrame, confirmed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Open suspicions: per firm, the flagged tenders (`flag` 1, else score >= 0.5) it bid in that have no confirmed
    verdict naming it: enterprise_id, tenders (count), tender_ids (';'-joined, highest score first), top_score."""
    if scores is None or bids is None or not len(scores) or not len(bids):
        return pd.DataFrame(columns=["enterprise_id", "tenders", "tender_ids", "top_score"])
    sc = scores.assign(tender_id=scores["tender_id"].map(_text))
    score = pd.to_numeric(sc["score"], errors="coerce")
    flag = pd.to_numeric(sc["flag"], errors="coerce").fillna(0) > 0 if "flag" in sc.columns else score >= 0.5
    sc = sc.assign(score=score)[flag.to_numpy()]
    b = pd.DataFrame({"enterprise_id": bids["bidder_id"].map(_text), "tender_id": bids["tender_id"].map(_text)})
    m = b.drop_duplicates().merge(sc[["tender_id", "score"]], on="tender_id")
    if confirmed is not None and len(confirmed):
        done = set(zip(confirmed["enterprise_id"], confirmed["tender_id"]))
        m = m[[(e, t) not in done for e, t in zip(m["enterprise_id"], m["tender_id"])]]
    m = m.sort_values(["enterprise_id", "score", "tender_id"], ascending=[True, False, True])
    g = m.groupby("enterprise_id", sort=True)
    return pd.DataFrame({"tenders": g.size(), "tender_ids": g["tender_id"].agg(";".join),
                         "top_score": g["score"].max()}).reset_index()


def suspect_triggers(sus: pd.DataFrame, department: str, lang: str = "en", min_tenders: int = 1) -> pd.DataFrame:
    """An `inspect plan --triggers` table (enterprise_id, department, reason) for the firms suspected in at least
    `min_tenders` flagged tenders: each becomes a targeted visit by `department`, its reason saying it is a suspicion."""
    s = sus[sus["tenders"] >= min_tenders]
    word = SUSPECT_REASON_ZH if lang == "zh" else SUSPECT_REASON
    return pd.DataFrame({"enterprise_id": s["enterprise_id"].to_numpy(), "department": department,
                         "reason": [word.format(n=int(n)) for n in s["tenders"]]})


def suspects_table(scores: pd.DataFrame, bids: pd.DataFrame | None, cases=None, lang: str = "en",
                   department: str = "market_regulation") -> pd.DataFrame:
    """`credit lists --collusion-scores`: the firms under open suspicion as an `inspect plan --triggers` file (one
    targeted visit each by `department`, the reason saying it is a suspicion, not a verdict)."""
    if bids is None:
        raise InputError("--collusion-scores: the dataset has no bids table to find the firms of the flagged tenders")
    confirmed = confirmed_collusion(cases) if cases is not None else None
    return suspect_triggers(suspicions(scores, bids, confirmed), department, lang)
