"""A tiny simulated city shared by the simulation tests (`sim_city`, once per session), table readers and small settings."""
from __future__ import annotations

from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from features.core.settings import Settings
from riskmodels.simulation import simulate


TABLES = ("tenders", "bids", "bid_items", "enterprises", "shareholders", "credit_events", "inspections", "inspectors", "roster",
          "credit_labels")


SEED = 3


@pytest.fixture(scope="session")
def sim_city(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim_city")
    summary = simulate(out, scale="tiny", seed=SEED)
    return out, summary


def read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{name}.csv", dtype={"enterprise_id": str, "bidder_id": str}, keep_default_na=True)


def bid_pairs(bids: pd.DataFrame, cols=()) -> pd.DataFrame:
    """Every pair of bids of one tender (bidder_x < bidder_y) with the listed columns of both."""
    b = bids[["tender_id", "bidder_id", *cols]]
    p = b.merge(b, on="tender_id")
    return p[p.bidder_id_x < p.bidder_id_y].reset_index(drop=True)


def small_settings(**kw) -> Settings:
    s = Settings()
    s.simulate.enterprises, s.simulate.tenders, s.simulate.cartels = 400, 200, 3
    for k, v in kw.items():
        setattr(s.simulate, k, v)
    return s


@pytest.fixture(scope="session")
def small_population():
    """A population of 400 firms with 3 cartels made directly (`make_population`), with its sizes and settings."""
    from riskmodels.simulation import _sizes
    from riskmodels.simulation.population import make_population

    cfg = small_settings().simulate
    size = _sizes("tiny", cfg)
    y0 = np.datetime64(cfg.start_date, "D").astype("datetime64[Y]")
    start, end = y0.astype("datetime64[D]"), (y0 + cfg.history_years).astype("datetime64[D]")
    tender_start = (y0 + cfg.history_years - cfg.tender_years).astype("datetime64[D]")
    pop = make_population(np.random.default_rng(0), size, cfg, start, end, tender_start)
    return pop, size, cfg, (start, end, tender_start)
