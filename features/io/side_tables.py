"""Side tables: the small files a command reads beside a dataset (collusion scores, groups, previous tiers, decisions, results,
an id list), the user's options that name a day or a language, and the one rule for turning a table cell into text.

They serve credit, inspection and the profile alike, so they live here once rather than in the room that first needed
them. Every error is an `InputError` naming the file or the option, so the command line stops with one line (exit 2).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from features.core.errors import InputError
from features.io.read import read_raw

LANGS = ("en", "zh")  # the languages of every page, sheet and notice the toolkit writes


def read_side_table(path, required: tuple) -> pd.DataFrame:
    """A small CSV/Parquet input with its `required` columns checked.

    A CSV is read through the export rule (`features.io.read.read_raw`), so the toolkit's own exports read back as written
    (an id exported as `'+SUM...` comes back as `+SUM...`); its empty cells are missing values. A `score` column, when present, is
    numeric (unreadable scores become missing); beside a `probability` column (collusion scores of a model) it is read as
    `tender_probabilities` says. Raises InputError naming the file when it is absent, has a row that does not fit
    its header, or lacks a required column."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    raw = read_raw(p)
    if raw.broken:
        r, _, _, why = raw.broken[0]
        raise InputError(f"{p}: row {r} does not fit the header ({why})")
    df = raw.frame if raw.encoding == "parquet" else raw.frame.replace({"": np.nan})
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(f"{p}: missing column(s) {', '.join(missing)}")
    if "score" in df.columns:
        df["score"] = pd.to_numeric(df["score"], errors="coerce")
        df = tender_probabilities(df)
    return df


def tender_probabilities(scores: pd.DataFrame) -> pd.DataFrame:
    """`scores` (a collusion scores table) with `score` on 0-1, as the credit features and profiles read it: the model's
    `probability` where the table has one (`collusion score --model` writes it beside `score`, the case order's log-odds
    key), else `score` itself (the no-model evidence score, already 0-1). Tables without `probability` pass unchanged."""
    if "probability" not in scores.columns:
        return scores
    p = pd.to_numeric(scores["probability"], errors="coerce")
    return scores.assign(score=p.where(p.notna(), pd.to_numeric(scores["score"], errors="coerce")))


def parse_day(value: str, what: str) -> pd.Timestamp:
    """A day given by the user as an option (`--as-of 2024-06-30`), at midnight; InputError naming the option `what` otherwise.

    Not to be confused with `features.io.prepare.parse_date`, which parses a whole column of a data table in its settings' order
    and time zone."""
    t = pd.to_datetime(value, errors="coerce")
    if pd.isna(t):
        raise InputError(f"{what}: not a date (YYYY-MM-DD); got {value!r}")
    return t.normalize()


def check_lang(lang: str) -> str:
    """`lang` when it is one of `LANGS`; InputError naming `--lang` otherwise."""
    if lang not in LANGS:
        raise InputError(f"--lang: expected one of {', '.join(LANGS)}; got {lang!r}")
    return lang


def cell_text(v, strip: bool = True) -> str:
    """One table cell as text: missing (None, NaN, pd.NA, NaT) is the empty string, anything else `str(v)`, stripped unless
    `strip=False` (labels and windows shown as the user wrote them)."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return ""
    if not isinstance(v, str) and np.ndim(v) == 0 and pd.isna(v):
        return ""
    s = str(v)
    return s.strip() if strip else s
