"""riskmodels.simulation.population: enterprises with valid credit codes, latent risk behind violations and labels, planted cartels and honest false leads."""
from __future__ import annotations

import numpy as np
from features.io import uscc
from tests.riskmodels.simulation.world import read


def test_ids_are_valid_credit_codes_and_bidders_are_enterprises(sim_city):
    out, _ = sim_city
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


def test_violation_prob_and_labels_follow_latent_risk(sim_city):
    out, _ = sim_city
    te, labels = read(out, "truth/enterprises"), read(out, "credit_labels")
    vp = te.violation_prob
    assert vp.nlargest(len(vp) // 5).mean() > 2.5 * vp.mean()
    assert te.latent_risk[te.cartel_id.notna()].mean() > te.latent_risk[te.cartel_id.isna()].mean() + 0.4
    assert 0.03 < labels.label.mean() < 0.2
    x = labels.merge(te, on="enterprise_id")
    hi = x.latent_risk > x.latent_risk.quantile(0.8)
    assert x.label[hi].mean() > 3 * x.label[~hi].mean()
    assert not labels.duplicated(["enterprise_id", "as_of"]).any()


def test_false_leads_honest_firms_share_offices_and_agents(sim_city):
    out, _ = sim_city
    ents, bids = read(out, "enterprises"), read(out, "bids")
    te = read(out, "truth/enterprises").set_index("enterprise_id")
    honest = te.cartel_id.isna()
    by_address = ents[ents.enterprise_id.map(honest)].groupby("address").size()
    assert by_address.max() >= 4, "honest firms registered at one address"
    agents = bids[bids.bidder_id.map(honest)].groupby("agent_id").bidder_id.nunique()
    assert agents.max() >= 3, "one agent, several honest clients"


def test_make_population_plants_cartels_among_the_bidders(small_population):
    from riskmodels.simulation.population import TRACE_KINDS

    pop, size, cfg, _ = small_population
    assert pop.n == size.enterprises == len(pop.ids) == len(set(pop.ids))
    assert len(pop.cartels) == size.cartels
    for k, c in enumerate(pop.cartels):
        assert cfg.cartel_size[0] <= len(set(c.members)) == len(c.members) <= cfg.cartel_size[1]
        assert (pop.cartel[c.members] == k).all() and (pop.slot[c.members] >= 0).all()  # every member bids
        assert set(c.traces) <= set(TRACE_KINDS)
    assert (pop.cartel >= 0).sum() == sum(len(c.members) for c in pop.cartels)
    assert ((pop.violation_prob > 0) & (pop.violation_prob < 1)).all()
    assert np.corrcoef(pop.z, pop.violation_prob)[0, 1] > 0.5  # violations follow the latent risk
