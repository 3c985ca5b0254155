"""The synthetic city: valid tables, same seed same bytes, and planted structure recoverable from the public tables alone."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.io import uscc
from features.io.codes import DEPARTMENTS, EVENT_TYPES, INSPECTION_RESULTS, SCHEMES
from features.io.dataset import load_dataset
from features.core.errors import InputError
from features.core.settings import Settings
from riskmodels.simulation import simulate

TABLES = ("tenders", "bids", "bid_items", "enterprises", "shareholders", "credit_events", "inspections", "inspectors", "roster",
          "credit_labels")
SEED = 3


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("city")
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


def test_every_table_passes_the_validator_with_zero_rejects(city):
    out, summary = city
    ds = load_dataset(out)
    assert set(ds.tables) == set(TABLES)
    assert len(ds.rejects) == 0, ds.rejects.head().to_string()
    for name in TABLES:
        assert ds.counts[name]["read"] == summary["tables"][name] > 0, name
    for f in ("enterprises.csv", "tenders.csv", "cartels.csv", "simulation.json"):
        assert (out / "truth" / f).exists()


def test_tiny_sizes(city):
    _, s = city
    t = s["tables"]
    assert t["enterprises"] == 2_000 and t["tenders"] == 1_000
    assert 6 <= t["bids"] / t["tenders"] <= 9
    assert s["cartels"] == 12 and 0.08 <= s["collusive_tenders"] / t["tenders"] <= 0.3


def test_same_seed_same_bytes_and_another_seed_differs(city, tmp_path):
    out, _ = city
    simulate(tmp_path / "again", scale="tiny", seed=SEED)
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert len(files) == len(TABLES) + 4
    for f in files:
        assert (tmp_path / "again" / f).read_bytes() == (out / f).read_bytes(), f
    simulate(tmp_path / "other", scale="tiny", seed=SEED + 1, settings=small_settings())
    assert (tmp_path / "other" / "bids.csv").read_bytes() != (out / "bids.csv").read_bytes()


def test_ids_are_valid_credit_codes_and_bidders_are_enterprises(city):
    out, _ = city
    ents = read(out, "enterprises")
    assert ents.enterprise_id.is_unique
    assert all(uscc.is_valid(x) for x in ents.enterprise_id)
    bids = read(out, "bids")
    assert set(bids.bidder_id) <= set(ents.enterprise_id)
    holders = read(out, "shareholders")
    firms = holders[holders.holder_type == "enterprise"].holder_id
    assert len(firms) and set(firms) <= set(ents.enterprise_id)
    tenders = read(out, "tenders")
    assert all(uscc.is_valid(x) for x in tenders.buyer_id.unique())
    agents = bids.agent_id.dropna().unique()
    assert len(agents) and all(uscc.is_valid(x) for x in agents)


def test_truth_is_not_in_the_public_tables(city):
    out, _ = city
    for name in TABLES:
        cols = set(pd.read_csv(out / f"{name}.csv", nrows=0).columns)
        assert not cols & {"collusive", "cartel_id", "cartel_member", "scheme", "latent_risk", "violation_prob"}, name


def test_cartels_are_recurring_groups_of_bidders(city):
    out, _ = city
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


def test_cartel_tenders_have_lower_spread_than_honest_ones_in_the_same_category(city):
    out, _ = city
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


def test_shared_bid_metadata_is_far_more_frequent_inside_cartels(city):
    out, _ = city
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


def test_false_leads_honest_firms_share_offices_and_agents(city):
    out, _ = city
    ents, bids = read(out, "enterprises"), read(out, "bids")
    te = read(out, "truth/enterprises").set_index("enterprise_id")
    honest = te.cartel_id.isna()
    by_address = ents[ents.enterprise_id.map(honest)].groupby("address").size()
    assert by_address.max() >= 4, "honest firms registered at one address"
    agents = bids[bids.bidder_id.map(honest)].groupby("agent_id").bidder_id.nunique()
    assert agents.max() >= 3, "one agent, several honest clients"


def test_bad_credit_firms_fail_inspections_more_often(city):
    out, _ = city
    ev, ins = read(out, "credit_events"), read(out, "inspections")
    assert set(ev.event_type) == set(EVENT_TYPES)
    assert set(ins.result) <= set(INSPECTION_RESULTS)
    neg = ev[ev.severity >= 2].groupby("enterprise_id").size()
    fail = ins.assign(f=ins.result.eq("fail")).groupby("enterprise_id").f.mean()
    x = pd.DataFrame({"fail": fail}).join(neg.rename("neg")).fillna({"neg": 0})
    top = x.neg >= x.neg.quantile(0.75)
    assert x.fail[top].mean() > 2 * x.fail[x.neg == 0].mean()


def test_violation_prob_and_labels_follow_latent_risk(city):
    out, _ = city
    te, labels = read(out, "truth/enterprises"), read(out, "credit_labels")
    vp = te.violation_prob
    assert vp.nlargest(len(vp) // 5).mean() > 2.5 * vp.mean()
    assert te.latent_risk[te.cartel_id.notna()].mean() > te.latent_risk[te.cartel_id.isna()].mean() + 0.4
    assert 0.03 < labels.label.mean() < 0.2
    x = labels.merge(te, on="enterprise_id")
    hi = x.latent_risk > x.latent_risk.quantile(0.8)
    assert x.label[hi].mean() > 3 * x.label[~hi].mean()
    assert not labels.duplicated(["enterprise_id", "as_of"]).any()


def test_roster_inspectors_and_conflicts(city):
    out, _ = city
    roster, insp, ins = read(out, "roster"), read(out, "inspectors"), read(out, "inspections")
    assert list(insp.columns) == ["inspector_id", "department", "name", "region", "capacity", "conflicts"]
    assert set(roster.department) == set(DEPARTMENTS) == set(insp.department)
    assert not roster.duplicated().any()
    conflicts = {e for c in insp.conflicts.dropna() for e in c.split(";")}
    assert len(conflicts) >= 50 and conflicts <= set(roster.enterprise_id)
    te = read(out, "truth/enterprises").set_index("enterprise_id")
    assert te.violation_prob.reindex(list(conflicts)).mean() > te.violation_prob.reindex(roster.enterprise_id.unique()).mean()
    dept = dict(zip(insp.inspector_id, insp.department))
    pairs = ins.inspector_ids.str.split(";")
    assert (pairs.str.len() == 2).all()
    assert all(dept[a] == d and dept[b] == d and a != b for (a, b), d in zip(pairs.head(2000), ins.department.head(2000)))


def test_parquet_and_partitioned_province_layout(tmp_path):
    s = small_settings()
    a = simulate(tmp_path / "csv", scale="tiny", seed=1, settings=s)
    b = simulate(tmp_path / "pq", scale="tiny", seed=1, fmt="parquet", settings=s)
    assert a["tables"] == b["tables"]
    ds = load_dataset(tmp_path / "pq")
    assert len(ds.rejects) == 0 and len(ds.tables) == len(TABLES)
    csv = read(tmp_path / "csv", "bids")
    pq = ds.tables["bids"]
    assert (pq["bidder_id"].to_numpy() == csv["bidder_id"].to_numpy()).all()
    assert np.allclose(pq["price"].to_numpy(), csv["price"].to_numpy())
    # the same folder again in the other format: no table of the earlier run is left behind
    simulate(tmp_path / "csv", scale="tiny", seed=1, fmt="parquet", settings=s)
    assert not list((tmp_path / "csv").glob("*.csv")) and len(list((tmp_path / "csv").glob("*.parquet"))) == len(TABLES)
    p = simulate(tmp_path / "prov", scale="province", seed=1, fmt="parquet", settings=small_settings(enterprises=1_000))
    assert (tmp_path / "prov" / "bids").is_dir() and list((tmp_path / "prov" / "bids").glob("part-*.parquet"))
    ds = load_dataset(tmp_path / "prov")
    assert len(ds.rejects) == 0 and len(ds.tables["enterprises"]) == p["tables"]["enterprises"] == 1_000


def test_bad_arguments_and_settings_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="scale"):
        simulate(tmp_path, scale="planet")
    with pytest.raises(InputError, match="format"):
        simulate(tmp_path, fmt="xlsx")
    with pytest.raises(InputError, match="cartel_size"):
        simulate(tmp_path, settings=small_settings(cartel_size=[5, 2]))
    with pytest.raises(InputError, match="schemes"):
        simulate(tmp_path, settings=small_settings(schemes={"bribery": 1.0}))


def test_cli_simulate(cli, tmp_path):
    (tmp_path / "s.toml").write_text("[simulate]\nenterprises = 400\ntenders = 200\ncartels = 3\n", encoding="utf-8")
    cli("--settings", tmp_path / "s.toml", "data", "simulate", "--out", tmp_path / "c", "--seed", "2",
        err="3 planted cartels")
    assert (tmp_path / "c" / "bids.csv").exists() and (tmp_path / "c" / "truth" / "cartels.csv").exists()
    cli("data", "simulate", "--out", tmp_path / "x", "--scale", "planet", code=2, err="scale")
    (tmp_path / "bad.toml").write_text("[simulate]\ncartel_sise = 3\n", encoding="utf-8")
    cli("--settings", tmp_path / "bad.toml", "data", "simulate", "--out", tmp_path / "y", code=2, err="cartel_sise")
