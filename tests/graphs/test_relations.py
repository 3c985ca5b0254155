"""Relations on the engine (`graphs.relations.relation_pairs`): the pairs made per bucket of values are the pairs of the
whole table (checked against a brute-force count), whatever the number of partitions; too-common values are skipped
and counted once; the restriction to the bidders; the vectorised holding chains against the one-by-one walk; ties in
`relation_strength` that do not depend on the row order. The same tables through Dask workers: tests/test_engine.py."""
from __future__ import annotations
from __future__ import annotations

import itertools
import numpy as np
import pandas as pd
import pytest
from features import engine
from graphs import relations


MAX_FIRMS = 5


class Partitioned(engine.PandasEngine):
    """The pandas engine cutting every table into `n` partitions and `n` buckets (the Dask engine's plan, in process)."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def partitions(self, rows: int) -> int:
        return self.n


def related_world(seed: int = 3):
    """(enterprises, shareholders, bids, bidders): 40 firms whose legal representatives, addresses (rooms of a few
    buildings), phones and bid metadata are shared by two to eight firms (more than `MAX_FIRMS` for a few values, which
    are skipped), with blanks and spellings the normalisation folds together, holdings in chains and a cycle, and 30 of
    the firms bidding."""
    rng = np.random.default_rng(seed)
    ids = [f"E{i:02d}" for i in range(40)]
    rooms = ["Room 5", "room 7", "Rm 9", "5室", ""]
    ent = pd.DataFrame({
        "enterprise_id": ids,
        "legal_rep_id": [f"P{rng.integers(0, 18)}" if i % 7 else None for i in range(40)],
        "address": [("Tower, " if i < 8 else f"Lane {rng.integers(0, 5)}, ") + rng.choice(rooms) for i in range(40)],
        "phone": [["+86 13800000000", "138-0000-0000", "(0086)138 0000 0000"][i] if i < 3
                 else rng.choice([f"0755 {rng.integers(0, 12):04d}", "n/a", "12"]) for i in range(40)],
    })
    ent.loc[0, "address"] = "TOWER room 5"  # the same address as "Tower, Room 5" once normalised
    sh = pd.DataFrame({"enterprise_id": ["E00", "E01", "E02", "E03", "E04", "E05", "E06", "E07", "E08", "E09"],
                       "holder_id": ["E01", "E02", "H1", "H1", "E03", "E04", "H2", "H2", "E09", "E08"],
                       "share": [60, 0.5, 1.0, None, 0.3, 0.9, 0.2, 0.2, 1.0, 1.0]})
    bidders = ids[10:]
    rows = []
    for t in range(60):
        for b in rng.choice(bidders, size=4, replace=False):
            rows.append({"tender_id": f"T{t:02d}", "bidder_id": b, "device_id": f"DEV-{rng.integers(0, 25)}",
                         "ip": rng.choice([f"10.0.0.{rng.integers(0, 12)}", " ", "unknown"]),
                         "file_creator": rng.choice(["Administrator", "admin", f"user{rng.integers(0, 30)}"]),
                         "mac": None})
    bids = pd.DataFrame(rows)
    return ent, sh, bids, set(bidders[:30]) | {"E00", "E01", "E02"}


def brute_force(ent, sh, bids, firms, max_firms=MAX_FIRMS):
    """The relation table and skipped counts by counting every value's firms in plain Python."""
    found, skipped = [], {}

    def pairs(rel, firm, value):
        holders: dict = {}
        for f, v in zip(firm.astype(str), value):
            if isinstance(v, str) and v != "":
                holders.setdefault(v, set()).add(f)
        skipped[rel] = sum(len(fs) > max_firms for fs in holders.values())
        for v, fs in holders.items():
            if 2 <= len(fs) <= max_firms:
                for a, b in itertools.combinations(sorted(fs), 2):
                    found.append((a, b, rel, v, len(fs), 1.0 / (len(fs) - 1)))

    norms = {"legal_rep": relations._norm_id, "address": relations._norm_address,
             "building": relations._norm_building, "phone": relations._norm_phone}
    for rel, col in relations._REG_COLUMNS.items():
        pairs(rel, ent["enterprise_id"], norms[rel](ent[col]).astype(object).where(lambda s: s.notna(), None))
    clo = relations.holdings_closure(sh)
    pairs("shareholder", clo["enterprise_id"], clo["holder_id"])
    own = relations._holding_pairs(clo)
    found += list(own.itertuples(index=False, name=None))
    for rel in relations.BID_RELATIONS:
        if rel in bids.columns:
            pairs(rel, bids["bidder_id"], relations._norm_id(bids[rel]).astype(object).where(lambda s: s.notna(), None))
    out = pd.DataFrame(found, columns=["firm_a", "firm_b", "relation", "value", "n_firms", "weight"])
    out = out[out["firm_a"].isin(firms) & out["firm_b"].isin(firms)]
    return out.sort_values(relations.PAIR_ORDER, ignore_index=True), skipped


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({c: object for c in ("firm_a", "firm_b", "relation", "value")}).reset_index(drop=True)


@pytest.mark.parametrize("n", [1, 4])
def test_pairs_made_per_bucket_of_values_are_the_whole_table_pairs(n):
    ent, sh, bids, firms = related_world()
    # the test means something: firms that share a value lie in different partitions
    part = dict(zip(ent["enterprise_id"], engine.partition_of(ent["enterprise_id"], 4)))
    tower = relations._norm_building(ent["address"]).eq("tower").to_numpy()
    assert len({part[f] for f in ent.loc[tower, "enterprise_id"]}) > 1
    with engine.using(Partitioned(n)):
        got, skipped = relations.relation_pairs(ent, sh, bids, max_firms=MAX_FIRMS, firms=firms)
    want, want_skipped = brute_force(ent, sh, bids, firms)
    pd.testing.assert_frame_equal(_plain(got), _plain(want), check_dtype=False)
    assert skipped == want_skipped and list(skipped) == list(want_skipped)  # the same keys in the same order
    assert skipped["building"] >= 1 and skipped["file_creator"] >= 1  # too-common values skipped and counted once
    assert "mac" in skipped and not (got["relation"] == "mac").any()  # a column without values ties nobody
    assert set(got["relation"]) >= {"legal_rep", "address", "building", "phone", "shareholder", "device_id", "ip"}
    assert set(got["firm_a"]) | set(got["firm_b"]) <= firms  # only the bidders' pairs come back
    assert not got.duplicated(relations.PAIR_ORDER).any()
    assert got.equals(got.sort_values(relations.PAIR_ORDER, ignore_index=True))  # the documented order


def test_every_engine_plan_gives_the_same_table_and_unrestricted_pairs():
    ent, sh, bids, _ = related_world(seed=11)
    one, s1 = relations.relation_pairs(ent, sh, bids, max_firms=MAX_FIRMS, eng=engine.PandasEngine())
    for n in (2, 7):
        many, s2 = relations.relation_pairs(ent, sh, bids, max_firms=MAX_FIRMS, eng=Partitioned(n))
        pd.testing.assert_frame_equal(one, many)
        assert s1 == s2
    assert not set(one["firm_a"]).issubset(set(bids["bidder_id"]))  # without `firms`: the registry's pairs too
    only_registry, s3 = relations.relation_pairs(ent, max_firms=MAX_FIRMS, eng=Partitioned(3))
    assert list(s3) == ["legal_rep", "address", "building", "phone"]
    pd.testing.assert_frame_equal(only_registry, one[one["relation"].isin(list(s3))].reset_index(drop=True))
    # the partitions are the engine's (a firm's rows in one partition), each distinct id hashed once
    for n in (1, 4):
        assert ([p.index.tolist() for p in relations._split(bids, "bidder_id", n)]
                == [p.index.tolist() for p in engine.split_frame(bids, "bidder_id", n)])
    empty, s4 = relations.relation_pairs(eng=Partitioned(3))
    assert empty.empty and s4 == {} and list(empty.columns) == ["firm_a", "firm_b", "relation", "value", "n_firms",
                                                                 "weight"]


def test_vectorised_holding_chains_are_the_walk_one_by_one():
    rng = np.random.default_rng(5)
    firms = [f"F{i}" for i in range(60)]
    n = 200
    sh = pd.DataFrame({"enterprise_id": rng.choice(firms, n),
                       "holder_id": np.where(rng.random(n) < 0.4, rng.choice(firms, n), rng.choice(["P1", "P2", "P3", "P4"], n)),
                       "share": np.where(rng.random(n) < 0.2, np.nan, rng.choice([0.1, 0.5, 1.0, 30.0, 100.0], n))})
    e = sh["enterprise_id"].astype(str).to_numpy(dtype=object)
    h = sh["holder_id"].astype(str).to_numpy(dtype=object)
    for depth in (0, 1, 2, 6):
        got = relations.holdings_closure(sh, max_depth=depth)
        clean = pd.to_numeric(sh["share"], errors="coerce")
        clean = clean.where(clean <= 1, clean / 100.0).fillna(1.0).clip(0, 1).to_numpy(dtype=float)
        walk = pd.DataFrame(relations._closure_rows(e, h, clean, depth, range(n)),
                            columns=["enterprise_id", "holder_id", "share", "depth"])
        pd.testing.assert_frame_equal(got, walk, check_dtype=False)
    deep = relations.holdings_closure(sh)
    assert (deep["depth"] > 2).any() and len(deep) > n // 2  # chains of holdings were followed


def test_relation_strength_does_not_depend_on_the_row_order():
    ent, sh, bids, firms = related_world()
    pairs, _ = relations.relation_pairs(ent, sh, bids, max_firms=MAX_FIRMS, firms=firms)
    st = relations.relation_strength(pairs)
    for seed in range(3):
        pd.testing.assert_frame_equal(st, relations.relation_strength(pairs.sample(frac=1, random_state=seed)))
    # a tie between relations goes to the first in RELATIONS; the relations are listed strongest first
    tie = pd.DataFrame({"firm_a": ["A", "A", "A"], "firm_b": ["B", "B", "B"],
                        "relation": ["ip", "device_id", "device_id"], "value": ["1.2.3.4", "dev-2", "dev-1"],
                        "n_firms": [2, 2, 2], "weight": [1.0, 1.0, 1.0]})
    row = relations.relation_strength(tie).iloc[0]
    assert row["top_value"] == "device_id=dev-1" and row["relations"] == "device_id;ip" and row["strength"] == 2.0


# ------------------------------------------------------------------------------------------------------------ relations
def test_specificity_weight_and_too_common_values():
    firms = pd.Series([f"E{i}" for i in range(40)])
    addr = pd.Series(["Tower"] * 30 + ["Lane 1", "Lane 1"] + [f"Road {i}" for i in range(8)])
    p, skipped = relations.value_pairs(firms, addr, "address", max_firms=50)
    tower = p[p["value"] == "Tower"]
    assert len(tower) == 30 * 29 // 2 and np.allclose(tower["weight"], 1 / 29)
    assert p.loc[p["value"] == "Lane 1", "weight"].tolist() == [1.0]
    p2, skipped2 = relations.value_pairs(firms, addr, "address", max_firms=10)
    assert skipped2 == 1 and "Tower" not in set(p2["value"])


def test_holdings_chain_ties_firms_through_a_common_controller():
    sh = pd.DataFrame({"enterprise_id": ["A", "H1", "B", "C"], "holder_id": ["H1", "P", "P", "Q"],
                       "share": [0.6, 1.0, 0.3, 1.0]})
    clo = relations.holdings_closure(sh).set_index(["enterprise_id", "holder_id"])
    assert clo.loc[("A", "P"), "share"] == pytest.approx(0.6) and clo.loc[("A", "P"), "depth"] == 2
    p, _ = relations.shareholder_pairs(sh)
    pairs = set(zip(p["firm_a"], p["firm_b"]))
    assert ("A", "B") in pairs          # both controlled by P, A through H1
    assert ("A", "H1") in pairs         # H1 holds A
    assert not any("C" in pr for pr in pairs if "Q" not in pr)  # C's holder Q holds nobody else
    p_strict, _ = relations.shareholder_pairs(sh, min_share=0.5)
    assert ("A", "B") not in set(zip(p_strict["firm_a"], p_strict["firm_b"]))  # B's 30% is below the threshold


def test_relation_strength_is_multiplex():
    ent = pd.DataFrame({"enterprise_id": ["A", "B", "C"], "legal_rep_id": ["P1", "P1", "P2"],
                        "address": ["X Road 1, Room 5", "x road 1 room 5", "X Road 1 Room 7"],
                        "phone": ["+86 13800000000", "13800000000", None]})
    rel, _ = relations.relation_pairs(ent)
    st = relations.relation_strength(rel).set_index(["firm_a", "firm_b"])
    ab = st.loc[("A", "B")]
    assert ab["legal_rep"] == 1.0 and ab["address"] == 1.0 and ab["phone"] == 1.0 and ab["building"] == 0.5
    assert set(ab["relations"].split(";")) == {"legal_rep", "address", "phone", "building"}
    assert st.loc[("A", "C"), "relations"] == "building"  # same building, other room: the weak tie only
