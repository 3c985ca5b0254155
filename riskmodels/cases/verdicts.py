"""Recording investigators' verdicts: read and check a verdict file (or one verdict given on the command line) against the
dataset the tenders come from, then append the verdicts to the case store with what each judged tender showed.

A verdict file has columns `tender_id`, `verdict` (collusive | clean | unsure), `by`, `note`, and optionally `firms`: the
firms found colluding, `;`-separated (default for a collusive verdict: every valid bidder of the tender; a clean or unsure
verdict names none). The file is checked whole before anything is written: one bad row stops the command with a message
naming the file, its row (spreadsheet numbering, the header being row 1) and the value, and nothing is recorded.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from features.core.errors import InputError
from riskmodels.cases.store import VERDICTS, CaseStore

REQUIRED = ("tender_id", "verdict", "by")


def read_verdict_file(path) -> pd.DataFrame:
    """The verdict file as text columns tender_id, verdict, by, note, firms, plus `row` (its spreadsheet row)."""
    from features.io.read import read_raw

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: verdict file not found")
    raw = read_raw(p)
    if raw.broken:
        raise InputError(f"{p}: row {raw.broken[0]} is not a well-formed record; nothing recorded")
    f = raw.frame
    for col in REQUIRED:
        if col not in f.columns:
            raise InputError(f"{p}: missing column '{col}' (a verdict file has tender_id, verdict, by, note and "
                             "optionally firms)")
    out = pd.DataFrame({c: f[c].fillna("").astype(str).str.strip() if c in f.columns else "" for c in
                        ("tender_id", "verdict", "by", "note", "firms")})
    out["row"] = np.asarray(raw.rows)
    return out


def one_verdict(tender_id: str, verdict: str, by: str, note: str = "", firms: str = "") -> pd.DataFrame:
    """One verdict given on the command line, in the shape of `read_verdict_file`."""
    return pd.DataFrame({"tender_id": [str(tender_id).strip()], "verdict": [str(verdict).strip()], "by": [str(by).strip()],
                         "note": [str(note or "")], "firms": [str(firms or "").strip()], "row": [0]})


def _where(source: str, row: int) -> str:
    return f"{source} row {row}" if row else source


def check_verdicts(verdicts: pd.DataFrame, bids: pd.DataFrame, source: str) -> pd.DataFrame:
    """The verdicts with `firms` as lists of enterprise ids, after checking every row against the dataset's bids:
    a known verdict word, a judge named, a tender of this dataset, named firms among the tender's bidders. The first
    bad row raises InputError naming it; nothing is returned half-checked."""
    if len(verdicts) == 0:
        raise InputError(f"{source}: no verdicts in it")
    b = bids.assign(tender_id=bids["tender_id"].astype(str), bidder_id=bids["bidder_id"].astype(str))
    valid = b[_valid(b)]
    bidders = b.groupby("tender_id")["bidder_id"].agg(lambda s: sorted(set(s))).to_dict()
    valid_bidders = valid.groupby("tender_id")["bidder_id"].agg(lambda s: sorted(set(s))).to_dict()
    firms_out = []
    for r in verdicts.itertuples(index=False):
        where = _where(source, r.row)
        v = r.verdict.lower()
        if v not in VERDICTS:
            raise InputError(f"{where}: verdict {r.verdict!r} is not one of {', '.join(VERDICTS)}; nothing recorded")
        if not r.by:
            raise InputError(f"{where}: 'by' is empty (say who reached the verdict); nothing recorded")
        if r.tender_id not in bidders:
            raise InputError(f"{where}: tender {r.tender_id!r} has no bids in this dataset; nothing recorded")
        named = [x.strip() for x in r.firms.split(";") if x.strip()]
        if v != "collusive":
            if named:
                raise InputError(f"{where}: a {v} verdict names no colluding firms (firms {r.firms!r}); nothing recorded")
        elif not named:
            named = valid_bidders.get(r.tender_id) or bidders[r.tender_id]
        else:
            unknown = [x for x in named if x not in bidders[r.tender_id]]
            if unknown:
                raise InputError(f"{where}: firm(s) {', '.join(map(repr, unknown[:3]))} did not bid in tender "
                                 f"{r.tender_id!r}; nothing recorded")
        firms_out.append(sorted(dict.fromkeys(named)))
    out = verdicts.assign(verdict=verdicts["verdict"].str.lower(), firms=firms_out)
    return out[["tender_id", "verdict", "by", "note", "firms", "row"]]


def _valid(bids: pd.DataFrame) -> pd.Series:
    if "status" not in bids.columns:
        return pd.Series(True, index=bids.index)
    s = bids["status"].astype("string").fillna("valid").str.lower()
    return s.eq("valid") | s.eq("")


def record_verdicts(store: CaseStore, ds, verdicts: pd.DataFrame, source: str) -> dict:
    """Check `verdicts` (as read by `read_verdict_file` / `one_verdict`) against dataset `ds` and append them to `store`
    with the judged tenders' bids. Also keeps the dataset's market statistics in the store (`riskmodels.cases.scoring`),
    so that warnings on later tenders rank them against this history. Returns counts for the command's message."""
    from riskmodels.cases.scoring import market_statistics

    bids = ds.get("bids")
    if bids is None or len(bids) == 0:
        raise InputError(f"{getattr(ds, 'path', 'dataset')}: no accepted bids; verdicts are checked against them")
    checked = check_verdicts(verdicts, bids, source)
    judged = bids[bids["tender_id"].astype(str).isin(set(checked["tender_id"]))]
    name = dataset_name(ds)
    before = store.current_verdicts()
    ids = store.add_verdicts(checked, judged, dataset=name)
    store.keep_market_stats(market_statistics(ds), dataset=name)
    superseded = int(checked["tender_id"].isin(set(before["tender_id"])).sum())
    return {"recorded": len(ids), "superseded": superseded,
            "by_verdict": {k: int(v) for k, v in checked["verdict"].value_counts().items()},
            "firms_named": int(sum(len(f) for f in checked["firms"]))}


def dataset_name(ds) -> str:
    """A dataset's name as the store records it: its folder's name (never a machine path)."""
    p = getattr(ds, "path", None)
    return Path(p).name if p is not None else "dataset"
