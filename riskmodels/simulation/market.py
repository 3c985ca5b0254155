"""Tenders, bids and itemised bills.

Honest bidding: a tender's bidders come from its market (category x region, with some from other regions of the same
category), each bids its cost (a tender-wide level times its own efficiency and noise) plus a markup, so honest tenders
have a natural spread; bids above the reserve price, a few others, are disqualified; a few are withdrawn. The lowest valid
bid wins. Some markets are "tight": few bidders and close prices, a false lead for spread screens.

Rigged tenders: each cartel takes a number of tenders of its market. Its designated winner bids high (a share of the
reserve price); covers bid a little above it (or at fixed coefficients above it); an honest outsider sometimes bids too
and may win. Depending on the cartel, a share of its cover bids carries traces copied from the designated winner's bid:
device (IP, MAC, device id, submitted minutes apart), file (creator, hash), CA certificate, deposit account, project
manager, agent, and a copied bill of quantities (proportional or identical unit prices, with the same odd item).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskmodels.simulation import names as nm
from riskmodels.simulation.population import Population

ROLE_HONEST, ROLE_DESIGNATED, ROLE_COVER, ROLE_OUTSIDER = 0, 1, 2, 3
STATUS = np.array(["valid", "disqualified", "withdrawn"], dtype=object)
BIDS_COLUMNS = ("tender_id", "bidder_id", "price", "submitted_at", "is_winner", "status", "ip", "mac", "device_id",
                "file_creator", "file_hash", "ca_serial", "deposit_account", "project_manager_id", "agent_id")


@dataclass
class TenderPlan:
    n: int
    ids: np.ndarray
    buyer: np.ndarray
    region: np.ndarray
    category: np.ndarray
    procedure: np.ndarray
    published: np.ndarray   # datetime64[s]
    deadline: np.ndarray
    awarded: np.ndarray
    reserve: np.ndarray
    n_bids: np.ndarray
    tight: np.ndarray
    cartel: np.ndarray      # cartel number or -1


def plan_tenders(rng, pop: Population, size, cfg, tender_start: np.datetime64, tender_end: np.datetime64) -> TenderPlan:
    t = size.tenders
    R = len(size.regions)
    span = int((tender_end - tender_start).astype(int))
    day = np.sort(rng.integers(0, span, t))
    published = (tender_start + day.astype("timedelta64[D]")).astype("datetime64[s]") + \
        rng.integers(9 * 3600, 18 * 3600, t).astype("timedelta64[s]")
    buyer = rng.choice(len(pop.buyers), size=t, p=pop.buyer_weight / pop.buyer_weight.sum())
    region = pop.buyer_region[buyer]
    cw = np.array(nm.CATEGORY_WEIGHTS) / sum(nm.CATEGORY_WEIGHTS)
    category = rng.choice(len(cw), size=t, p=cw)
    pw = np.array(nm.PROCEDURE_WEIGHTS) / sum(nm.PROCEDURE_WEIGHTS)
    procedure = rng.choice(len(pw), size=t, p=pw)
    open_ = procedure <= 1
    wait = np.where(open_, rng.integers(20, 36, t), rng.integers(5, 16, t)).astype("timedelta64[D]")
    deadline = (published.astype("datetime64[D]") + wait).astype("datetime64[s]") + np.timedelta64(9 * 3600 + 1800, "s")
    awarded = deadline + rng.integers(1, 15, t).astype("timedelta64[D]").astype("timedelta64[s]") + \
        rng.integers(0, 8 * 3600, t).astype("timedelta64[s]")
    reserve = np.round(np.exp(rng.normal(np.log(np.array(nm.RESERVE_MEDIAN)[category]), np.array(nm.RESERVE_SIGMA)[category])),
                       -2)
    reserve = np.maximum(reserve, 20_000.0)
    # exactly round(share x markets) tight markets, spread over the categories (one per category before a second), so a
    # small city does not vary wildly and a tight market never makes up most of its category
    C = len(nm.CATEGORIES)
    n_tight = min(C * R, int(round(cfg.tight_market_share * C * R)))
    tight_market = np.zeros((C, R), dtype=bool)
    for i in range(n_tight):
        if i % C == 0:
            cats = rng.permutation(C)
        c = int(cats[i % C])
        r = int(rng.choice(np.flatnonzero(~tight_market[c])))
        tight_market[c, r] = True
    tight = tight_market[category, region]
    mean_open = max(cfg.mean_bidders, 3.0)
    n_bids = np.where(procedure == 0, 3 + rng.poisson(mean_open - 3, t),
                      np.where(procedure == 1, rng.integers(3, 6, t), 3 + rng.poisson(0.6, t)))
    n_bids = np.where(tight, 3 + rng.poisson(0.4, t), n_bids)
    n_bids = np.minimum(n_bids, 25)

    cartel = np.full(t, -1, dtype=np.int64)
    lo, hi = cfg.cartel_tenders
    for c, ct in enumerate(pop.cartels):
        k = int(rng.integers(lo, hi + 1))
        free = cartel < 0
        cand = np.flatnonzero(free & (category == ct.category) & (region == ct.region))
        if len(cand) < k:
            more = np.flatnonzero(free & (category == ct.category) & (region != ct.region))
            cand = np.concatenate([cand, rng.choice(more, size=min(len(more), k - len(cand)), replace=False)])
        if len(cand) == 0:  # no free tender of its category left (small custom sizes): any free tender
            cand = np.flatnonzero(free)
        pick = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False))
        cartel[pick] = c
    years = published.astype("datetime64[Y]").astype(int) + 1970
    ids = np.char.add(np.char.add(np.char.add("T", years.astype(str)), "-"),
                      np.char.zfill((np.arange(t) + 1).astype(str), 6)).astype(object)
    return TenderPlan(t, ids, buyer, region, category, procedure, published, deadline, awarded, reserve, n_bids, tight, cartel)


class _Pools:
    """Bidder slots per market and per category, with cumulative honest weights for fast weighted draws."""

    def __init__(self, pop: Population, n_regions: int):
        w = pop.weight * np.where(pop.cartel[pop.bidders] >= 0, 0.5, 1.0)
        reg = pop.region[pop.bidders]
        self.market, self.cat = {}, {}
        for c in range(len(nm.CATEGORIES)):
            s = np.flatnonzero(pop.category == c)
            self.cat[c] = (s, np.cumsum(w[s]))
            for r in range(n_regions):
                m = s[reg[s] == r]
                self.market[(c, r)] = (m, np.cumsum(w[m]))

    @staticmethod
    def draw(rng, pool, k: int, exclude: set) -> list:
        slots, cw = pool
        if k <= 0 or len(slots) == 0:
            return []
        picks = slots[np.searchsorted(cw, rng.random(3 * k + 4) * cw[-1], side="right").clip(0, len(slots) - 1)]
        out = []
        for p in picks.tolist():
            if p not in exclude:
                exclude.add(p)
                out.append(p)
                if len(out) == k:
                    break
        return out


def _honest_prices(rng, pop, slots, reserve, tight, cfg, level):
    n = len(slots)
    if tight:
        cost = level * np.exp(rng.normal(0, cfg.cost_sd * 0.2, n))
        markup = rng.uniform(0.05, 0.06, n)
    else:
        cost = level * np.exp(pop.efficiency[slots] + rng.normal(0, cfg.cost_sd, n))
        markup = rng.uniform(*cfg.honest_markup, n)
    return reserve * cost * (1 + markup)


def _cartel_bidders(rng, ct, first: bool):
    """(present member enterprise numbers, designated winner) for one rigged tender."""
    mem = ct.members
    s = len(mem)
    if ct.scheme == "bid_rotation":
        d = mem[ct.rotation % s]
        ct.rotation += 1
    elif ct.scheme == "accompanying_bidding":
        d = mem[0] if rng.random() < 0.9 else mem[rng.integers(0, s)]
    else:
        d = mem[rng.integers(0, s)]
    if first:
        present = mem.copy()
    elif ct.scheme == "bid_suppression":
        keep = rng.random(s) < 0.5
        present = mem[keep]
    else:
        present = mem[rng.random(s) < 0.85]
    present = [int(x) for x in present if x != d]
    if not present:
        present = [int(rng.choice(mem[mem != d]))]
    return [int(d)] + present


def _bill(rng, reserve, prices, roles, copy_mask, odd_designated, catalog, cfg):
    """Itemised unit prices for the bids of one tender: rows (bid index, item code, quantity, unit price)."""
    m = int(rng.integers(5, 10))
    codes = rng.choice(catalog, size=m, replace=False)
    qty = np.round(np.exp(rng.normal(3.0, 1.2, m)), 1) + 1.0
    ref_w = np.exp(rng.normal(0, 0.8, m))
    ref = reserve * 0.9 * ref_w / (ref_w * qty).sum()
    n = len(prices)
    noise = np.exp(rng.normal(0, 0.10, (n, m)))
    unit = ref * noise
    unit *= (prices / (unit * qty).sum(axis=1))[:, None]
    unit = np.round(unit, 2)
    odd_code = np.full(n, None, dtype=object)
    odd_price = np.zeros(n)
    honest_odd = rng.random(n) < 0.02
    for i in np.flatnonzero(honest_odd):
        odd_code[i] = f"X{int(rng.integers(1000, 10000))}"
        odd_price[i] = round(float(rng.uniform(50, 5000)), 2)
    d = np.flatnonzero(roles == ROLE_DESIGNATED)
    if len(d) and copy_mask.any():
        d = int(d[0])
        if odd_designated:
            odd_code[d] = f"X{int(rng.integers(1000, 10000))}"
            odd_price[d] = round(float(rng.uniform(50, 5000)), 2)
            k = int(rng.integers(0, m))
            unit[d, k] = round(unit[d, k] * float(rng.uniform(3, 8)), 2)  # an odd unit price (a typo the copies inherit)
        for i in np.flatnonzero(copy_mask):
            if rng.random() < 0.5:   # the same bill scaled to the cover's total: proportional unit prices
                unit[i] = np.round(unit[d] * prices[i] / prices[d], 2)
            else:                    # the same unit prices; only the largest item adjusted to reach the cover's total
                unit[i] = unit[d]
                k = int(np.argmax(unit[d] * qty))
                unit[i, k] = round(max(0.01, unit[d, k] + (prices[i] - prices[d]) / qty[k]), 2)
            odd_code[i], odd_price[i] = odd_code[d], odd_price[d]
    rows_bid = np.repeat(np.arange(n), m)
    rows_code = np.tile(codes, n)
    rows_qty = np.tile(qty, n)
    rows_unit = unit.ravel()
    has_odd = np.flatnonzero(odd_code != None)  # noqa: E711
    if len(has_odd):
        rows_bid = np.concatenate([rows_bid, has_odd])
        rows_code = np.concatenate([rows_code.astype(object), odd_code[has_odd]])
        rows_qty = np.concatenate([rows_qty, np.ones(len(has_odd))])
        rows_unit = np.concatenate([rows_unit, odd_price[has_odd]])
    return rows_bid, rows_code.astype(object), rows_qty, rows_unit


def make_bids(rng, pop: Population, plan: TenderPlan, lo: int, hi: int, cfg, pools: _Pools, seen_cartel: set):
    """Bids and bid items of tenders lo..hi-1 (DataFrames), and per-tender truth rows."""
    tb, sl, pr, rl, st, win = [], [], [], [], [], []
    item_parts = []
    dq = cfg.disqualified_share
    for t in range(lo, hi):
        reserve = float(plan.reserve[t])
        c, r = int(plan.category[t]), int(plan.region[t])
        tight = bool(plan.tight[t])
        level = nm.COST_LEVEL[c] * float(np.exp(rng.normal(0, 0.08)))
        n = int(plan.n_bids[t])
        cart = int(plan.cartel[t])
        if cart >= 0:
            ct = pop.cartels[cart]
            first = cart not in seen_cartel
            seen_cartel.add(cart)
            ents = _cartel_bidders(rng, ct, first)
            slots = [int(pop.slot[e]) for e in ents]
            roles = [ROLE_DESIGNATED] + [ROLE_COVER] * (len(slots) - 1)
            pd_ = reserve * float(np.clip(ct.level + rng.normal(0, 0.015), 0.5, 0.995))
            ncov = len(slots) - 1
            if ct.scheme == "fixed_coefficient":
                covers = pd_ * (1 + ct.coefficient * np.arange(1, ncov + 1))
                covers = rng.permutation(covers)
            else:
                covers = pd_ * (1 + rng.uniform(cfg.cover_margin[0], ct.margin_hi, ncov))
            prices = [pd_] + covers.tolist()
            if rng.random() < cfg.outsider_prob:
                k = 1 + int(rng.random() < 0.3)
                exclude = set(int(pop.slot[e]) for e in ct.members)
                out = pools.draw(rng, pools.market[(c, r)], k, exclude)
                if out:
                    slots += out
                    roles += [ROLE_OUTSIDER] * len(out)
                    prices += _honest_prices(rng, pop, np.array(out), reserve, tight, cfg, level).tolist()
        else:
            n_local = int(rng.binomial(n, cfg.local_share))
            exclude: set = set()
            slots = _Pools.draw(rng, pools.market[(c, r)], n_local, exclude)
            slots += _Pools.draw(rng, pools.cat[c], n - len(slots), exclude)
            if len(slots) < n:
                slots += _Pools.draw(rng, pools.market[(c, r)], n - len(slots), exclude)
            roles = [ROLE_HONEST] * len(slots)
            prices = _honest_prices(rng, pop, np.array(slots, dtype=np.int64), reserve, tight, cfg, level).tolist()
        k = len(slots)
        prices = np.round(np.array(prices), 2)
        roles = np.array(roles)
        u = rng.random(k)
        status = np.where(u < cfg.withdrawn_share, 2, np.where(u < cfg.withdrawn_share + dq * np.where(roles == ROLE_COVER, 2, 1), 1, 0))
        status = np.where(prices > reserve, 1, status)
        status[roles == ROLE_DESIGNATED] = 0
        valid = status == 0
        if not valid.any():
            status[int(np.argmin(prices))] = 0
            valid = status == 0
        winner = np.zeros(k, dtype=np.int8)
        winner[int(np.flatnonzero(valid)[np.argmin(prices[valid])])] = 1
        if c in nm.BILL_CATEGORIES:
            copy = np.zeros(k, dtype=bool)
            odd = False
            if cart >= 0 and ct.traces["bill_copy"]:
                copy = (roles == ROLE_COVER) & (rng.random(k) < ct.share)
                odd = bool(rng.random() < 0.5)
            b, code, q, unit = _bill(rng, reserve, prices, roles, copy, odd, pop.catalog[c], cfg)
            item_parts.append((t, np.array(slots, dtype=np.int64)[b], code, q, unit))
        tb.append(np.full(k, t))
        sl.append(slots)
        pr.append(prices)
        rl.append(roles)
        st.append(status)
        win.append(winner)
    tb = np.concatenate(tb)
    sl = np.concatenate([np.asarray(s, dtype=np.int64) for s in sl])
    pr, rl, st, win = np.concatenate(pr), np.concatenate(rl), np.concatenate(st), np.concatenate(win)
    bids = _metadata(rng, pop, plan, tb, sl, pr, rl, st, win)
    if item_parts:
        it = np.concatenate([np.full(len(p[1]), p[0]) for p in item_parts])
        items = pd.DataFrame({
            "tender_id": plan.ids[it],
            "bidder_id": pop.ids[pop.bidders[np.concatenate([p[1] for p in item_parts])]],
            "item_code": np.concatenate([p[2] for p in item_parts]),
            "quantity": np.concatenate([p[3] for p in item_parts]),
            "unit_price": np.concatenate([p[4] for p in item_parts]),
        })
    else:
        items = pd.DataFrame(columns=["tender_id", "bidder_id", "item_code", "quantity", "unit_price"])
    return bids, items


def _metadata(rng, pop: Population, plan: TenderPlan, tb, sl, pr, rl, st, win) -> pd.DataFrame:
    m = pop.machines
    nb = len(sl)
    dev = (rng.random(nb) < 0.25).astype(np.int64)
    ip = m["ip"][sl, dev]
    ents = pop.bidders[sl]
    cl = pop.cluster[ents]
    shared_net = (cl >= 0) & (rng.random(nb) < 0.4)
    ip = np.where(shared_net, pop.cluster_ip[np.maximum(cl, 0)], ip)
    mac = m["mac"][sl, dev]
    device = m["device"][sl, dev]
    ag = m["agent"][sl]
    uses_agent = (ag >= 0) & (rng.random(nb) < 0.85)
    agent_id = np.where(uses_agent, pop.agents["codes"][np.maximum(ag, 0)], None)
    creator = np.where(uses_agent & (rng.random(nb) < 0.7), pop.agents["creator"][np.maximum(ag, 0)], m["creator"][sl])
    fhash = np.array(nm.hex_strings(rng, nb, 16), dtype=object)
    ca = m["ca"][sl]
    dep = m["deposit"][sl]
    cat = plan.category[tb]
    pm_pick = m["pm"][sl, (rng.random(nb) * m["pm_count"][sl]).astype(np.int64)]
    has_pm = np.isin(cat, nm.PM_CATEGORIES)
    pm = np.where(has_pm, pm_pick, -1)
    deadline = plan.deadline[tb]
    submitted = deadline - rng.integers(1800, 96 * 3600, nb).astype("timedelta64[s]")

    # cartel traces: covers copy from the designated winner's bid of the same tender
    cart = plan.cartel[tb]
    cover = np.flatnonzero((rl == ROLE_COVER) & (cart >= 0))
    if len(cover):
        desig_row = np.full(plan.n, -1, dtype=np.int64)
        d = np.flatnonzero(rl == ROLE_DESIGNATED)
        desig_row[tb[d]] = d
        src = desig_row[tb[cover]]
        cc = cart[cover]
        share = np.array([pop.cartels[c].share for c in cc])

        def mask(kind):
            on = np.array([pop.cartels[c].traces[kind] for c in cc], dtype=bool)
            return on & (rng.random(len(cover)) < share)

        mk = mask("device")
        i, s = cover[mk], src[mk]
        ip[i], mac[i], device[i] = ip[s], mac[s], device[s]
        submitted[i] = np.minimum(submitted[s] + rng.integers(60, 1200, len(i)).astype("timedelta64[s]"),
                                  deadline[i] - np.timedelta64(1, "s"))
        mk = mask("file")
        i, s = cover[mk], src[mk]
        creator[i], fhash[i] = creator[s], fhash[s]
        for kind, arr in (("ca_serial", ca), ("deposit_account", dep), ("project_manager", pm), ("agent", agent_id)):
            mk = mask(kind)
            i, s = cover[mk], src[mk]
            if kind == "agent":
                # the cartel's coordinator acts as agent for both bids
                s_ag = agent_id[s]
                fill = np.where(pd.isna(s_ag), pop.agents["codes"][cc[mk] % len(pop.agents["codes"])], s_ag)
                arr[s], arr[i] = fill, fill
            else:
                arr[i] = arr[s]
    pm_txt = np.where(pm >= 0, nm.person_ids(np.maximum(pm, 0)), None)
    return pd.DataFrame({
        "tender_id": plan.ids[tb],
        "bidder_id": pop.ids[ents],
        "price": pr,
        "submitted_at": submitted,
        "is_winner": win.astype(np.int64),
        "status": STATUS[st],
        "ip": nm.ip_strings(ip),
        "mac": mac,
        "device_id": device,
        "file_creator": creator,
        "file_hash": fhash,
        "ca_serial": ca,
        "deposit_account": dep,
        "project_manager_id": pm_txt,
        "agent_id": agent_id,
    })


def tenders_frame(plan: TenderPlan, pop: Population, lo: int, hi: int) -> pd.DataFrame:
    s = slice(lo, hi)
    return pd.DataFrame({
        "tender_id": plan.ids[s],
        "buyer_id": pop.buyers[plan.buyer[s]],
        "region": pop.region_names[plan.region[s]].astype(object),
        "category": np.array(nm.CATEGORIES, dtype=object)[plan.category[s]],
        "procedure": np.array(nm.PROCEDURES, dtype=object)[plan.procedure[s]],
        "published_at": plan.published[s],
        "deadline_at": plan.deadline[s],
        "awarded_at": plan.awarded[s],
        "reserve_price": plan.reserve[s],
        "currency": "CNY",
    })


def truth_tenders_frame(plan: TenderPlan, pop: Population, lo: int, hi: int) -> pd.DataFrame:
    c = plan.cartel[lo:hi]
    cid = np.array([ct.cartel_id for ct in pop.cartels] + [None], dtype=object)
    sch = np.array([ct.scheme for ct in pop.cartels] + [None], dtype=object)
    return pd.DataFrame({"tender_id": plan.ids[lo:hi], "collusive": (c >= 0).astype(np.int64),
                         "cartel_id": cid[c], "scheme": sch[c]})
