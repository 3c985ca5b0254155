"""riskmodels.collusion.transfer: the training profile a model keeps, and what it says about a market it never saw."""
from __future__ import annotations
import numpy as np
import pandas as pd
import pytest
from riskmodels.collusion.transfer import outside_training, seen_share, training_profile, transfer_flags
from riskmodels.collusion import transfer as T


def _table(n=200, seed=0, cv_scale=1.0, market="a"):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"tender_id": [f"{market}{i}" for i in range(n)], "market": market,
                         "n_bids": rng.integers(3, 9, n), "cv": rng.uniform(0.01, 0.1, n) * cv_scale})


def test_profile_holds_quartiles_precision_and_the_training_tenders():
    t = _table()
    y = (t["cv"] < 0.03).astype(int).to_numpy()
    p = training_profile(t, y, -t["cv"].to_numpy(), "out-of-fold")
    m = p["markets"]["a"]
    assert m["tenders"] == 200 and m["collusive_share"] == pytest.approx(y.mean())
    lo, med, hi = m["quartiles"]["cv"]
    assert lo < med < hi and med == pytest.approx(np.quantile(t["cv"], 0.5))
    assert m["precision_at_share"]["0.1"] == 1.0  # the lowest cv are exactly the collusive ones
    assert p["scores"] == "out-of-fold" and seen_share(p, t) == 1.0
    assert seen_share(p, _table(seed=1, market="b")) == 0.0 and seen_share(p, t.iloc[:0]) == 0.0


def test_a_new_market_outside_the_training_range_is_named():
    t = _table()
    p = training_profile(t, np.zeros(len(t)), np.zeros(len(t)), "in-sample")
    assert outside_training(p, _table(seed=2, market="b")) == []
    far = outside_training(p, _table(seed=2, cv_scale=10, market="c"))
    assert len(far) == 1 and far[0].startswith("cv median")


def test_transfer_flags_take_the_top_share_and_say_so():
    t = _table()
    p = training_profile(t, (t["cv"] < 0.03).astype(int), -t["cv"].to_numpy(), "out-of-fold")
    score = np.linspace(0, 1, 40)
    flag, words = transfer_flags(p, score, 0.05)
    assert flag.sum() == 2 and flag[-2:].tolist() == [1, 1]
    assert "top 5% of its tenders (2)" in words and "a 100% (base rate" in words
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        transfer_flags(p, score, 1.0)


def _check(model, blend, no_model):
    def entry(v):
        return {**dict(zip("ab", v)), "mean": float(np.mean(v))}
    return {"lightgbm": entry(model), "blend_lightgbm": entry(blend), "no_model": entry(no_model)}


@pytest.mark.parametrize("model, blend, no_model, use", [
    ((0.80, 0.75), (0.78, 0.74), (0.70, 0.70), "model"),     # better everywhere: the model
    ((0.80, 0.60), (0.76, 0.71), (0.70, 0.70), "blend"),     # the model loses one market, the blend does not
    ((0.80, 0.60), (0.76, 0.65), (0.70, 0.70), "no-model"),  # both lose a market: the no-model score
    ((0.70, 0.70), (0.70, 0.70), (0.70, 0.70), "no-model"),  # no better on average: the simpler score
])
def test_the_guard_uses_what_never_ranked_a_held_out_market_below_no_model(model, blend, no_model, use):
    g = T.transfer_guard(_check(model, blend, no_model), "lightgbm")
    assert g["use"] == use and set(g["markets"]) == {"a", "b"}
    assert g["markets"]["a"] == {"model": model[0], "no_model": no_model[0], "blend": blend[0]}
    assert "no model 0.700" in g["why"]


def test_without_a_held_out_market_the_guard_falls_back():
    assert T.transfer_guard({}, "lightgbm")["use"] == "no-model"

    class OneMarket:
        training_profile_ = {"markets": {"m": {}}}
    use, why = T.guarded_use(OneMarket())
    assert use == "no-model" and "one market" in why


def test_blend_is_the_mean_of_the_model_rank_and_the_no_model_score():
    got = T.blend(np.array([0.9, 0.1, 0.5]), np.array([0.2, np.nan, 0.8]))
    assert got == pytest.approx([0.5 * 1.0 + 0.1, 0.5 / 3 + 0.25, 0.5 * 2 / 3 + 0.4])


def test_scored_market_from_training_tenders_one_market_or_the_user():
    table = pd.DataFrame({"tender_id": ["t1", "t2", "t3"], "n_bids": [3, 4, 5], "cv": [0.1, 0.2, 0.3]})
    prof = T.training_profile(table.assign(market="/data/a"), np.array([0, 1, 0]), np.array([0.1, 0.9, 0.2]),
                              "in-sample")

    class Model:
        training_profile_ = prof
        market_stats_ = {"/data/a": {}, "/data/b": {}}
    assert T.scored_market(Model(), table)[0] == "/data/a"  # its own training tenders
    other = table.assign(tender_id=["x1", "x2", "x3"])
    assert T.scored_market(Model(), other)[0] is None  # two training markets, no tender seen: a new market
    assert T.scored_market(Model(), other, "b")[0] == "/data/b"  # named by the last part of its path
    assert T.scored_market(Model(), table, "new")[0] is None
    Model.market_stats_ = {"/data/a": {}}
    assert T.scored_market(Model(), other)[0] == "/data/a"  # one training market: its new tenders
