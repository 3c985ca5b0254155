"""Runs as text (`experiments.runs`): counts as whole numbers, two runs side by side with differences marked, at most
80 columns."""
from __future__ import annotations

from experiments.runs import compare_table, metrics_text, runs_table, value_text


def _run(name, auc, n, data):
    return {"run_id": f"{abs(hash(name)):032x}"[:32], "experiment": "collusion", "run_name": name, "status": "FINISHED",
            "start_time": 1_796_000_000_000, "params": {"data": data, "family": "lightgbm"},
            "metrics": {"auc": auc, "n": float(n), "splits.bidder.auc": auc - 0.1}}


def test_counts_are_whole_numbers_and_other_metrics_have_four_decimals():
    assert value_text(898.0) == "898" and value_text(0.96312) == "0.9631" and value_text(None) == "-"
    assert metrics_text({"n": 898.0, "auc": 0.9}) == "n 898, auc 0.9000"


def test_list_and_compare_fit_80_columns_and_mark_differences():
    a = _run("collusion-train · city-tiny-s1 · lightgbm · 2026-12-07T10:31", 0.98, 898, "city-tiny-s1")
    b = _run("collusion-train · city-tiny-s2 · lightgbm · 2026-12-07T10:33", 0.97, 898, "city-tiny-s2")
    text = runs_table([a, b])
    assert all(len(line) <= 80 for line in text.splitlines()) and "bidder" in text.splitlines()[0]
    cmp = compare_table(a, b)
    assert all(len(line) <= 80 for line in cmp.splitlines())
    rows = {line.split()[1] if line.startswith("*") else line.split()[0]: line for line in cmp.splitlines()[2:-1]}
    assert cmp.splitlines()[-1].startswith("3 of 5 parameters and metrics differ")
    assert [line for line in cmp.splitlines() if "param data" in line][0].startswith("*")
    assert not [line for line in cmp.splitlines() if "param family" in line][0].startswith("*")
    assert [line for line in cmp.splitlines() if "metric n " in line][0].split()[-1] == "898" and rows
    only = compare_table(a, b, only_differences=True)
    assert "param family" not in only and "param data" in only
