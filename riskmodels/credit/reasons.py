"""Credit reasons in words: the features that moved one enterprise's risk most, with their values in plain units.

Input: per-row log-odds contributions (LightGBM `pred_contrib`, one column per feature plus `bias`) and the raw feature
values. Output: one string per row, the `top` largest contributions by size, each as "<what the record says> (raises risk)"
or "(lowers risk)", joined by "; ". Feature names of `features.enterprise` are put in words; any other feature (a column of
a user's own table) is shown as "name = value".
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from features.io import codes

EVENT_WORDS = {
    codes.ADMINISTRATIVE_PENALTY: "administrative penalty",
    codes.ABNORMAL_OPERATION_LIST: "abnormal operation list entry",
    codes.SERIOUS_DISHONEST_LIST: "serious illegal and dishonest list entry",
    codes.DISHONEST_JUDGMENT_DEBTOR: "dishonest judgment debtor record",
    codes.TAX_CREDIT_GRADE: "tax credit grade",
    codes.COMMENDATION: "commendation",
    codes.COURT_JUDGMENT: "lost court case",
    codes.LOAN_DEFAULT: "loan default",
    "other": "other credit record",
}
TAX_GRADE_WORDS = {0: "A", 1: "B or M", 2: "C", 3: "D"}
_WIN = re.compile(r"^(?P<base>.+)_(?P<days>\d+)d$")


def window_words(days: int) -> str:
    if days % 365 == 0:
        y = days // 365
        return "year" if y == 1 else f"{y} years"
    return f"{days} days"


def _n(v: float, word: str) -> str:
    n = int(round(v))
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe(feature: str, value) -> str:
    """A feature and its value as a phrase: ('administrative_penalty_n_365d', 3) -> '3 administrative penalties in the
    last year'."""
    missing = value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA
    m = _WIN.match(feature)
    if m:
        base, days = m.group("base"), int(m.group("days"))
        when = f"in the last {window_words(days)}"
        if base.endswith("_n") and base[:-2] in EVENT_WORDS:
            word = EVENT_WORDS[base[:-2]]
            word = word[:-1] + "ie" if word.endswith("y") else word
            return f"{_n(value, word)} {when}"
        v = 0.0 if missing else float(value)
        phrases = {
            "negative_severity": f"severity of negative records {v:.0f} {when}",
            "serious_n": f"{_n(v, 'serious violation or default')} {when}",
            "penalty_amount": f"penalties of {v:,.0f} yuan {when}",
            "insp_n": f"{_n(v, 'inspection')} {when}",
            "insp_fail_n": f"{_n(v, 'failed inspection')} {when}",
            "insp_not_found_n": f"not found at its address {_n(v, 'time')} {when}",
            "insp_penalty": f"inspection penalties of {v:,.0f} yuan {when}",
            "bid_n": f"{_n(v, 'bid')} {when}",
        }
        if base in phrases:
            return phrases[base]
        rates = {"insp_fail_rate": "failed", "bid_win_rate": "won", "bid_disq_rate": "disqualified in"}
        if base in rates:
            return f"no record {when} to rate" if missing else f"{rates[base]} {v:.0%} of {'inspections' if 'insp' in base else 'bids'} {when}"
        if base.startswith("bid_collusion"):
            return f"{'mean' if 'mean' in base else 'highest'} collusion score of its tenders {'missing' if missing else f'{v:.2f}'} {when}"
    if feature.endswith("_days_since"):
        base = feature[: -len("_days_since")]
        word = {"insp": "inspection", "insp_days_since_fail": "failed inspection"}.get(base, EVENT_WORDS.get(base, base.replace("_", " ")))
        return f"no {word} on record" if missing else f"last {word} {float(value):.0f} days ago"
    if feature == "insp_days_since_fail":
        return "no failed inspection on record" if missing else f"last failed inspection {float(value):.0f} days ago"
    if feature == "tax_grade_last":
        return "no tax credit grade on record" if missing else f"latest tax credit grade {TAX_GRADE_WORDS.get(int(value), value)}"
    if feature in ("on_serious_list", "on_abnormal_list"):
        name = "serious illegal and dishonest list" if feature == "on_serious_list" else "abnormal operation list"
        return f"{'on' if not missing and value else 'not on'} the {name}"
    if feature == "has_history":
        return "has credit or inspection records" if not missing and value else "no credit or inspection history"
    if feature == "age_days":
        return "establishment date unknown" if missing else f"in business {float(value) / 365.25:.1f} years"
    if feature == "log_capital":
        return "registered capital unknown" if missing else f"registered capital {10 ** float(value):,.0f} yuan"
    if feature == "n_shareholders":
        return _n(0 if missing else value, "shareholder")
    if feature == "ties_serious_legal_rep":
        return f"{_n(0 if missing else value, 'serious-list entry')} among firms with the same legal representative"
    if feature == "ties_serious_shareholder":
        return f"{_n(0 if missing else value, 'serious-list entry')} among firms linked by shareholding"
    if feature == "in_suspicious_group":
        return "member of a suspicious bidder group" if not missing and value else "in no suspicious bidder group"
    if feature == "group_size":
        return f"suspicious bidder group of {0 if missing else int(value)} firms"
    if missing:
        return f"{feature} missing"
    if isinstance(value, (int, float, np.number)):
        return f"{feature} = {float(value):.4g}"
    return f"{feature} = {value}"


def reasons_in_words(contrib: pd.DataFrame, X: pd.DataFrame, top: int = 3) -> list[str]:
    """One string per row: the `top` features with the largest |contribution|, in words with their direction."""
    feats = [c for c in contrib.columns if c != "bias"]
    C = contrib[feats].to_numpy(dtype=float)
    order = np.argsort(-np.abs(C), axis=1, kind="stable")[:, :max(1, int(top))]
    out = []
    cols = {f: (X[f].to_numpy(dtype=object) if f in X.columns else np.full(len(X), None)) for f in feats}
    for i in range(len(C)):
        parts = []
        for j in order[i]:
            c = C[i, j]
            if abs(c) < 1e-9:
                continue
            f = feats[j]
            v = cols[f][i]
            parts.append(f"{describe(f, v)} ({'raises' if c > 0 else 'lowers'} risk)")
        out.append("; ".join(parts) if parts else "no record moved the risk away from the average")
    return out
