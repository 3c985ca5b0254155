"""R022 Wide disparity in bid prices: a tender's coefficient of variation of valid bid prices is a high outlier.

Cover bids placed far above the designated winner's bid spread a tender's prices unusually wide. Value per tender: the
coefficient of variation (sample sd / mean, `features.screens`); flagged when >= the upper fence Q3 + 1.5 IQR of the CVs of
all tenders with at least `minimum_bids` valid bids (or a fixed `threshold`). Meta: q1, q3, upper_fence, tenders."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.indicators import stats
from features.indicators.base import option
from features.indicators.canonical import CanonicalIndicator, FlagResult, money, valid_priced


@dataclass
class R022Settings:
    """[R022]: flag tenders whose bid prices are unusually dispersed."""

    threshold: float | None = option("float", "fixed upper fence for the coefficient of variation (default Q3 + 1.5 IQR)")
    minimum_bids: int | None = option("int", "tenders with fewer valid priced bids are left out (default 3)")


def compute(bids, settings: R022Settings, shared=None) -> FlagResult:
    from features.screens import tender_screens

    res = FlagResult()
    b = valid_priced(bids)
    minimum = 3 if settings.minimum_bids is None else settings.minimum_bids
    sc = tender_screens(b) if len(b) else None
    if sc is None or not len(sc):
        res.meta.update({"tenders": 0})
        return res
    sc = sc[(sc["n_bids"] >= max(minimum, 2)) & np.isfinite(sc["cv"])]
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
    span = b.groupby("tender_id")["price"].agg(["min", "max"])
    for t, cv, n in sc.loc[sc["cv"] >= fence, ["tender_id", "cv", "n_bids"]].itertuples(index=False):
        res.flag("OCID", t, cv)
        lo, hi = span.loc[t, "min"], span.loc[t, "max"]
        res.evidence.append({"code": "R022", "level": "tender", "tender_id": t, "bidders": "", "value": cv,
                             "evidence": f"R022: the {n} valid bids range from {money(lo)} to {money(hi)}; coefficient of "
                                         f"variation {cv:.3f} >= fence {fence:.3f} (Q3 + 1.5 IQR over {len(sc)} tenders)"})
    return res


class R022(CanonicalIndicator):
    code = "R022"
    title = "Wide disparity in bid prices"
    Settings = R022Settings
    compute = staticmethod(compute)
