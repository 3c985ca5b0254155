"""The 'beyond Cardinal' codes on canonical bids (R022 R023 R029 R034 R053 R057): a true case, a near miss, the published
statistics, and the same flags through the OCDS engine."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from features.evidence.indicators import engine
from features.evidence.indicators.config import build
from features.evidence.indicators import REGISTRY
from features.imports.ocds import read_processes


def frame(rows):
    df = pd.DataFrame(rows, columns=["tender_id", "bidder_id", "price", "is_winner", "submitted_at"][:len(rows[0])])
    df["status"] = "valid"
    return df


def compute(code, bids, **settings):
    return REGISTRY[code].compute(bids, REGISTRY[code].Settings(**settings), {})


def test_r022_wide_disparity():
    rows = [(f"T{k}", b, 100 * (1 + 0.01 * i) + k) for k in range(12) for i, b in enumerate("ABC")]
    rows += [("W", "A", 100.0), ("W", "B", 160.0), ("W", "C", 230.0)]          # wide: flagged
    rows += [("N", "A", 100.0), ("N", "B", 101.0)]                                # two bids only: left out
    res = compute("R022", frame(rows))
    assert set(res.results["OCID"]) == {"W"}
    assert res.results["OCID"]["W"] == pytest.approx(np.std([100, 160, 230], ddof=1) / np.mean([100, 160, 230]))
    assert set(res.meta) == {"tenders", "q1", "q3", "upper_fence"} and res.meta["tenders"] == 13
    assert "range from 100 to 230" in res.evidence[0]["evidence"]


def test_r023_fixed_gap_whichever_firm_is_higher():
    rows = []
    for k in range(4):  # A and B 5% apart in 4 tenders, B higher in 3 and A in 1
        lo = 1000.0 + 37 * k
        a, b = (lo, lo * 1.05) if k else (lo * 1.05, lo)
        rows += [(f"T{k}", "A", a), (f"T{k}", "B", b)]
    for k in range(4):  # C and D: gaps of 2%, 6%, 3%, 5%
        rows += [(f"U{k}", "C", 1000.0), (f"U{k}", "D", 1000.0 * (1.02, 1.06, 1.03, 1.05)[k])]
    for k in range(3):  # E and F: fixed gap but only 3 tenders
        rows += [(f"V{k}", "E", 1000.0), (f"V{k}", "F", 1040.0)]
    res = compute("R023", frame(rows))
    assert set(res.results["Tenderer"]) == {"A", "B"}
    assert res.results["Tenderer"]["A"] == pytest.approx(0.05)
    assert set(res.results["OCID"]) == {"T0", "T1", "T2", "T3"}
    assert "A higher in 1, B higher in 3" in res.evidence[0]["evidence"]
    assert res.meta["pairs"] == 2 and res.meta["pairs_flagged"] == 1


def test_r029_benford_and_round_numbers():
    rng = np.random.default_rng(0)
    benford = 10 ** rng.uniform(4, 7, 200)                  # log-uniform prices follow Benford
    rows = [(f"T{k}", "H", p) for k, p in enumerate(benford)]
    rows += [(f"T{k}", "R", round(p, -4) if p > 1e5 else round(p, -3)) for k, p in enumerate(benford[:60])]   # round prices
    rows += [(f"T{k}", "U", p) for k, p in enumerate(rng.uniform(5e5, 9.9e5, 60))]                          # all start 5-9
    rows += [(f"T{k}", f"Z{k % 10}", p) for k, p in enumerate(benford[:150])]                               # ten more honest
    res = compute("R029", frame(rows), minimum_bids=15)
    assert set(res.results["Tenderer"]) == {"R", "U"}
    ev = {e["bidders"]: e["evidence"] for e in res.evidence}
    assert "round" in ev["R"] and "Benford" in ev["U"]
    assert res.meta["tenderers"] == 13 and res.meta["alpha"] == 0.001


def test_r034_same_submission_order():
    rows = []
    for k in range(4):
        order = "ABC" if k < 3 else "CBA"       # A -> B -> C in 3 of 4 tenders
        for i, b in enumerate(order):
            rows.append((f"T{k}", b, 100.0 + i, 0.0, f"2024-01-0{k + 1} 09:0{i}:00"))
    for k in range(4):                           # D E F in varying order
        for i, b in enumerate(("DEF", "EFD", "FDE", "DFE")[k]):
            rows.append((f"U{k}", b, 100.0 + i, 0.0, f"2024-02-0{k + 1} 09:0{i}:00"))
    res = compute("R034", frame(rows))
    assert set(res.results["OCID"]) == {"T0", "T1", "T2"} and res.results["OCID"]["T0"] == 3
    assert set(res.results["Tenderer"]) == {"A", "B", "C"}
    assert "A -> B -> C submitted in this order in 3 of the 4 tenders" in res.evidence[0]["evidence"]
    assert res.meta == {"bidder_sets": 2.0, "orders_flagged": 1.0}


def test_r053_recurrent_winner_and_r057_rotation():
    rows = []
    for k in range(6):   # A always beats B: R053
        rows += [(f"T{k}", "A", 100.0 + k, 1.0), (f"T{k}", "B", 107.0 + 2 * k, 0.0)]
    for k in range(6):   # C and D take turns, with an outsider: R057
        rows += [(f"U{k}", "C", 100.0 + k, float(k % 2 == 0)), (f"U{k}", "D", 103.0 + 2 * k, float(k % 2 == 1)),
                 (f"U{k}", f"O{k}", 140.0, 0.0)]
    for k in range(4):   # E beats F only 4 times: too few for either
        rows += [(f"V{k}", "E", 100.0, 1.0), (f"V{k}", "F", 110.0 + 3 * k, 0.0)]
    bids = frame(rows)
    r053 = compute("R053", bids)
    assert set(r053.results["Tenderer"]) == {"A", "B"} and r053.results["Tenderer"]["A"] == 1.0
    assert "A won 6 (100%) and B none" in r053.evidence[0]["evidence"]
    r057 = compute("R057", bids)
    assert set(r057.results["Tenderer"]) == {"C", "D"}
    assert set(r057.results["OCID"]) == {f"U{k}" for k in range(6)}
    assert "C won 3, D won 3" in r057.evidence[0]["evidence"]


def test_beyond_codes_run_on_ocds(tmp_path):
    """[R057] in the INI switches the flag on for OCDS input; results and Meta come out in Cardinal's shape."""
    lines = []
    for k in range(6):
        w = "C" if k % 2 == 0 else "D"
        lines.append(json.dumps({"ocid": f"ocds-{k}", "bids": {"details": [
            {"status": "valid", "tenderers": [{"id": "C"}], "value": {"amount": 100 + k, "currency": "CNY"}},
            {"status": "valid", "tenderers": [{"id": "D"}], "value": {"amount": 103 + 2 * k, "currency": "CNY"}}]},
            "awards": [{"status": "active", "suppliers": [{"id": w}]}]}))
    src = tmp_path / "r.jsonl"
    src.write_text("\n".join(lines) + "\n")
    out = json.loads(engine.to_json(engine.run(read_processes(src), build({"R057": {"minimum_processes": 6}, "R024": {}}))))
    assert out["Tenderer"]["C"]["R057"] == 1.0 and out["Tenderer"]["D"]["R057"] == 1.0
    assert len([o for o in out["OCID"].values() if "R057" in o]) == 6
    assert out["Meta"]["R057"]["pairs"] == 1.0 and "R024" in out["Meta"]
