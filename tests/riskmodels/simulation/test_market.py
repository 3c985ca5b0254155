"""riskmodels.simulation.market: tenders and bids: cartels recur, bid tighter and share metadata far more often than honest firms."""
from __future__ import annotations

import numpy as np
import pandas as pd
from features.io.codes import SCHEMES
from tests.riskmodels.simulation.world import bid_pairs, read


def test_cartels_are_recurring_groups_of_bidders(sim_city):
    out, _ = sim_city
    bids, truth_t = read(out, "bids"), read(out, "truth/tenders")
    cartels = pd.read_csv(out / "truth" / "cartels.csv", dtype=str)
    assert set(cartels.scheme) <= set(SCHEMES) and len(set(cartels.scheme)) >= 3
    member_of = {m: c for c, ms in zip(cartels.cartel_id, cartels.members) for m in ms.split(";")}
    assert set(member_of) <= set(bids.bidder_id), "every cartel member bids"
    sizes = cartels.members.str.count(";") + 1
    assert sizes.between(3, 8).all()
    rigged = truth_t[truth_t.collusive == 1].groupby("cartel_id").size()
    assert rigged.min() >= 5
    counts = bid_pairs(bids).groupby(["bidder_id_x", "bidder_id_y"]).size().reset_index(name="n")
    cx, cy = counts.bidder_id_x.map(member_of), counts.bidder_id_y.map(member_of)
    inside = (cx.notna() & (cx == cy)).to_numpy()
    n = counts.n.to_numpy()
    assert np.median(n[inside]) >= 5 * np.median(n[~inside])
    # honest firms co-bid by market too: some honest pairs meet often (it is not trivial)
    assert (n[~inside] >= 5).sum() >= inside.sum() / 2


def test_cartel_tenders_have_lower_spread_than_honest_ones_in_the_same_category(sim_city):
    out, _ = sim_city
    bids, tenders, truth_t = read(out, "bids"), read(out, "tenders"), read(out, "truth/tenders")
    v = bids[bids.status == "valid"].merge(tenders[["tender_id", "category", "reserve_price"]], on="tender_id")
    g = v.groupby("tender_id").agg(cv=("price", lambda x: x.std() / x.mean()), n=("price", "size"),
                                   category=("category", "first"))
    g = g[g.n >= 3].join(truth_t.set_index("tender_id").collusive)
    med = g.groupby(["category", "collusive"]).cv.median().unstack().dropna()
    assert len(med) >= 2
    assert (med[1] < med[0]).all(), med
    # each rigged tender against the honest tenders of its own category
    relative = g.cv / g.category.map(med[0])
    assert relative[g.collusive == 1].median() < 0.6 * relative[g.collusive == 0].median()
    # designated winners bid high against the reserve price
    w = v[v.is_winner == 1].join(truth_t.set_index("tender_id").collusive, on="tender_id")
    ratio = (w.price / w.reserve_price).groupby(w.collusive).median()
    assert ratio[1] > ratio[0] + 0.05


def test_shared_bid_metadata_is_far_more_frequent_inside_cartels(sim_city):
    out, _ = sim_city
    bids = read(out, "bids")
    cartels = pd.read_csv(out / "truth" / "cartels.csv", dtype=str)
    truth_t = read(out, "truth/tenders").set_index("tender_id")
    member_of = {m: c for c, ms in zip(cartels.cartel_id, cartels.members) for m in ms.split(";")}
    cols = ["device_id", "file_hash", "ca_serial", "deposit_account", "project_manager_id"]
    p = bid_pairs(bids, cols)
    shared = np.zeros(len(p), dtype=bool)
    for c in cols:
        shared |= (p[f"{c}_x"].notna() & (p[f"{c}_x"] == p[f"{c}_y"])).to_numpy()
    cx, cy = p.bidder_id_x.map(member_of), p.bidder_id_y.map(member_of)
    same = (cx.notna() & (cx == cy) & p.tender_id.map(truth_t.collusive).eq(1)).to_numpy()
    inside, outside = shared[same], shared[~same]
    assert np.mean(inside) > 0.05
    assert np.mean(inside) > 50 * max(np.mean(outside), 1e-4)
    # and copied bills: identical unit prices for an item between two bidders of one tender
    items = read(out, "bid_items")
    dup = items.duplicated(["tender_id", "item_code", "unit_price"], keep=False)
    copied = items[dup].assign(c=lambda d: d.bidder_id.map(member_of))
    assert len(copied) and copied.c.notna().mean() > 0.9


def test_plan_and_bids_of_one_chunk(small_population):
    from riskmodels.simulation.market import BIDS_COLUMNS, _Pools, make_bids, plan_tenders, tenders_frame

    pop, size, cfg, (_, end, tender_start) = small_population
    plan = plan_tenders(np.random.default_rng(1), pop, size, cfg, tender_start, end)
    assert plan.n == size.tenders == len(set(plan.ids)) and (plan.reserve > 0).all()
    assert ((plan.cartel >= -1) & (plan.cartel < len(pop.cartels))).all() and (plan.cartel >= 0).any()
    bids, _ = make_bids(np.random.default_rng(2), pop, plan, 0, 60, cfg, _Pools(pop, len(size.regions)), set())
    assert set(BIDS_COLUMNS) <= set(bids.columns) and set(bids["tender_id"]) <= set(plan.ids[:60])
    assert not bids.duplicated(["tender_id", "bidder_id"]).any()  # one bid per firm per tender
    assert (bids.groupby("tender_id")["is_winner"].sum() <= 1).all()
    t = tenders_frame(plan, pop, 0, 60)
    assert t["tender_id"].tolist() == list(plan.ids[:60])
