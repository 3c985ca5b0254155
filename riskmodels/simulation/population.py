"""The population of the synthetic city: enterprises with their registry attributes and latent risk, the bidders among
them with their machines and habits, the planted cartels, and the honest false leads (shared office buildings, shared
agents, corporate groups, people who represent several firms).

Everything is held as numpy arrays indexed by enterprise number (0..N-1); text is made only when a block of rows is
written (`records.py`), so the province (775,000 firms) fits in a few hundred MB.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from features.io import uscc
from features.io.codes import SCHEMES
from riskmodels.simulation import names as nm

TRACE_KINDS = ("device", "file", "ca_serial", "deposit_account", "project_manager", "agent", "bill_copy", "registry")
REGISTRY_TIES = ("legal_rep", "shareholder", "address", "phone")


@dataclass
class Cartel:
    cartel_id: str
    members: np.ndarray          # enterprise numbers; members[0] is the leader
    category: int
    region: int
    scheme: str
    traces: dict                 # kind -> bool
    share: float                 # share of cover bids that carry the traces
    registry_ties: tuple = ()
    coefficient: float = 0.0     # fixed-coefficient step between cover prices
    level: float = 0.93          # usual winning price / reserve price
    margin_hi: float = 0.04      # covers bid up to this far above the winner
    rotation: int = 0            # next turn in a rotation scheme


@dataclass
class Population:
    n: int
    ids: np.ndarray              # credit codes (object)
    region: np.ndarray
    industry: np.ndarray
    established: np.ndarray      # datetime64[D]
    capital: np.ndarray
    status: np.ndarray           # 0 active, 1 revoked, 2 cancelled
    z: np.ndarray                # latent risk (sd units)
    violation_prob: np.ndarray
    legal_rep: np.ndarray        # person numbers
    building: np.ndarray
    room: np.ndarray
    phone: np.ndarray
    cartel: np.ndarray           # cartel number or -1
    # shareholders beyond each firm's own persons: (enterprise, holder text, holder_type, share)
    extra_holders: list = field(default_factory=list)
    parent: np.ndarray = None    # enterprise number of the parent company or -1
    # bidders
    bidders: np.ndarray = None   # enterprise numbers of the firms that bid
    slot: np.ndarray = None      # enterprise number -> bidder slot or -1
    category: np.ndarray = None  # per slot
    weight: np.ndarray = None    # per slot: activity
    efficiency: np.ndarray = None  # per slot: log cost advantage
    cartels: list = field(default_factory=list)
    machines: dict = field(default_factory=dict)  # per slot metadata arrays
    agents: dict = field(default_factory=dict)
    cluster: np.ndarray = None   # per enterprise: office cluster or -1
    cluster_ip: np.ndarray = None
    buyers: np.ndarray = None
    buyer_region: np.ndarray = None
    buyer_weight: np.ndarray = None
    region_names: np.ndarray = None
    catalog: dict = field(default_factory=dict)   # category -> item codes
    next_person: int = 0


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def make_population(rng: np.random.Generator, size, cfg, start: np.datetime64, end: np.datetime64,
                    tender_start: np.datetime64) -> Population:
    n, nb, R = size.enterprises, size.bidders, len(size.regions)
    region_names = np.array(size.regions)
    n_agents = max(4, nb // 80)
    codes = np.array(uscc.generate(rng, n + n_agents, divisions=size.divisions), dtype=object)
    ids, agent_codes = codes[:n], codes[n:]
    buyers = np.array(uscc.generate(rng, size.buyers, authority="1", kind="1", divisions=size.divisions[:1]), dtype=object)

    region_w = rng.dirichlet(np.full(R, 8.0))
    region = rng.choice(R, size=n, p=region_w)
    bidders = np.sort(rng.choice(n, size=nb, replace=False))
    slot = np.full(n, -1, dtype=np.int64)
    slot[bidders] = np.arange(nb)
    category = rng.choice(len(nm.CATEGORIES), size=nb, p=np.array(nm.CATEGORY_WEIGHTS) / sum(nm.CATEGORY_WEIGHTS))
    industry = rng.choice(len(nm.INDUSTRIES), size=n, p=np.array(nm.INDUSTRY_WEIGHTS) / sum(nm.INDUSTRY_WEIGHTS))
    ind_of_cat = np.array([nm.INDUSTRIES.index(x) for x in nm.CATEGORY_INDUSTRY])
    industry[bidders] = ind_of_cat[category]
    goods_makers = bidders[(category == 2) & (rng.random(nb) < 0.3)]
    industry[goods_makers] = nm.INDUSTRIES.index("manufacturing")

    age_days = (rng.gamma(2.0, 3.5, size=n) * 365.25).astype(np.int64)
    age_days[bidders] += 2 * 365  # bidders have a track record before the tender years
    age_days = np.minimum(age_days, 30 * 365)
    established = end - age_days.astype("timedelta64[D]")
    established = np.maximum(established, np.datetime64("1990-01-01"))
    capital = np.round(np.exp(rng.normal(np.log(1e6), 1.2, size=n)) / 1e4) * 1e4
    capital[bidders] *= 3
    capital = np.maximum(capital, 1e4)

    young = (tender_start - established) < np.timedelta64(730, "D")
    z = rng.normal(0.0, 1.0, size=n) + np.array(nm.INDUSTRY_RISK)[industry] + 0.2 * young

    # registry identities: one legal representative per firm, a building and room, a phone
    legal_rep = np.arange(n, dtype=np.int64)
    next_person = n
    building = rng.integers(0, 20 * n, size=n)
    room = rng.integers(101, 2900, size=n)
    phone = rng.choice(90_000_000, size=n, replace=False) + 10_000_000 if n <= 5_000_000 else rng.integers(10_000_000, 99_999_999, n)

    pop = Population(n=n, ids=ids, region=region, industry=industry, established=established, capital=capital,
                     status=np.zeros(n, dtype=np.int8), z=z, violation_prob=np.zeros(n), legal_rep=legal_rep,
                     building=building, room=room, phone=phone, cartel=np.full(n, -1, dtype=np.int64),
                     parent=np.full(n, -1, dtype=np.int64), bidders=bidders, slot=slot, category=category,
                     buyers=buyers, region_names=region_names, next_person=next_person)

    # honest people who represent two firms (false leads for a shared-legal-rep relation)
    k = int(0.03 * n)
    a, b = rng.choice(n, size=k), rng.choice(n, size=k)
    pop.legal_rep[b] = pop.legal_rep[a]
    # honest corporate groups: a parent holds 51-100% of 1-4 subsidiaries, some share its legal representative
    n_groups = int(0.02 * n / 2.5)
    parents = rng.choice(n, size=n_groups, replace=False)
    for p in parents:
        subs = rng.choice(n, size=int(rng.integers(1, 5)), replace=False)
        subs = subs[(subs != p) & (pop.parent[subs] < 0)]
        pop.parent[subs] = p
        share_rep = subs[rng.random(len(subs)) < 0.3]
        pop.legal_rep[share_rep] = pop.legal_rep[p]

    _plant_office_clusters(rng, pop, cfg, size)
    _plant_cartels(rng, pop, cfg, size)
    _make_machines(rng, pop, cfg, agent_codes)

    pop.z = np.where(pop.cartel >= 0, pop.z + cfg.cartel_risk_shift, pop.z)
    a, b = cfg.violation_logit
    pop.violation_prob = _sigmoid(a + b * pop.z)
    revoked = rng.random(n) < _sigmoid(-4.2 + 1.2 * pop.z)
    cancelled = rng.random(n) < 0.03
    pop.status = np.where(revoked, 1, np.where(cancelled, 2, 0)).astype(np.int8)
    pop.status[bidders] = 0

    # buyers (government bodies and public institutions) with their region and activity
    pop.buyer_region = rng.choice(R, size=size.buyers, p=region_w)
    pop.buyer_region[:R] = np.arange(R)  # every region has a buyer
    pop.buyer_weight = np.exp(rng.normal(0, 1.0, size.buyers))
    # bill-of-quantities item catalogues
    chap = rng.integers(1, 18, 300)
    pop.catalog = {
        0: np.unique(np.char.add(np.char.add(np.char.zfill(chap.astype(str), 2),
                                             np.char.zfill(rng.integers(1, 20, 300).astype(str), 2)),
                                 np.char.zfill(rng.integers(1, 40, 300).astype(str), 5))),
        2: np.unique(np.char.add("G", np.char.zfill(rng.integers(1, 99999, 300).astype(str), 5))),
    }
    return pop


def _plant_office_clusters(rng, pop: Population, cfg, size) -> None:
    """Honest firms registered in one office building (some in the same room, some with one secretarial phone), and
    honest bidders that go online through the building's network (one public IP)."""
    n = pop.n
    n_clusters = max(2, int(np.ceil(cfg.office_cluster_share * n / 15)))
    pop.cluster = np.full(n, -1, dtype=np.int64)
    for c in range(n_clusters):
        r = int(rng.integers(0, len(size.regions)))
        k = int(5 + rng.poisson(10))
        local_bidders = pop.bidders[pop.region[pop.bidders] == r]
        local = np.flatnonzero(pop.region == r)
        kb = min(len(local_bidders), int(rng.binomial(k, 0.5)))
        members = np.unique(np.concatenate([rng.choice(local_bidders, size=kb, replace=False),
                                            rng.choice(local, size=min(len(local), k - kb), replace=False)]))
        members = members[pop.cluster[members] < 0]
        if len(members) < 2:
            continue
        pop.cluster[members] = c
        pop.building[members] = pop.building[members[0]]
        if rng.random() < 0.5:
            pop.room[members] = pop.room[members[0]]
        if rng.random() < 0.3:
            pop.phone[members] = pop.phone[members[0]]
    pop.cluster_ip = rng.integers(1 << 24, 223 << 24, size=n_clusters)


def _plant_cartels(rng, pop: Population, cfg, size) -> None:
    lo, hi = cfg.cartel_size
    sizes = np.arange(lo, hi + 1)
    size_w = 1.0 / (sizes - 1.5)
    size_w /= size_w.sum()
    schemes = [s for s in SCHEMES if cfg.schemes.get(s, 0) > 0]
    scheme_w = np.array([cfg.schemes[s] for s in schemes], dtype=float)
    scheme_w /= scheme_w.sum()
    cat_w = np.array(nm.CATEGORY_WEIGHTS) / sum(nm.CATEGORY_WEIGHTS)
    region_of_slot = pop.region[pop.bidders]
    for c in range(size.cartels):
        s = int(rng.choice(sizes, p=size_w))
        for _ in range(50):
            cat = int(rng.choice(len(cat_w), p=cat_w))
            reg = int(rng.integers(0, len(size.regions)))
            free = (pop.cartel[pop.bidders] < 0) & (pop.category == cat)
            local = np.flatnonzero(free & (region_of_slot == reg))
            if len(local) >= 2 * s:
                break
        else:  # a sparse market (small custom sizes): take free bidders of the category anywhere, then any free bidders
            local = np.flatnonzero(free)
            if len(local) < s:
                local = np.flatnonzero(pop.cartel[pop.bidders] < 0)
            s = min(s, len(local))
            if s < 2:
                break
        n_cross = int(rng.random() < 0.25)
        others = np.flatnonzero(free & (region_of_slot != reg))
        n_cross = min(n_cross, len(others), s - 2)
        chosen = np.concatenate([rng.choice(local, size=s - n_cross, replace=False),
                                 rng.choice(others, size=n_cross, replace=False)]).astype(np.int64)
        members = pop.bidders[chosen]
        pop.cartel[members] = c
        traces = {k: bool(rng.random() < cfg.traces.get(k, 0.0)) for k in TRACE_KINDS}
        if cat not in nm.BILL_CATEGORIES:
            traces["bill_copy"] = False
        if cat not in nm.PM_CATEGORIES:
            traces["project_manager"] = False
        cartel = Cartel(cartel_id=f"C{c + 1:04d}", members=members, category=cat, region=reg,
                        scheme=str(rng.choice(schemes, p=scheme_w)), traces=traces,
                        share=float(rng.uniform(*cfg.trace_share)),
                        coefficient=float(rng.uniform(0.008, 0.02)), level=float(rng.uniform(*cfg.winner_price)),
                        margin_hi=float(rng.uniform(min(cfg.cover_margin[0] + 0.01, cfg.cover_margin[1]), cfg.cover_margin[1])))
        if traces["registry"]:
            ties = tuple(rng.choice(REGISTRY_TIES, size=int(rng.integers(1, 3)), replace=False))
            cartel.registry_ties = ties
            for tie in ties:
                k = int(rng.integers(2, s + 1))
                tied = members[:1].tolist() + list(rng.choice(members[1:], size=k - 1, replace=False))
                hub, rest = tied[0], np.array(tied[1:])
                if tie == "legal_rep":
                    pop.legal_rep[rest] = pop.legal_rep[hub]
                elif tie == "address":
                    pop.building[rest] = pop.building[hub]
                    pop.room[rest] = pop.room[hub]
                elif tie == "phone":
                    pop.phone[rest] = pop.phone[hub]
                else:  # one person (the boss) holds a stake in each tied firm
                    boss = pop.next_person
                    pop.next_person += 1
                    for e in tied:
                        pop.extra_holders.append((int(e), boss, round(float(rng.uniform(0.15, 0.6)), 4)))
        pop.cartels.append(cartel)


def _make_machines(rng, pop: Population, cfg, agent_codes) -> None:
    """Each bidder's devices, file-creator name, CA certificate, deposit account, project managers, agent and habits."""
    nb = len(pop.bidders)
    m = {}
    m["ip"] = rng.integers(1 << 24, 223 << 24, size=(nb, 2))
    m["mac"] = nm.mac_strings(rng, 2 * nb).reshape(nb, 2)
    m["device"] = np.char.add("DEV-", nm.hex_strings(rng, 2 * nb, 6, upper=True).astype(str)).astype(object).reshape(nb, 2)
    default = rng.random(nb) < 0.45
    creator = nm.pinyin_names(rng, nb)
    creator = np.where(default, nm.DEFAULT_CREATORS[rng.integers(0, len(nm.DEFAULT_CREATORS), nb)], creator)
    m["creator"] = creator.astype(object)
    m["ca"] = nm.hex_strings(rng, nb, 8, upper=True)
    m["deposit"] = np.char.add("6222", rng.integers(10**14, 10**15 - 1, nb).astype(str)).astype(object)
    m["pm_count"] = rng.integers(1, 4, nb)
    m["pm"] = pop.next_person + np.arange(3 * nb).reshape(nb, 3)
    pop.next_person += 3 * nb
    n_agents = len(agent_codes)
    agent = np.where(rng.random(nb) < cfg.agent_share, rng.integers(0, n_agents, nb), -1)
    m["agent"] = agent
    pop.agents = {"codes": agent_codes, "creator": nm.pinyin_names(rng, n_agents)}
    pop.weight = np.exp(rng.normal(0.0, 0.6, nb))
    pop.efficiency = rng.normal(0.0, 0.04, nb)
    pop.machines = m
