"""Early warnings on new tenders (监测预警, 预警拦截): what the confirmed cases, the black list and the score say about
tenders that have just arrived, each warning raised once.

Kinds, one warning per (tender, kind):
- `confirmed-group`: two firms named together in one confirmed collusive tender bid together again;
- `shared-trace`: a device id, CA certificate serial or deposit account seen on a named firm's bid in a confirmed
  collusive tender appears on a bid again (by the same firm or another);
- `black-list`: a firm on the black list bids;
- `score`: the tender is in the top `share` of the new tenders by the no-model score, each new tender placed in the
  distribution of the history kept in the store (`riskmodels.cases.scoring`), or by a model's probability with
  `--model`.

Only the new tenders are read and scored: the history's statistics come from the store, so a morning run does not
recompute the city. Confirmed means the tender's current verdict is collusive (`CaseStore.confirmed_firms`).
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from features.core.errors import InputError

TRACE_KINDS = {"device_id": "device", "ca_serial": "CA certificate serial", "deposit_account": "deposit account"}


def _valid_bids(ds) -> pd.DataFrame:
    from riskmodels.cases.verdicts import _valid

    bids = ds.get("bids")
    if bids is None or len(bids) == 0:
        raise InputError(f"{getattr(ds, 'path', 'dataset')}: no accepted bids to warn on")
    b = bids[_valid(bids)].copy()
    b["tender_id"] = b["tender_id"].astype(str)
    b["bidder_id"] = b["bidder_id"].astype(str)
    return b


def confirmed_group_warnings(bids: pd.DataFrame, confirmed: pd.DataFrame) -> list[dict]:
    """New tenders where two firms named together in one confirmed collusive tender bid again together."""
    cases = defaultdict(set)  # (firm_a, firm_b) -> confirmed tenders naming both
    for tid, g in confirmed.groupby("tender_id"):
        firms = sorted(set(g["enterprise_id"].astype(str)))
        for i, a in enumerate(firms):
            for b in firms[i + 1:]:
                cases[(a, b)].add(str(tid))
    if not cases:
        return []
    out = []
    named = {f for p in cases for f in p}
    sub = bids[bids["bidder_id"].isin(named)]
    for tid, g in sub.groupby("tender_id", sort=True):
        firms = sorted(set(g["bidder_id"]))
        hits = [(a, b) for i, a in enumerate(firms) for b in firms[i + 1:] if (a, b) in cases]
        if not hits:
            continue
        involved = sorted({f for p in hits for f in p})
        said = "; ".join(f"{a} and {b} (confirmed together in {', '.join(sorted(cases[(a, b)])[:3])})" for a, b in hits[:4])
        out.append({"tender_id": tid, "kind": "confirmed-group", "firms": ";".join(involved),
                    "reason": f"{len(hits)} pair(s) of firms named together in a confirmed collusive tender bid together "
                              f"again: {said}{' ...' if len(hits) > 4 else ''}"})
    return out


def shared_trace_warnings(bids: pd.DataFrame, judged: pd.DataFrame, confirmed: pd.DataFrame) -> list[dict]:
    """New tenders with a bid carrying a device, CA serial or deposit account of a named firm's bid in a confirmed case."""
    named = set(zip(confirmed["tender_id"].astype(str), confirmed["enterprise_id"].astype(str)))
    j = judged[[(t, b) in named for t, b in zip(judged["tender_id"].astype(str), judged["bidder_id"].astype(str))]]
    found = defaultdict(list)  # tender -> [(bidder, what, value, case tender, case firm)]
    for col, what in TRACE_KINDS.items():
        if col not in bids.columns or col not in j.columns:
            continue
        seen = {}
        for t, b, v in zip(j["tender_id"], j["bidder_id"], j[col]):
            if isinstance(v, str) and v.strip():
                seen.setdefault(v.strip(), (str(t), str(b)))
        vals = bids[col].astype("string").str.strip()
        hit = vals.isin(list(seen)).fillna(False).to_numpy()
        for t, b, v in zip(bids["tender_id"][hit], bids["bidder_id"][hit], vals[hit]):
            found[t].append((b, what, v, *seen[v]))
    out = []
    for tid in sorted(found):
        hits = sorted(set(found[tid]))
        said = "; ".join(f"{b}'s bid uses {what} {v}, seen on {cb}'s bid in confirmed collusive tender {ct}"
                         for b, what, v, ct, cb in hits[:4])
        out.append({"tender_id": tid, "kind": "shared-trace", "firms": ";".join(sorted({h[0] for h in hits})),
                    "reason": said + (" ..." if len(hits) > 4 else "")})
    return out


def read_black_list(path) -> set[str]:
    """The enterprise ids of a black list (`credit lists` writes black.csv with `enterprise_id`)."""
    from pathlib import Path

    from features.io.read import read_raw

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: black list not found")
    f = read_raw(p).frame
    if "enterprise_id" not in f.columns:
        raise InputError(f"{p}: missing column 'enterprise_id' (a black list names firms by enterprise_id)")
    return {x.strip() for x in f["enterprise_id"].dropna().astype(str) if x.strip()}


def black_list_warnings(bids: pd.DataFrame, black: set[str]) -> list[dict]:
    """New tenders in which a black-listed firm bids."""
    sub = bids[bids["bidder_id"].isin(black)]
    return [{"tender_id": tid, "kind": "black-list", "firms": ";".join(sorted(set(g["bidder_id"]))),
             "reason": f"black-listed firm(s) bid: {', '.join(sorted(set(g['bidder_id'])))}"}
            for tid, g in sub.groupby("tender_id", sort=True)]


def score_warnings(ds, stats: dict | None, share: float, model=None, settings=None) -> tuple[list[dict], str]:
    """The top `share` of the new tenders by the no-model score against the kept history (or a model's probability).
    Returns (warnings, how they were scored)."""
    from riskmodels.cases.scoring import evidence_table, history_share, score_against

    top = None
    if model is not None:  # the model's own features, built as `collusion score --model` builds them
        from riskmodels.collusion.pipeline import score_dataset

        r = score_dataset(ds, model, graph=False, flags=True, settings=settings)
        table, score, how = r["table"], r["scores"]["score"].to_numpy(dtype=float), "the model's probability"
    elif stats and stats.get("columns"):
        table = evidence_table(ds, settings)
        score = score_against(stats, table)
        top = history_share(stats, score)
        how = f"the no-model score against the history kept in the store ({stats.get('tenders', 0):,} tenders)"
    else:
        raise InputError("the case store keeps no history to score new tenders against: record verdicts on the history "
                         "first (`riskmodels cases verdict HISTORY ...`), or give --model")
    if len(table) == 0:
        return [], how
    k = max(1, int(np.ceil(share * len(table))))
    order = np.lexsort((table["tender_id"].astype(str).to_numpy(), -score))[:k]
    out = []
    for i in order:
        where = (f"; above {1 - top[i]:.1%} of the history's tenders" if top is not None and np.isfinite(top[i]) else "")
        out.append({"tender_id": str(table["tender_id"].iat[i]), "kind": "score", "firms": "",
                    "reason": f"in the top {share:.0%} of the {len(table):,} new tenders by {how}: "
                              f"score {score[i]:.3f}{where}"})
    return out, how


def early_warnings(ds, store, *, black: set[str] | None = None, model=None, share: float = 0.05,
                   settings=None) -> tuple[pd.DataFrame, dict]:
    """Every warning the new dataset `ds` raises against `store` (before deduplication): tender_id, kind, firms,
    reason, sorted by tender and kind; and counts per kind."""
    from riskmodels.cases.store import TRACES

    if not 0 < share < 1:
        raise InputError(f"the score warning share must lie strictly between 0 and 1; got {share}")
    bids = _valid_bids(ds)
    confirmed = store.confirmed_firms()
    rows = confirmed_group_warnings(bids, confirmed)
    if len(confirmed):
        judged = store.judged_bids(confirmed["verdict_id"].unique())
        rows += shared_trace_warnings(bids, judged.reindex(columns=["tender_id", "bidder_id", *TRACES]), confirmed)
    if black:
        rows += black_list_warnings(bids, black)
    scored, how = score_warnings(ds, store.market_stats(), share, model=model, settings=settings)
    rows += scored
    w = pd.DataFrame(rows, columns=["tender_id", "kind", "firms", "reason"])
    w = w.sort_values(["tender_id", "kind"], kind="stable").reset_index(drop=True)
    return w, {"scored_by": how, "tenders": int(bids["tender_id"].nunique()), "confirmed_tenders":
               int(confirmed["tender_id"].nunique()) if len(confirmed) else 0}


def warn_to_file(ds, store, out, *, black_file=None, model=None, share: float = 0.05, settings=None) -> dict:
    """`cases warn`: raise the warnings of the new dataset `ds`, record those not raised before in `store`, and write
    them to `out` (columns warning_id, tender_id, kind, firms, reason; a header only when nothing is new)."""
    from features.io.export import write_table
    from riskmodels.cases.verdicts import dataset_name

    black = read_black_list(black_file) if black_file is not None else None
    found, info = early_warnings(ds, store, black=black, model=model, share=share, settings=settings)
    new = store.add_warnings(found, dataset=dataset_name(ds))
    write_table(new, out)
    info.update(found=int(len(found)), new=int(len(new)), already=int(len(found) - len(new)),
                by_kind={k: int(v) for k, v in new["kind"].value_counts().items()})
    return info
