"""Point-in-time enterprise features: no feature reads a record dated on or after as_of; window counts equal a slow
readable reference; ties to listed firms through legal representatives and shareholders."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from features.io import codes
from features.enterprise import enterprise_features, event_kind, risk_directions


AS_OF = pd.Timestamp("2024-06-01")


def _world(rng, n_firms=40, n_events=600, start="2020-01-01", end="2024-05-31"):
    ids = [f"E{i:03d}" for i in range(n_firms)]
    days = pd.date_range(start, end, freq="D")
    ev = pd.DataFrame({"enterprise_id": rng.choice(ids, n_events), "occurred_on": rng.choice(days, n_events),
                       "event_type": rng.choice(list(codes.EVENT_TYPES) + ["something else"], n_events),
                       "severity": rng.integers(0, 4, n_events).astype(float),
                       "amount": rng.uniform(100, 10000, n_events)})
    ins = pd.DataFrame({"enterprise_id": rng.choice(ids, 200), "inspected_on": rng.choice(days, 200),
                        "department": "market_regulation", "result": rng.choice(["pass", "fail", "not_found"], 200),
                        "penalty": rng.uniform(0, 5000, 200)})
    ent = pd.DataFrame({"enterprise_id": ids, "legal_rep_id": [f"P{i % 25}" for i in range(n_firms)],
                        "established_on": rng.choice(pd.date_range("2000-01-01", "2023-01-01"), n_firms),
                        "registered_capital": rng.uniform(1e5, 1e7, n_firms),
                        "industry": rng.choice(["retail", "construction"], n_firms), "region": "R1"})
    sh = pd.DataFrame({"enterprise_id": ids[:20], "holder_id": [f"H{i % 7}" for i in range(20)]})
    sh = pd.concat([sh, pd.DataFrame({"enterprise_id": ["E030"], "holder_id": ["E031"]})], ignore_index=True)
    tenders = pd.DataFrame({"tender_id": [f"T{i}" for i in range(60)],
                            "published_at": rng.choice(days, 60)})
    bids = pd.DataFrame({"tender_id": rng.choice(tenders["tender_id"], 300), "bidder_id": rng.choice(ids, 300),
                         "price": 1.0, "is_winner": rng.integers(0, 2, 300).astype(float),
                         "status": rng.choice(["valid", "disqualified"], 300)})
    bids["submitted_at"] = bids["tender_id"].map(tenders.set_index("tender_id")["published_at"])
    scores = pd.DataFrame({"tender_id": tenders["tender_id"], "score": rng.uniform(0, 1, 60)})
    groups = pd.DataFrame({"bidder_id": ids[:6], "group_id": ["G1"] * 3 + ["G2"] * 3})
    return dict(credit_events=ev, inspections=ins, enterprises=ent, shareholders=sh, bids=bids, tenders=tenders,
                collusion_scores=scores, group_members=groups)


def _features(w, queries):
    return enterprise_features(queries, **w)


def test_future_records_change_nothing():
    rng = np.random.default_rng(0)
    w = _world(rng)
    q = pd.DataFrame({"enterprise_id": w["enterprises"]["enterprise_id"], "as_of": AS_OF})
    before = _features(w, q)
    # records dated on the as-of day and after it, for every table, including serious-list entries of linked firms
    fut = _world(np.random.default_rng(1), start=AS_OF.strftime("%Y-%m-%d"), end="2026-01-01")
    fut["credit_events"] = pd.concat([fut["credit_events"], pd.DataFrame(
        {"enterprise_id": w["enterprises"]["enterprise_id"], "occurred_on": AS_OF,
         "event_type": codes.SERIOUS_DISHONEST_LIST, "severity": 3.0, "amount": 0.0})])
    w2 = dict(w)
    for name in ("credit_events", "inspections", "tenders", "collusion_scores"):
        w2[name] = pd.concat([w[name], fut[name]], ignore_index=True)
    new_bids = fut["bids"].copy()
    new_bids["tender_id"] = new_bids["tender_id"] + "-future"
    fut_tenders = fut["tenders"].assign(tender_id=fut["tenders"]["tender_id"] + "-future")
    w2["tenders"] = pd.concat([w["tenders"], fut_tenders], ignore_index=True)
    w2["bids"] = pd.concat([w["bids"], new_bids], ignore_index=True)
    w2["collusion_scores"] = pd.concat([w["collusion_scores"], fut["collusion_scores"].assign(
        tender_id=fut["collusion_scores"]["tender_id"] + "-future")], ignore_index=True)
    after = _features(w2, q)
    assert before.shape[1] > 60
    assert (before["administrative_penalty_n_1095d"] > 0).any() and (before["insp_n_1095d"] > 0).any()
    pd.testing.assert_frame_equal(before, after)
    # and the same records do count once as_of moves past them
    later = _features(w2, q.assign(as_of=pd.Timestamp("2026-02-01")))
    assert (later["on_serious_list"] == 1).all()


def _ref_count(ev, eid, as_of, kind, window):
    lo = as_of - pd.Timedelta(days=window)
    m = (ev["enterprise_id"] == eid) & (ev["kind"] == kind) & (ev["occurred_on"] < as_of) & (ev["occurred_on"] >= lo)
    return int(m.sum())


def test_window_counts_match_slow_reference():
    rng = np.random.default_rng(3)
    w = _world(rng)
    ids = w["enterprises"]["enterprise_id"]
    q = pd.DataFrame({"enterprise_id": rng.choice(ids, 20),
                      "as_of": rng.choice(pd.date_range("2021-01-01", "2024-12-31"), 20)})
    f = enterprise_features(q, credit_events=w["credit_events"], inspections=w["inspections"])
    ev = w["credit_events"].assign(kind=event_kind(w["credit_events"]["event_type"]))
    ins = w["inspections"]
    for i, (eid, as_of) in enumerate(zip(q["enterprise_id"], q["as_of"])):
        for kind in (codes.ADMINISTRATIVE_PENALTY, codes.COURT_JUDGMENT, "other"):
            for win in (90, 365, 1095):
                assert f.at[i, f"{kind}_n_{win}d"] == _ref_count(ev, eid, as_of, kind, win)
        past = ev[(ev["enterprise_id"] == eid) & (ev["occurred_on"] < as_of) & (ev["kind"] == codes.LOAN_DEFAULT)]
        exp = (as_of - past["occurred_on"].max()).days if len(past) else np.nan
        assert f.at[i, "loan_default_days_since"] == pytest.approx(exp, nan_ok=True)
        win = ins[(ins["enterprise_id"] == eid) & (ins["inspected_on"] < as_of)
                  & (ins["inspected_on"] >= as_of - pd.Timedelta(days=365))]
        assert f.at[i, "insp_n_365d"] == len(win)
        assert f.at[i, "insp_fail_n_365d"] == (win["result"] == "fail").sum()
        assert f.at[i, "insp_penalty_365d"] == pytest.approx(win["penalty"].sum())
        if len(win):
            assert f.at[i, "insp_fail_rate_365d"] == pytest.approx((win["result"] == "fail").mean())
        else:
            assert np.isnan(f.at[i, "insp_fail_rate_365d"])


def test_ties_bidding_and_registry():
    ent = pd.DataFrame({"enterprise_id": ["A", "B", "C", "D", "E"], "legal_rep_id": ["P1", "P1", "P2", "P3", "P4"],
                        "established_on": pd.to_datetime(["2020-01-01"] * 4 + ["2025-01-01"]),
                        "registered_capital": [1e6, 1e6, 1e6, 1e6, 1e6], "industry": ["x", "y", "x", "x", None]})
    sh = pd.DataFrame({"enterprise_id": ["C", "D", "E"], "holder_id": ["H1", "H1", "B"]})
    ev = pd.DataFrame({"enterprise_id": ["B", "B"], "occurred_on": pd.to_datetime(["2023-05-01", "2024-07-01"]),
                       "event_type": ["严重违法失信名单", codes.SERIOUS_DISHONEST_LIST]})
    q = pd.DataFrame({"enterprise_id": ["A", "B", "C", "D", "E"], "as_of": AS_OF})
    f = enterprise_features(q, credit_events=ev, enterprises=ent, shareholders=sh)
    assert f["ties_serious_legal_rep"].tolist() == [1, 0, 0, 0, 0]  # B's own entry is not a tie; the 2024-07 one is future
    assert f["ties_serious_shareholder"].tolist() == [0, 0, 0, 0, 1]  # E is held by the listed firm B
    assert f["on_serious_list"].tolist() == [0, 1, 0, 0, 0]
    assert f["has_history"].tolist() == [0, 1, 0, 0, 0]
    assert f.at[0, "age_days"] == (AS_OF - pd.Timestamp("2020-01-01")).days
    assert np.isnan(f.at[4, "age_days"])  # established after as_of
    assert isinstance(f["industry"].dtype, pd.CategoricalDtype)

    bids = pd.DataFrame({"tender_id": ["T1", "T2", "T3"], "bidder_id": ["A", "A", "A"], "price": 1.0,
                         "is_winner": [1.0, 0.0, 1.0], "status": ["valid", "disqualified", "valid"],
                         "submitted_at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-06-02"])})
    scores = pd.DataFrame({"tender_id": ["T1", "T2", "T3"], "score": [0.2, 0.6, 0.99]})
    g = pd.DataFrame({"enterprise_id": ["A", "C"], "group_id": ["G", "G"]})
    f = enterprise_features(q, bids=bids, collusion_scores=scores, group_members=g, windows=(365,))
    assert f.at[0, "bid_n_365d"] == 2 and f.at[0, "bid_win_rate_365d"] == 0.5 and f.at[0, "bid_disq_rate_365d"] == 0.5
    assert f.at[0, "bid_collusion_mean_365d"] == pytest.approx(0.4)
    assert f.at[0, "bid_collusion_max_365d"] == pytest.approx(0.6)  # T3 is after as_of
    assert f["in_suspicious_group"].tolist() == [1, 0, 1, 0, 0]


def test_event_kinds_and_directions():
    kinds = event_kind(pd.Series(["行政处罚", "Administrative Penalty", "loan_default", "经营异常名录", "weird", None]))
    assert kinds.tolist() == [codes.ADMINISTRATIVE_PENALTY, codes.ADMINISTRATIVE_PENALTY, codes.LOAN_DEFAULT,
                              codes.ABNORMAL_OPERATION_LIST, "other", "other"]
    d = risk_directions(["administrative_penalty_n_365d", "commendation_n_90d", "age_days", "ties_serious_legal_rep"])
    assert d == {"administrative_penalty_n_365d": 1, "commendation_n_90d": -1, "ties_serious_legal_rep": 1}


def test_a_block_of_firms_with_the_whole_list_entries_has_the_whole_table_features():
    """A worker's block holds its firms' own events only; given the serious-list entries of every firm, its features
    (ties to listed firms through a shared legal representative or shareholder included) are the whole table's."""
    from features.enterprise import serious_list_entries

    ents = pd.DataFrame({"enterprise_id": ["A", "B", "C", "D"], "legal_rep_id": ["p1", "p1", "p2", "p3"]})
    holders = pd.DataFrame({"enterprise_id": ["C", "D"], "holder_id": ["h9", "h9"], "share": [0.5, 0.6]})
    events = pd.DataFrame({"enterprise_id": ["A", "D", "B", "C", "A"],
                           "occurred_on": pd.to_datetime(["2023-01-05", "2023-02-01", "2023-03-01", "2022-06-01", "2023-04-01"]),
                           "event_type": [codes.SERIOUS_DISHONEST_LIST, codes.SERIOUS_DISHONEST_LIST, "tax_arrears",
                                          "administrative_penalty", "tax_arrears"],
                           "severity": [3.0, 3.0, 1.0, 2.0, 1.0], "amount": [0.0, 0.0, 10.0, 500.0, 5.0]})
    queries = pd.DataFrame({"enterprise_id": ["B", "C", "A", "D"], "as_of": pd.to_datetime(["2024-01-01"] * 4)})
    whole = enterprise_features(queries, credit_events=events, enterprises=ents, shareholders=holders)
    assert whole.set_index("enterprise_id").loc[["B", "C"], ["ties_serious_legal_rep", "ties_serious_shareholder"]].to_numpy().tolist() \
        == [[1.0, 0.0], [0.0, 1.0]]
    entries = serious_list_entries(events)
    for block in (["B", "C"], ["A", "D"]):
        q = queries[queries["enterprise_id"].isin(block)].reset_index(drop=True)
        own = events[events["enterprise_id"].isin(block)]
        got = enterprise_features(q, credit_events=own, enterprises=ents, shareholders=holders, list_entries=entries)
        want = whole[whole["enterprise_id"].isin(block)].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        alone = enterprise_features(q, credit_events=own, enterprises=ents, shareholders=holders)
        if block == ["B", "C"]:  # without the entries, the block cannot see A's and D's listings
            assert alone["ties_serious_legal_rep"].sum() == 0


def test_window_sums_of_a_firm_do_not_depend_on_the_other_firms_records():
    """Running sums restart at each firm: a firm's sums are the same to the last bit whether or not huge amounts of other
    firms sort before it (a block of firms on a worker gives what the whole table gives)."""
    rng = np.random.default_rng(2)
    n = 400
    events = pd.DataFrame({"enterprise_id": rng.choice(["A", "B", "C", "D"], n),
                           "occurred_on": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1400, n), "D"),
                           "event_type": "administrative_penalty", "severity": rng.uniform(1, 3, n),
                           "amount": rng.uniform(0, 1, n) * np.where(rng.random(n) < 0.5, 1e15, 0.1)})
    queries = pd.DataFrame({"enterprise_id": ["D", "C"], "as_of": pd.to_datetime(["2023-06-01", "2023-06-01"])})
    whole = enterprise_features(pd.concat([pd.DataFrame({"enterprise_id": ["A", "B"], "as_of": queries["as_of"]}), queries],
                                          ignore_index=True), credit_events=events).iloc[2:].reset_index(drop=True)
    alone = enterprise_features(queries, credit_events=events[events["enterprise_id"].isin(["C", "D"])])
    pd.testing.assert_frame_equal(alone, whole, check_exact=True)
    ref = events[(events["enterprise_id"] == "D") & (events["occurred_on"] < pd.Timestamp("2023-06-01"))
                 & (events["occurred_on"] >= pd.Timestamp("2023-06-01") - pd.Timedelta(days=365))]["amount"]
    assert whole.loc[0, "penalty_amount_365d"] == pytest.approx(ref.sum(), rel=1e-12)
