"""riskmodels.collusion.batch: a trained model scores any batch; a flag that never fired is 0 findings; a missing input
is named; a tender's score does not depend on the batch it is scored in (kept market statistics)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.riskmodels.collusion.markets import batch_of, planted_market

from features.io.dataset import load_dataset
from features.core.errors import InputError
from riskmodels.collusion import batch as B
from riskmodels.collusion import pipeline as C

FAST = {"n_estimators": 40, "min_child_samples": 5}


@pytest.fixture(scope="module")
def flags_model(tmp_path_factory):
    """A model trained with red flags on one planted market (A40.1 fires in its training tenders)."""
    root = tmp_path_factory.mktemp("flags")
    market = planted_market(root / "market", seed=1, n_tenders=150)
    model, table, y, info = C.train([load_dataset(market)], flags=True, method="lightgbm", params=FAST, kind="full")
    assert "flag_A40.1" in info["features"]  # learned from a flag that fired
    return model, market, root


def test_complete_flags_gives_every_code_that_ran_a_zero():
    t = pd.DataFrame({"tender_id": ["a", "b"], "flag_A34": [1.0, np.nan], "n_flags": [1.0, np.nan]})
    out = B.complete_flags(t, ["A34", "A40.1"])
    assert out["flag_A34"].tolist() == [1.0, 0.0] and out["flag_A40.1"].tolist() == [0.0, 0.0]
    assert out["n_flags"].tolist() == [1.0, 0.0]


def test_a_flag_that_never_fires_in_the_batch_counts_zero(flags_model):
    model, market, root = flags_model
    quiet = [f"T{t:04d}" for t in range(150) if t % 6 != 0][:10]  # no shared device: A40.1 never fires here
    ds = load_dataset(batch_of(market, root / "quiet", quiet))
    r = C.score_dataset(ds, model, graph=False)
    assert len(r["scores"]) == 10 and r["scores"]["score"].notna().all()
    assert (r["table"]["flag_A40.1"] == 0).all()


def test_a_truly_missing_input_is_named(flags_model):
    model, market, root = flags_model
    ds = load_dataset(batch_of(market, root / "nodevice", [f"T{t:04d}" for t in range(10)], drop_bid_columns=["device_id"]))
    with pytest.raises(InputError, match=r"flag_A40\.1 \(red flag A40\.1 reads bids\.file_creator or .*bids\.device_id"):
        C.score_dataset(ds, model, graph=False)
    from features.core.settings import Settings

    s = Settings()
    s.flags.enabled = [c for c in s.flags.enabled if c != "A40.1"]
    ds = load_dataset(batch_of(market, root / "off", [f"T{t:04d}" for t in range(10)]))
    with pytest.raises(InputError, match=r"A40\.1 is not in \[flags\] enabled"):
        C.score_dataset(ds, model, graph=False, settings=s)


def test_a_tender_scores_the_same_alone_or_in_its_whole_market(flags_model):
    model, market, root = flags_model
    whole = C.score_dataset(load_dataset(market), model, graph=False)
    assert "training market" in whole["notes"][0]
    from riskmodels.collusion.caselist import EVIDENCE_TIEBREAK

    w = whole["scores"].set_index("tender_id")
    for picked in ([f"T{t:04d}" for t in (1, 2, 4, 5, 7, 8, 10, 11, 13, 14)], ["T0005"]):  # no A39-type patterns
        alone = C.score_dataset(load_dataset(batch_of(market, root / f"b{len(picked)}", picked)), model, graph=False)
        a = alone["scores"].set_index("tender_id")
        # the model's probability is the same; the case-order key adds 0.01 x the evidence strength, positioned in the
        # training market's kept distributions, which the pattern flags (looking across the scored tenders) can move
        assert a["probability"].to_numpy() == pytest.approx(w["probability"].reindex(a.index).to_numpy(), abs=1e-9)
        assert np.abs(a["score"].to_numpy() - w["score"].reindex(a.index).to_numpy()).max() <= EVIDENCE_TIEBREAK
    # ranked within the batch instead (--market new), the market-relative columns move with the batch
    new = C.score_dataset(load_dataset(root / "b10"), model, graph=False, market="new")
    assert "not trained on" in new["notes"][0] and new["use"] == "no-model"  # one market: nothing shows it transfers
    ranks = new["table"].set_index("tender_id")["cv_rank"]
    assert sorted(ranks) == pytest.approx(np.arange(1, 11) / 10)
    assert not np.allclose(ranks, whole["table"].set_index("tender_id")["cv_rank"].reindex(ranks.index))
    with pytest.raises(InputError, match="not a training market"):
        C.score_dataset(load_dataset(root / "b10"), model, graph=False, market="elsewhere")
    same = C.score_dataset(load_dataset(root / "b10"), model, graph=False, market="market")  # by its folder's name
    assert same["scores"]["probability"].to_numpy() == pytest.approx(
        w["probability"].reindex(same["scores"]["tender_id"]).to_numpy())


def test_kept_statistics_reproduce_the_training_ranks_and_cover_new_years():
    from features.evidence.screens import relative_screens
    from riskmodels.collusion.tables import _market_tenders

    rng = np.random.default_rng(0)
    n = 300
    t = pd.DataFrame({"tender_id": [f"t{i}" for i in range(n)], "cv": rng.gamma(2, 0.05, n),
                      "n_bids": rng.integers(3, 9, n).astype(float)})
    t.loc[::17, "cv"] = t.loc[0, "cv"]  # ties
    tenders = pd.DataFrame({"tender_id": t["tender_id"], "published_at": np.where(np.arange(n) < 250, "2022-05-01",
                                                                                   "2023-05-01")})
    ranked = relative_screens(t, _market_tenders(tenders, None), columns=("cv", "n_bids"))
    stats = B.market_statistics(ranked, tenders)
    again = B.apply_market_statistics(ranked, tenders, stats)
    for c in ("cv_rank", "cv_dm", "n_bids_rank"):
        assert again[c].to_numpy() == pytest.approx(ranked[c].to_numpy())
    # a tender of a later year is positioned in the whole market's distribution (300 values: kept as quantiles)
    later = B.apply_market_statistics(ranked.head(5), tenders.head(5).assign(published_at="2030-01-01"), stats)
    pooled = ranked["cv"].rank(pct=True).head(5).to_numpy()
    assert later["cv_rank"].to_numpy() == pytest.approx(pooled, abs=0.01)


def test_unbuildable_names_graph_inputs_and_leaves_a_missing_reserve_price_missing(tmp_path):
    d = planted_market(tmp_path / "m", n_tenders=12)
    pd.read_csv(d / "tenders.csv").drop(columns="reserve_price").to_csv(d / "tenders.csv", index=False)
    ds = load_dataset(d)
    table = C.tender_table(ds)
    got = B.unbuildable(["win_to_reserve_rank", "group_share", "cv_rank"], table, ds, [], graph_built=False)
    assert got == ["group_share (a graph feature: needs named bidders, bids.bidder_id)"]
    assert table["win_to_reserve_rank"].isna().all()  # a missing value, as tenders without a reserve price had in training
