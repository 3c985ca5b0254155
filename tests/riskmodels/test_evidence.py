"""`riskmodels.evidence.Evidence`: one dataset loaded once, each stage of evidence computed once and shared by scoring,
training and the case file; the same tables as computing them directly."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodels.evidence import Evidence, anonymous_bidders


def _market(path, seed=0, n=60):
    """Named bidders (a ring of three that keeps meeting, with tight prices, and six others), tenders with labels."""
    rng = np.random.default_rng(seed)
    ring, others = ["R1", "R2", "R3"], [f"F{i}" for i in range(6)]
    tenders, bids = [], []
    for t in range(n):
        tid = f"T{t:03d}"
        coll = t % 3 == 0
        who = ring + list(rng.choice(others, 1)) if coll else list(rng.choice(others, int(rng.integers(3, 6)), replace=False))
        spread = 0.01 if coll else 0.15
        p = 1e5 * (1 + spread * rng.standard_normal(len(who)))
        tenders.append({"tender_id": tid, "collusive": int(coll), "published_at": f"2024-{1 + t % 12:02d}-01"})
        for b, x in zip(who, p):
            bids.append({"tender_id": tid, "bidder_id": b, "price": round(float(x), 2), "is_winner": int(x == p.min())})
    path.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(tenders).to_csv(path / "tenders.csv", index=False)
    pd.DataFrame(bids).to_csv(path / "bids.csv", index=False)
    pd.DataFrame({"enterprise_id": ring + others, "name": [f"firm {x}" for x in ring + others]}).to_csv(
        path / "enterprises.csv", index=False)
    return path


@pytest.fixture
def counted(monkeypatch):
    """Calls of each stage's computation, counted where `Evidence` calls them."""
    import features.evidence.flags as flags
    import features.evidence.pairs as pairs
    import features.evidence.screens as screens
    import graphs.pipeline as gp

    calls = {"screens": 0, "bid_pairs": 0, "flags": 0, "graph": 0}

    def count(name, fn):
        def wrapped(*a, **k):
            calls[name] += 1
            return fn(*a, **k)
        return wrapped

    monkeypatch.setattr(screens, "tender_screens", count("screens", screens.tender_screens))
    monkeypatch.setattr(pairs, "bid_pairs", count("bid_pairs", pairs.bid_pairs))
    monkeypatch.setattr(flags, "collusion_flags", count("flags", flags.collusion_flags))
    monkeypatch.setattr(gp, "analyse", count("graph", gp.analyse))
    return calls


def test_scoring_training_and_the_case_file_share_one_computation_of_each_stage(tmp_path, counted):
    from riskmodels.collusion.pipeline import score_dataset, train
    from riskmodels.report.casefile import gather_evidence

    ev = Evidence.load(_market(tmp_path / "m"))
    scored = score_dataset(ev)
    first = dict(counted)
    # the flags and the graph once; screens and pairs of bids also inside the flags' and the graph's own steps, which
    # run per partition on the engine's workers (R022's spreads, A40.1's pairs, the graph's bidder pairs)
    assert first["flags"] == 1 and first["graph"] == 1 and first["screens"] <= 2 and first["bid_pairs"] <= 3
    train([ev], kind="full", graph=True, flags=True, min_bids=3, method="lightgbm", params={"n_estimators": 20})
    case = gather_evidence(ev)
    assert counted == first  # training and the case file compute nothing again
    assert case.groups is ev.groups and case.findings is ev.findings
    assert scored["scores"]["tender_id"].tolist() == case.scores["tender_id"].tolist()


def test_the_tender_table_is_the_direct_one_and_min_bids_only_filters_rows(tmp_path):
    from features.io.dataset import load_dataset
    from riskmodels.collusion.batch import complete_flags, flag_codes
    from riskmodels.collusion.tables import flag_table, tender_feature_table

    ds = load_dataset(_market(tmp_path / "m"))
    ev = Evidence(ds)
    direct = tender_feature_table(ds.get("bids"), ds.get("tenders"), flags=flag_table(ev.findings))
    direct = complete_flags(direct, flag_codes())  # every flag that ran has its column, 0 where it found nothing
    pd.testing.assert_frame_equal(ev.tender_table(flags=True), direct)
    three = ev.tender_table(flags=True, min_bids=3)
    assert (three["n_bids"] >= 3).all() and len(three) == int((direct["n_bids"] >= 3).sum())
    three.loc[:, "n_bids"] = -1  # a consumer's copy: the kept table is not changed
    assert (ev.tender_table(flags=True)["n_bids"] > 0).all()


def test_the_graph_groups_read_the_shared_screens(tmp_path):
    from graphs.pipeline import analyse

    ev = Evidence.load(_market(tmp_path / "m"))
    alone, _, _ = analyse(ev.ds, ev.settings)
    pd.testing.assert_frame_equal(ev.groups, alone)
    assert {"R1", "R2", "R3"} <= set(ev.groups["members"].iloc[0].split(";"))


def test_of_reuses_and_drop_graphs_keeps_the_groups(tmp_path):
    ev = Evidence.load(_market(tmp_path / "m"))
    assert Evidence.of(ev) is ev and not anonymous_bidders(ev.bids)
    groups = ev.groups
    ev.drop_graphs()
    assert ev.graph.graphs is None and ev.groups is groups and ev.relations is None


def test_no_bids_is_one_input_error(tmp_path):
    from features.core.errors import InputError

    d = tmp_path / "empty"
    d.mkdir()
    pd.DataFrame({"tender_id": ["T1"]}).to_csv(d / "tenders.csv", index=False)
    with pytest.raises(InputError, match="bids"):
        Evidence.load(d).flags
