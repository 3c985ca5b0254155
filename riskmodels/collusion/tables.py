"""Feature assembly for the collusion models: plain functions from canonical tables to one row per tender.

Nothing here computes a screen: screens come from `features.evidence.screens` (`tender_screens`, `relative_screens`), pair evidence from
`features.evidence.pairs`, graph features from `graphs.tables`, red flags from whatever flag table is handed in. This module only
joins them per tender, adds a few facts about the auction outcome that are not screens (the winner's position, bids against
the reserve price), aggregates bid-pair evidence per tender, and chooses the model columns.

Market-relative columns (`<screen>_rank`, `<screen>_dm` within market and year, as Huber, Imhof & Ishii moved screens
between countries) are what lets a model trained on some markets score another; `model_columns(table, "transfer")` keeps
only columns whose scale does not depend on the market.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from features.core.errors import InputError
from features.engine.steps import Steps

# bid screens (spread, skewness, relative distances ...) are undefined or degenerate below three bids: the collusion
# tables leave them missing there (features.evidence.screens defines some from two bids), so no model learns from them, no score
# uses them and no reason cites them for such a tender
SCREEN_BIDS = 3
AUCTION = ("win_to_reserve", "min_to_reserve", "mean_to_reserve", "winner_rank", "win_to_min")
PAIR_AGG = ("pair_min_gap", "pair_share_close", "pair_max_same_meta", "pair_share_meta")
# price-based pair aggregates: their scale depends on the market (bid counts, price levels), so they get market-relative
# versions too; the metadata counts are the same evidence in every market and stay as they are
PAIR_PRICE = ("pair_min_gap", "pair_share_close")
GRAPH = ("group_share", "group_score", "max_relation", "tied_pairs")
NOT_FEATURES = {"tender_id", "collusive", "market", "market_n", "relation", "top_group", "n_bidders", "published_at",
                "reported_bidders"}


def _ids(s: pd.Series) -> pd.Series:
    return s.astype("string").astype(object)


def auction_features(bids: pd.DataFrame, tenders: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per tender (a function of whole tenders): `winner_rank` (0 = the lowest bid won, 1 = the highest), `win_to_min`
    (winning bid / lowest bid - 1), and, with a reserve price, `win_to_reserve`, `min_to_reserve`, `mean_to_reserve`.
    Only valid bids with a finite price count; unknown values are NaN."""
    from features.evidence.bids import prices

    b = pd.DataFrame({"tender_id": _ids(bids["tender_id"]), "price": prices(bids)})
    b["win"] = bids["is_winner"].to_numpy(dtype=float, na_value=np.nan) if "is_winner" in bids.columns else np.nan
    b = b[np.isfinite(b["price"])]
    g = b.groupby("tender_id", sort=True)["price"]
    out = pd.DataFrame({"n": g.size(), "min": g.min(), "mean": g.mean()})
    b["rk"] = g.rank(method="min")
    w = b[b["win"] == 1].groupby("tender_id").agg(wp=("price", "min"), wr=("rk", "min"))
    out = out.join(w)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["winner_rank"] = (out["wr"] - 1) / (out["n"] - 1).where(out["n"] > 1)
        out["win_to_min"] = (out["wp"] / out["min"] - 1).where(out["min"] > 0)
        res = None
        if tenders is not None and "reserve_price" in tenders.columns:
            r = tenders.drop_duplicates("tender_id")
            res = pd.Series(pd.to_numeric(r["reserve_price"], errors="coerce").to_numpy(dtype=float),
                            index=_ids(r["tender_id"])).reindex(out.index)
            res = res.where(res > 0)
        for name, num in (("win_to_reserve", "wp"), ("min_to_reserve", "min"), ("mean_to_reserve", "mean")):
            out[name] = out[num] / res if res is not None else np.nan
    out = out[list(AUCTION)].reset_index()
    return out


def pair_aggregates(bids: pd.DataFrame, pairs: pd.DataFrame | None = None, close: float = 0.005, eng=None
                    ) -> pd.DataFrame:
    """Bid-pair evidence per tender: `pair_min_gap` (smallest relative gap between two bids), `pair_share_close` (share of
    pairs within `close` of each other), `pair_max_same_meta` (most shared metadata fields on one pair),
    `pair_share_meta` (share of pairs sharing any metadata), sorted by tender. From `pairs` (a
    `features.evidence.pairs.bid_pairs` frame of `bids`) when given; else computed on `eng` (default: the current
    engine) per tender partition (`PAIR_AGGREGATE_STEPS`): the pairs of bids (millions in a province) never leave the
    partition that made them, only one row per tender comes back."""
    if pairs is not None:
        return _metadata_known(_aggregates(pairs, close))
    from features import engine
    from features.engine.steps import made_split, run

    eng = eng or engine.current()
    return run(PAIR_AGGREGATE_STEPS, made_split("tender_id", bids, eng=eng), close, eng=eng)


def _aggregates(pairs: pd.DataFrame, close: float) -> pd.DataFrame:
    """`pair_aggregates` of the tenders of `pairs`, before the market-wide metadata rule (`_metadata_known`)."""
    if len(pairs) == 0:
        return pd.DataFrame({"tender_id": pd.Series(dtype=object), **{c: pd.Series(dtype=float) for c in PAIR_AGG}})
    p = pd.DataFrame({"tender_id": _ids(pairs["tender_id"]), "gap": pairs["price_gap"].to_numpy(dtype=float)})
    p["close"] = (p["gap"] <= close).astype(float)
    meta = pairs["n_same_meta"].to_numpy(dtype=float) if "n_same_meta" in pairs.columns else np.zeros(len(p))
    p["meta"], p["any"] = meta, (meta > 0).astype(float)
    g = p.groupby("tender_id", sort=True)
    out = pd.DataFrame({"pair_min_gap": g["gap"].min(), "pair_share_close": g["close"].mean(),
                        "pair_max_same_meta": g["meta"].max(), "pair_share_meta": g["any"].mean()})
    return out.reset_index()


def _metadata_known(out: pd.DataFrame) -> pd.DataFrame:
    """No pair shares metadata anywhere in the table (a market without metadata): say unknown, not zero."""
    if len(out) and not (out["pair_max_same_meta"] > 0).any():
        out[["pair_max_same_meta", "pair_share_meta"]] = np.nan
    return out


def _aggregates_part(bids: pd.DataFrame, close: float) -> pd.DataFrame:
    """The map step: the pairs of bids of one tender partition, aggregated per tender there."""
    from features.evidence.pairs import bid_pairs

    return _aggregates(bid_pairs(bids), close)


def _aggregates_in_order(parts: list) -> pd.DataFrame:
    """The finalize step: the partitions' tenders in tender order, then the market-wide metadata rule."""
    from features.engine.steps import merge

    return _metadata_known(merge(parts, sort=["tender_id"]).reset_index(drop=True))


PAIR_AGGREGATE_STEPS = Steps(map=_aggregates_part, finalize=_aggregates_in_order, label="pair evidence per tender")


def bid_list_facts(bids: pd.DataFrame, tenders: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per tender: `repeat_bidders` (bidders with more than one valid priced bid in it; missing when bidders are
    anonymous or unnamed) and `reported_bidders` (`tenders.n_bidders`, the number of bidders the source reports, which
    may exceed the bids listed; missing when not given)."""
    from features.evidence.bids import prices, valid_mask

    ok = valid_mask(bids) & np.isfinite(prices(bids))
    tid = _ids(bids["tender_id"])
    out = pd.DataFrame(index=pd.Index(sorted(tid.dropna().unique()), name="tender_id"))
    named = "bidder_id" in bids.columns and not (
        "anonymous" in bids.columns and (pd.to_numeric(bids["anonymous"], errors="coerce") == 1).all())
    if named:
        b = pd.DataFrame({"tender_id": tid, "bidder_id": _ids(bids["bidder_id"])})[ok]
        per = b.groupby(["tender_id", "bidder_id"]).size()
        out["repeat_bidders"] = (per > 1).groupby(level="tender_id").sum().reindex(out.index).fillna(0).astype(float)
    else:
        out["repeat_bidders"] = np.nan
    out["reported_bidders"] = np.nan
    if tenders is not None and "n_bidders" in tenders.columns:
        r = tenders.drop_duplicates("tender_id")
        n = pd.Series(pd.to_numeric(r["n_bidders"], errors="coerce").to_numpy(dtype=float), index=_ids(r["tender_id"]))
        out["reported_bidders"] = n.where(n >= 0).reindex(out.index).to_numpy()
    return out.reset_index()


def _market_tenders(tenders: pd.DataFrame | None, market: str | None) -> pd.DataFrame | None:
    """The tenders columns `relative_screens` should group by: the dataset (x year) unless a market column is named."""
    if tenders is None:
        return None
    keep = ["tender_id"] + [c for c in ("published_at",) if c in tenders.columns and tenders[c].notna().any()]
    if market:
        if market not in tenders.columns:
            raise InputError(f"tenders: market column '{market}' not found")
        keep.append(market)
    return tenders[keep]


def tender_feature_table(bids: pd.DataFrame, tenders: pd.DataFrame | None = None, *, flags: pd.DataFrame | None = None,
                         graph: pd.DataFrame | None = None, pairs: pd.DataFrame | None = None, use_pairs: bool = True,
                         market: str | None = None, min_bids: int = 1, screens: pd.DataFrame | None = None,
                         pair_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per tender with at least `min_bids` valid bids: `tender_id`, screens, auction facts, pair aggregates (when
    `use_pairs`), the market-relative versions of screens, auction facts and price-based pair aggregates (`_rank`, `_dm`;
    market = the dataset, crossed with the year where dates exist, or the `market` column), and the numeric columns of `flags` and `graph` (tables keyed by `tender_id`).
    With a `collusive` column in `tenders`, it is carried along as the label (not a feature). `screens`: the
    `tender_screens` of `bids` when already computed (`riskmodels.evidence.Evidence.screens`); `pair_table`: its
    `pair_aggregates` when already computed (`Evidence.pair_table`)."""
    from features.evidence.screens import SCREENS, relative_screens, tender_screens

    table = (tender_screens(bids) if screens is None else screens).merge(auction_features(bids, tenders), on="tender_id", how="left")
    table = table.merge(bid_list_facts(bids, tenders), on="tender_id", how="left")
    table.loc[table["n_bids"] < SCREEN_BIDS, list(SCREENS)] = np.nan
    if use_pairs and "bidder_id" in bids.columns:
        agg = pair_aggregates(bids, pairs) if pair_table is None else pair_table
        table = table.merge(agg, on="tender_id", how="left")
    table = relative_screens(table, _market_tenders(tenders, market), market=market,
                             columns=tuple(SCREENS) + AUCTION + ("n_bids",) + PAIR_PRICE)
    for extra in (flags, graph):
        if extra is None or len(extra) == 0:
            continue
        if "tender_id" not in extra.columns:
            raise InputError("flag/graph table: missing column 'tender_id'")
        num = extra.drop_duplicates("tender_id")
        cols = [c for c in num.columns if c != "tender_id" and c not in table.columns and c not in NOT_FEATURES
                and pd.api.types.is_numeric_dtype(num[c])]
        num = num[["tender_id", *cols]].assign(tender_id=_ids(num["tender_id"]))
        table = table.merge(num, on="tender_id", how="left")
    if tenders is not None and "collusive" in tenders.columns:
        lab = tenders.drop_duplicates("tender_id")
        table["collusive"] = _ids(table["tender_id"]).map(
            pd.Series(lab["collusive"].to_numpy(dtype=float), index=_ids(lab["tender_id"]))).to_numpy(dtype=float)
    table = table[table["n_bids"] >= max(1, int(min_bids))].reset_index(drop=True)
    return table


def tender_findings(evidence: pd.DataFrame | None) -> pd.DataFrame | None:
    """`collusion_flags` evidence as tender-level findings, one row per (tender, finding): findings naming several
    tenders ('a;b') are split, findings about a bidder rather than a tender are left out; None when nothing is left.
    `finding` numbers the findings (the rows of the evidence table kept), so a split finding's rows share it: the number
    of findings is `finding.nunique()`, the number of tender-findings the number of rows."""
    if evidence is None or len(evidence) == 0:
        return None
    ev = evidence
    if "level" in ev.columns:
        ev = ev[ev["level"].astype(str) != "bidder"]
    ev = ev.assign(finding=np.arange(len(ev)), tender_id=ev["tender_id"].astype(str).str.split(";")).explode("tender_id")
    ev = ev[ev["tender_id"].astype(str) != ""].reset_index(drop=True)
    return ev if len(ev) else None


def flag_table(findings: pd.DataFrame | None) -> pd.DataFrame | None:
    """Per tender: `flag_<code>` = findings of that code, and `n_flags` = distinct codes raised."""
    if findings is None or len(findings) == 0:
        return None
    c = findings.groupby(["tender_id", "code"]).size().unstack(fill_value=0)
    c.columns = [f"flag_{x}" for x in c.columns]
    c["n_flags"] = (c > 0).sum(axis=1)
    return c.reset_index()


def model_columns(table: pd.DataFrame, kind: str = "full") -> list[str]:
    """Feature columns for a model. `full`: every numeric feature. `transfer`: market-relative ones only (`_rank`
    positions within market-year of the screens, auction facts and price-based pair aggregates, plus flags, shared
    metadata and graph features, which are market-free counts and shares).
    Columns that are missing everywhere are left out, and so are red-flag counts (`flag_<code>`) that are 0 everywhere:
    a flag that never fired teaches nothing (it still scores: a batch where it does not fire gets 0)."""
    if kind not in ("full", "transfer"):
        raise ValueError(f"kind must be 'full' or 'transfer'; got {kind!r}.")
    cols = [c for c in table.columns if c not in NOT_FEATURES and pd.api.types.is_numeric_dtype(table[c])
            and table[c].notna().any() and not (c.startswith("flag_") and not table[c].fillna(0).ne(0).any())]
    if kind == "transfer":
        from features.evidence.screens import SCREENS

        scaled = (*SCREENS, *AUCTION, "n_bids", *PAIR_PRICE)
        raw = set(scaled) | {f"{c}_dm" for c in scaled}
        cols = [c for c in cols if c not in raw]
    return cols
