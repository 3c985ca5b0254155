"""Reasons in words: turn LightGBM feature contributions (or composite-score parts) into sentences an investigator can cite.

A reason names the evidence, its value in the unit investigators use, and where the value sits in its market
("bid spread 0.8% - lowest 3% of the market"). The vocabulary below maps feature names to labels and units; a
market-relative feature (suffix `_mkt`, `_rel`, `_rank`, `_z`, ...) is explained through its raw counterpart when the
raw value is present, so the words stay concrete. Unknown features fall back to their name and value.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

# name -> (label, unit). Units: pct (a share shown as %), num (a plain number whose meaning the label states), count,
# flag (0/1 or a count of flags), ties (a relation strength, explained where it is shown).
VOCABULARY: dict[str, tuple[str, str]] = {
    "n_bids": ("number of bids", "count"),
    "cv": ("coefficient of variation of the bids", "pct"),
    "spd": ("bid spread (max-min)/min", "pct"),
    "diffp": ("gap between the two lowest bids", "pct"),
    "rd": ("relative distance of the winner (gap / sd of losing bids)", "num"),
    "rdnor": ("normalised relative distance of the winner", "num"),
    "rdalt": ("alternative relative distance of the winner", "num"),
    "kurt": ("kurtosis of the bids", "num"),
    "skew": ("skewness of the bids", "num"),
    "ks": ("Kolmogorov-Smirnov distance of the bids from uniform", "num"),
    "win_to_reserve": ("winning bid / reserve price", "pct"),
    "min_to_reserve": ("lowest bid / reserve price", "pct"),
    "winner_rank": ("position of the winning bid (0 = lowest, 1 = highest)", "num"),
    "win_to_min": ("winning bid above the lowest bid by", "pct"),
    "n_flags": ("number of red flags raised", "count"),
    "pair_min_gap": ("smallest gap between two bids", "pct"),
    "pair_share_close": ("share of bid pairs within 0.5% of each other", "pct"),
    "pair_max_same_meta": ("most bid metadata (IP, MAC, device, file creator, CA serial, deposit account...) shared by two bids",
                           "count"),
    "pair_share_meta": ("share of bid pairs sharing metadata", "pct"),
    "repeat_bidders": ("bidders with more than one bid in the tender", "count"),
    "tie_flags": ("red flags naming a person, document, agent or account the bidders share", "count"),
    "pattern_flags": ("red flags on bidding patterns (rotation, recurrent winner, price gaps, regular prices)", "count"),
    "group_share": ("share of the bidders from one suspicious bidder group", "pct"),
    "group_score": ("score of the bidder group most present among its bidders (0-1, graph groups' ranking score)", "num"),
    "max_relation": ("tie strength of the most closely tied pair of bidders", "ties"),
    "tied_pairs": ("bidder pairs tied by a registry or metadata relation", "count"),
    # pair evidence (one row per bidder pair)
    "co_bids": ("tenders bid together", "count"),
    "co_bid_rate": ("share of the less active firm's tenders bid together", "pct"),
    "gap_mean": ("mean price gap between the two firms' bids", "pct"),
    "gap_min": ("smallest price gap between the two firms' bids", "pct"),
    "ratio_mean": ("mean log price ratio of the two firms", "num"),
    "ratio_sd": ("sd of the log price ratio across shared tenders (low = fixed coefficient)", "num"),
    "shared_meta_tenders": ("tenders where their bids share metadata", "count"),
    "time_gap_min": ("shortest time between their submissions (s)", "num"),
    "time_gap_mean": ("mean time between their submissions (s)", "num"),
    "item_cosine_mean": ("cosine similarity of their unit prices", "num"),
    "item_pearson_mean": ("correlation of their unit prices", "num"),
    "item_identical_mean": ("share of identically priced bill items", "pct"),
    "same_odd_items": ("identically priced odd bill items", "count"),
    "same_wrong_totals": ("bills with the same wrong total", "count"),
    "win_share_max": ("share of joint tenders won by the more successful firm", "pct"),
    "win_balance": ("difference of their win shares in joint tenders", "pct"),
    "relation": ("registry relation strength (legal rep, shareholders, address, phone...)", "num"),
}

# suffixes that mark a market-relative version of a feature (screen ranked or demeaned within its market / year)
RELATIVE_SUFFIXES = ("_mkt_rank", "_mkt_z", "_mkt", "_rel", "_rank", "_pct", "_z", "_demeaned", "_dm")
_REL_RE = re.compile("(" + "|".join(re.escape(s) for s in RELATIVE_SUFFIXES) + ")$")


def base_name(feature: str) -> str:
    """The raw feature a market-relative feature was derived from (`cv_mkt` -> `cv`); the name itself otherwise."""
    return _REL_RE.sub("", feature)


def describe(feature: str) -> tuple[str, str]:
    """(label, unit) of a feature; flags (`flag_*`, `R0NN`, `art*`) count as flags."""
    b = base_name(feature)
    if b in VOCABULARY:
        return VOCABULARY[b]
    if b.startswith(("flag_", "R0", "r0", "art", "Art")) or b.endswith("_flag"):
        return (f"red flag {b}", "flag")
    if b.startswith("shared_"):
        return (f"tenders where their bids share the same {b[len('shared_'):].replace('_', ' ')}", "count")
    if b.startswith(("graph_", "group_")):
        return (b.replace("_", " "), "num")
    return (b.replace("_", " "), "num")


def format_value(value: float, unit: str) -> str:
    """A value in its unit: 0.008 as pct -> '0.8%'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    v = float(value)
    if unit == "pct":
        return f"{v * 100:.3g}%"
    if unit == "count":
        return f"{v:.0f}"
    if unit == "flag":
        return "raised" if v == 1 else f"{v:.0f}"
    if unit == "ties":  # graphs.relations: a value shared by k firms ties each pair of them with weight 1/(k-1)
        return (f"{v:.3g} (registry or bid-metadata values the two share, each counted 1/(k-1) when k firms share it: "
                f"1 = one value only these two firms share)")
    return f"{v:.3g}"


def position_words(pct: float) -> str:
    """Where a value sits in its market: the share of the market at or below it, as words."""
    if pct is None or math.isnan(pct):
        return ""
    if pct <= 0.5:
        return f"lowest {max(1, math.ceil(round(pct * 100, 6)))}% of the market"
    return f"highest {max(1, math.ceil(round((1 - pct) * 100, 6)))}% of the market"


def ecdf(reference: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Share of the (non-missing) reference at or below each value; NaN where the value is missing or the reference empty."""
    ref = np.sort(np.asarray(reference, dtype=float)[~np.isnan(np.asarray(reference, dtype=float))])
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.nan)
    if ref.size == 0:
        return out
    ok = ~np.isnan(values)
    out[ok] = np.searchsorted(ref, values[ok], side="right") / ref.size
    return out


def reason_text(feature: str, value: float, pct: float) -> str:
    """One reason: '<label> <value> - <position in market>'."""
    label, unit = describe(feature)
    if unit == "flag":
        return f"{label} {format_value(value, unit)}"
    where = position_words(pct)
    return f"{label} {format_value(value, unit)}" + (f" - {where}" if where else "")


def reasons_from_contributions(contrib: pd.DataFrame, X: pd.DataFrame, reference: pd.DataFrame | None = None,
                               top: int = 3, min_contribution: float = 0.0,
                               evidence: dict | None = None) -> list[str]:
    """Reasons per row from per-feature contributions (rows aligned with `X`; columns = features).

    The `top` features that push a row's score up the most (contribution > `min_contribution`) become reasons, joined
    by '; '. A market-relative feature is worded through its raw counterpart when `X` holds it. Positions are taken
    against `reference` (default: `X` itself, i.e. the market being scored). `evidence` maps a feature (e.g. a red flag
    column) to per-row texts that replace the generic words where present (the flag's own evidence sentence).
    """
    evidence = evidence or {}
    reference = X if reference is None else reference
    cols = [c for c in contrib.columns if c in X.columns]
    C = contrib[cols].to_numpy(dtype=float)
    # value and market position of the column a reason speaks about (the raw counterpart where present)
    shown, pos = {}, {}
    for c in cols:
        b = base_name(c)
        src = b if (b != c and b in X.columns) else c
        shown[c] = X[src].to_numpy(dtype=float)
        ref = reference[src] if src in reference.columns else X[src]
        pos[c] = ecdf(ref.to_numpy(dtype=float), shown[c])
    out = []
    for i in range(C.shape[0]):
        row = C[i]
        order = np.argsort(-np.nan_to_num(row, nan=-np.inf), kind="stable")
        words, seen = [], set()
        for j in order:
            if len(words) >= top or not (row[j] > min_contribution):
                break
            c = cols[j]
            b = base_name(c)
            if b in seen:  # a raw screen and its market-relative twin say the same thing once
                continue
            seen.add(b)
            if math.isnan(shown[c][i]):
                continue
            ev = evidence.get(c)
            text = ev[i] if ev is not None and i < len(ev) else None
            if isinstance(text, str) and text.strip():
                words.append(" ".join(text.split()))
            elif b != c and b not in X.columns:  # a market position without its raw value
                label, _ = describe(c)
                words.append(f"{label}: {position_words(shown[c][i])}")
            else:
                words.append(reason_text(c, shown[c][i], pos[c][i]))
        out.append("; ".join(words))
    return out
