"""Writers of small hostile inputs (bid files in odd encodings, planted markets, formula-looking ids) shared by the io, inspection, collusion and tracking tests."""
from __future__ import annotations

from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, settings
from features.core.settings import Settings


FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


FORMULA = ("=", "+", "-", "@", "\t", "\r")


ROOT = Path(__file__).resolve().parents[1]


def _bids(d: Path, rows: str, name="bids.csv", enc="utf-8") -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(("tender_id,bidder_id,price\n" + rows).encode(enc))
    return d


def _planted(path, seed=1, n_tenders=90) -> Path:
    """A small market: cartel firms C0-C3 bid tightly above a designated winner in every third tender."""
    rng = np.random.default_rng(seed)
    tenders, bids = [], []
    for t in range(n_tenders):
        tid, coll, reserve = f"T{t:04d}", t % 3 == 0, float(rng.uniform(1e5, 1e6))
        tenders.append({"tender_id": tid, "reserve_price": reserve, "collusive": int(coll)})
        if coll:
            firms, base = [f"C{k}" for k in rng.permutation(4)], reserve * rng.uniform(0.93, 0.98)
            prices = [base] + [base * (1 + rng.uniform(0.02, 0.03) + 0.002 * k) for k in range(3)]
        else:
            firms = [f"H{k}" for k in rng.choice(20, size=int(rng.integers(3, 7)), replace=False)]
            prices = list(reserve * rng.uniform(0.75, 1.0, size=len(firms)))
        w = int(np.argmin(prices))
        bids += [{"tender_id": tid, "bidder_id": f, "price": round(p, 2), "is_winner": int(k == w)}
                 for k, (f, p) in enumerate(zip(firms, prices))]
    path.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(tenders).to_csv(path / "tenders.csv", index=False)
    pd.DataFrame(bids).to_csv(path / "bids.csv", index=False)
    return path


@pytest.fixture(scope="module")
def published_plan(tmp_path_factory):
    from riskmodels.inspection import make_plan
    from tests.riskmodels.inspection.city import PERIOD, city, write

    tmp = tmp_path_factory.mktemp("plan")
    d, tiers = write(tmp, city(n=120))
    make_plan(d, tiers, PERIOD, "seed", tmp / "p", Settings())
    return tmp / "p", d, tiers  # the manifest names inputs relative to the plan folder: a moved copy names them
