"""R022 Wide disparity in bid prices: a tender's coefficient of variation of valid bid prices is a high outlier.

Cover bids placed far above the designated winner's bid spread a tender's prices unusually wide. Value per tender: the
coefficient of variation (sample sd / mean, `features.evidence.screens`); flagged when >= the upper fence Q3 + 1.5 IQR of the CVs of
all tenders with at least `minimum_bids` valid bids (or a fixed `threshold`). Meta: q1, q3, upper_fence, tenders."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.evidence.indicators import stats
from features.evidence.indicators.base import option
from features.evidence.indicators.canonical import CanonicalIndicator, FlagResult, money, valid_priced


@dataclass
class R022Settings:
    """[R022]: flag tenders whose bid prices are unusually dispersed."""

    threshold: float | None = option("float", "fixed upper fence for the coefficient of variation (default Q3 + 1.5 IQR)")
    minimum_bids: int | None = option("int", "tenders with fewer valid priced bids are left out (default 3)")


def tender_spread(bids, settings: R022Settings) -> pd.DataFrame | None:
    """Per tender of `bids` with at least `minimum_bids` valid priced bids and a finite CV: `tender_id`, `cv`, `n_bids`,
    `min`, `max` of the prices (a function of each tender alone); None when no tender has valid priced bids."""
    from features.evidence.screens import tender_screens

    b = valid_priced(bids)
    minimum = 3 if settings.minimum_bids is None else settings.minimum_bids
    sc = tender_screens(b) if len(b) else None
    if sc is None or not len(sc):
        return None
    sc = sc[(sc["n_bids"] >= max(minimum, 2)) & np.isfinite(sc["cv"])]
    span = b.groupby("tender_id")["price"].agg(["min", "max"])
    return pd.DataFrame({"tender_id": sc["tender_id"].to_numpy(), "cv": sc["cv"].to_numpy(), "n_bids": sc["n_bids"].to_numpy(),
                         "min": span["min"].reindex(sc["tender_id"]).to_numpy(),
                         "max": span["max"].reindex(sc["tender_id"]).to_numpy()})


def compute(bids, settings: R022Settings, shared=None) -> FlagResult:
    return finish([tender_spread(bids, settings)], settings)


def finish(tables: list, settings: R022Settings) -> FlagResult:
    """R022 from the `tender_spread` tables of parts of the dataset (every tender in one of them)."""
    res = FlagResult()
    tables = [t for t in tables if t is not None]
    if not tables:
        res.meta.update({"tenders": 0})
        return res
    sc = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    res.meta["tenders"] = float(len(sc))
    if settings.threshold is None:
        q1, q3 = stats.quartiles(sc["cv"])
        res.meta.update({"q1": q1, "q3": q3})
        fence = stats.upper_fence(q1, q3)
    else:
        fence = settings.threshold
    res.meta["upper_fence"] = fence
    if not fence > 0:
        return res
    for t, cv, n, lo, hi in sc.loc[sc["cv"] >= fence, ["tender_id", "cv", "n_bids", "min", "max"]].itertuples(index=False):
        res.flag("OCID", t, cv)
        res.evidence.append({"code": "R022", "level": "tender", "tender_id": t, "bidders": "", "value": cv,
                             "evidence": f"R022: the {n} valid bids range from {money(lo)} to {money(hi)}; coefficient of "
                                         f"variation {cv:.3f} >= fence {fence:.3f} (Q3 + 1.5 IQR over {len(sc)} tenders)"})
    return res


class R022(CanonicalIndicator):
    code = "R022"
    title = "Wide disparity in bid prices"
    Settings = R022Settings
    compute = staticmethod(compute)
