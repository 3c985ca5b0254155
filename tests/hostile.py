"""Writers of small hostile inputs (bid files in odd encodings, planted markets, formula-looking ids) shared by the io, inspection, collusion and tracking tests."""
from __future__ import annotations

from pathlib import Path
import pytest
from hypothesis import HealthCheck, settings
from features.core.settings import Settings
from tests.riskmodels.collusion.markets import planted_market


FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


FORMULA = ("=", "+", "-", "@", "\t", "\r")


ROOT = Path(__file__).resolve().parents[1]


def _bids(d: Path, rows: str, name="bids.csv", enc="utf-8") -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(("tender_id,bidder_id,price\n" + rows).encode(enc))
    return d


def _planted(path, seed=1, n_tenders=90) -> Path:
    """A small market: cartel firms C0-C3 bid tightly above a designated winner in every third tender."""
    return planted_market(path, seed=seed, n_tenders=n_tenders, devices=False, regions=(), dates=False)


@pytest.fixture(scope="module")
def published_plan(tmp_path_factory):
    from riskmodels.inspection import make_plan
    from tests.riskmodels.inspection.city import PERIOD, city, write

    tmp = tmp_path_factory.mktemp("plan")
    d, tiers = write(tmp, city(n=120))
    make_plan(d, tiers, PERIOD, "seed", tmp / "p", Settings())
    return tmp / "p", d, tiers  # the manifest names inputs relative to the plan folder: a moved copy names them
